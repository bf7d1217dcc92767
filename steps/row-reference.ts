/**
 * How every step's message names a row of an input table: "line L of data/x.csv" when the row can be traced to a
 * line of a source file (L is the file's own 1-based line: the header counts, a record whose quoted field spans
 * several lines is named by the line it starts on), else "row N (1-based) of input <slot>".
 *
 * The trace is recorded once and travels by plan, not per row:
 * - ingest.csv writes, in its `missing` output, the row → line map as segments (row, file, line) where a row does
 *   not follow the line after the previous one (a multi-line record, the next file of a folder); nothing when the
 *   map is the identity with the header's offset, so the output of a plain file is unchanged;
 * - a consumer's builder (`rowSourceWiring`) walks the plan back from its table through steps that keep rows in
 *   order to an ingest.csv node, and wires that node's source path and first data line as the param `rowSource` and
 *   its `missing` output as the optional input `rowLines`. A table that went through a step that removes or reorders
 *   rows (drop-missing, sql) has no trace, and its rows are named by number.
 */
import { Schema } from "effect";
import type { MetricsHandle, TableHandle } from "../dsl/handles.js";
import type { JsonValue, StepInput } from "../dsl/step.js";
import { NodeRef } from "../dsl/study.js";

/** A consumer step's params field: the source its table's rows were read from, wired by rowSourceWiring. */
export const rowSourceFields = {
  rowSource: Schema.optionalKey(Schema.Struct({ path: Schema.String, firstLine: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)) })),
};

/** A consumer step's optional input: the ingest's `missing` output, which holds the row → line map when it is not the identity. */
export const rowLinesInput = { rowLines: { optional: "metrics" } } as const;

type RowSource = NonNullable<Schema.Schema.Type<Schema.Struct<typeof rowSourceFields>>["rowSource"]>;

/** The row → line map as ingest.csv records it in its `missing` output (`lines`): files by name, segments as (row, file, line) triples. */
const LinesSchema = Schema.Struct({ files: Schema.Array(Schema.String), segments: Schema.Array(Schema.Number) });
const LinesDoc = Schema.Struct({ lines: Schema.optionalKey(LinesSchema) });

/** Records, as an ingest scans its files, where each row starts; `lines()` is the `missing` output's field, or undefined for the identity. */
export const lineRecorder = (files: readonly string[], firstLine: number) => {
  const segments: number[] = [];
  let file = -1;
  let next = 0;
  return {
    record(row: number, fileIndex: number, line: number): void {
      if (fileIndex !== file || line !== next) segments.push(row, fileIndex, line);
      file = fileIndex;
      next = line + 1;
    },
    lines(): JsonValue | undefined {
      const identity = files.length === 1 && segments.length <= 3 && (segments.length === 0 || segments[2] === firstLine);
      return identity ? undefined : { files: [...files], segments: [...segments] };
    },
  };
};

/**
 * The phrase for 0-based row `r` of the input in slot `slot`: its source line when the step was given its row
 * source (params.rowSource, inputs.rowLines), else its 1-based number.
 */
export const rowNamer = (slot: string, source?: RowSource, linesInput?: StepInput): ((r: number) => string) => {
  const byNumber = (r: number) => `row ${r + 1} (1-based) of input ${slot}`;
  if (source === undefined) return byNumber;
  // Read only when a message names a row: a step that succeeds never reads the map.
  let named: ((r: number) => string) | undefined;
  return (r) => (named ??= lineNamer(source, linesInput === undefined ? undefined : Schema.decodeUnknownSync(LinesDoc)(linesInput.json()).lines, byNumber))(r);
};

/**
 * Names rows by line: `row + firstLine` of the source without a map (a folder then holds a single file, which the
 * map would have named), else the map's segment holding the row.
 */
const lineNamer = (source: RowSource, lines: typeof LinesSchema.Type | undefined, byNumber: (r: number) => string): ((r: number) => string) => {
  if (lines === undefined) return (r) => `line ${r + source.firstLine} of ${source.path.endsWith("/") ? `the one file in ${source.path}` : source.path}`;
  const { files, segments } = lines;
  const pathOf = (f: number) => (source.path.endsWith("/") ? `${source.path}${files[f]}` : source.path);
  return (r) => {
    // The last segment starting at or before r.
    let lo = 0;
    let hi = segments.length / 3 - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid * 3]! <= r) lo = mid;
      else hi = mid - 1;
    }
    const at = lo * 3;
    if (segments.length === 0 || segments[at]! > r) return byNumber(r);
    return `line ${segments[at + 2]! + (r - segments[at]!)} of ${pathOf(segments[at + 1]!)}`;
  };
};

/** Steps whose `table` output holds their `table` input's rows, in order (only columns change). */
const ROW_KEEPING_STEPS: ReadonlySet<string> = new Set([
  "preprocess.binary-target",
  "preprocess.impute",
  "preprocess.one-hot",
  "preprocess.ordinal-encode",
  "preprocess.standardize",
  "subgroups.define",
]);

/**
 * What a consumer's builder adds for `table` (spread into its params and inputs): the ingest.csv node its rows come
 * from, reached through ROW_KEEPING_STEPS only; nothing when there is none, so such a node's plan is unchanged.
 */
export const rowSourceWiring = (table: TableHandle): { readonly params: { readonly rowSource?: RowSource }; readonly rowLines: MetricsHandle | undefined } => {
  const untraced = { params: {}, rowLines: undefined };
  const graph = table.study;
  let ref = table.ref;
  for (;;) {
    const node = graph.nodes.find((n) => n.id === ref.node);
    if (node === undefined || ref.output !== "table") return untraced;
    if (node.step === "ingest.csv") {
      const file = node.inputs["file"];
      if (file === undefined || Array.isArray(file) || !("source" in file)) return untraced;
      const header = (node.params as { header?: boolean }).header === true;
      return { params: { rowSource: { path: file.source, firstLine: header ? 2 : 1 } }, rowLines: new NodeRef(graph, node).metrics("missing") };
    }
    const from = node.inputs["table"];
    if (!ROW_KEEPING_STEPS.has(node.step) || from === undefined || Array.isArray(from) || !("node" in from)) return untraced;
    ref = from;
  }
};
