import { isUtf8 } from "node:buffer";
import { Effect, Schema } from "effect";
import { makeTable } from "../../artifacts/table.js";
import type { TableHandle } from "../../dsl/handles.js";
import { boundedList } from "../../dsl/errors.js";
import { type SourceFile, type StepContext, defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode, source } from "../../dsl/study.js";
import { lineRecorder } from "../row-reference.js";
import { type ColumnSpec, ColumnSpecsSchema, type ColumnsOf, columnsRecord } from "./column-spec.js";
import { type ColumnBuilder, bytesEqual, columnBuilder, textOf } from "./csv-columns.js";
import { type CsvFields, scanCsv } from "./csv-scan.js";
import { type MissingTokens, missingTokenFields, missingTokens } from "./missing-tokens.js";
import { ingestFiles } from "./source-files.js";

const Params = Schema.Struct({
  columns: ColumnSpecsSchema,
  header: Schema.Boolean.pipe(Schema.withDecodingDefaultKey(Effect.succeed(false))),
  delimiter: Schema.String.check(
    Schema.makeFilter((d) => (d.length === 1 && d !== '"' && d !== "\n" && d !== "\r" && !/[\uD800-\uDFFF]/.test(d)) || "expected one character other than a double quote or a line break"),
  ).pipe(Schema.withDecodingDefaultKey(Effect.succeed(","))),
  ...missingTokenFields,
});

type CsvParams = typeof Params.Type;

/** Where the rows being appended go: the table's row count so far, and where each row's line is recorded. */
interface RowsSoFar {
  readonly before: number;
  readonly fileIndex: number;
  readonly lines: ReturnType<typeof lineRecorder>;
}

const BOM = [0xef, 0xbb, 0xbf];

/** Each column's missing tokens as UTF-8 bytes; a token that is not well-formed text can match no field, so it is left out. */
const tokenBytes = (na: MissingTokens, columns: number): Uint8Array[][] =>
  Array.from({ length: columns }, (_, c) => na.tokens(c).filter((t) => !/[\uD800-\uDFFF]/u.test(t)).map((t) => new TextEncoder().encode(t)));

/** Whether bytes start..end of src are one of `tokens`. */
const isToken = (tokens: readonly Uint8Array[], src: Uint8Array, start: number, end: number): boolean => {
  for (const token of tokens) if (bytesEqual(src, start, end, token)) return true;
  return false;
};

/**
 * How many records a file holds at most, to size the columns once: its lines, ended by line feeds (by carriage
 * returns in a file with no line feed), and an unterminated last one.
 */
const recordsAtMost = (bytes: Uint8Array): number => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = (byte: number) => {
    let k = 0;
    for (let i = buffer.indexOf(byte); i >= 0; i = buffer.indexOf(byte, i + 1)) k++;
    return k;
  };
  const last = bytes[bytes.length - 1];
  return (count(10) || count(13)) + (last === 10 || last === 13 ? 0 : 1);
};

/** Parses one file and appends its rows to the column builders; errors name the file and line. */
const appendFile = (file: SourceFile, params: CsvParams, ctx: StepContext, builders: readonly ColumnBuilder[], na: MissingTokens, at: RowsSoFar): number => {
  const fail: (field: string, problem: string) => never = (field, problem) => ctx.fail(field, problem, file.name);
  if (!isUtf8(file.bytes)) return fail("inputs.file", "the file is not valid UTF-8; re-save it as UTF-8");
  // A byte order mark is not text (TextDecoder drops it too).
  const bytes = BOM.every((b, k) => file.bytes[k] === b) ? file.bytes.subarray(BOM.length) : file.bytes;
  const failAt: (line: number, problem: string) => never = (line, problem) => fail("inputs.file", `line ${line}: ${problem}`);
  const specs = params.columns;
  const names = specs.map((c) => c.name);
  const tokens = tokenBytes(na, specs.length);
  const missing = new Float64Array(specs.length);
  const fieldText = (fields: CsvFields, k: number): string => textOf(fields.src[k]!, fields.start[k]!, fields.end[k]!);
  const records = recordsAtMost(bytes) - (params.header ? 1 : 0);
  for (const builder of builders) builder.reserve(records);

  let headerPending = params.header;
  let rows = 0;
  scanCsv(bytes, new TextEncoder().encode(params.delimiter), failAt, (line, fields, count) => {
    if (headerPending) {
      headerPending = false;
      const head = Array.from({ length: count }, (_, k) => fieldText(fields, k));
      if (head.length !== names.length || head.some((f, i) => f !== names[i])) {
        // Only the first difference is named: a header of 100,000 columns must not become a message of that size.
        const at = head.findIndex((f, i) => f !== names[i]);
        const first = at === -1 || at >= names.length
          ? `it has ${head.length} fields where ${names.length} are declared`
          : `field ${at + 1} is ${JSON.stringify(head[at]!.slice(0, 80))} where ${JSON.stringify(names[at])} is declared (${head.length} fields, ${names.length} declared)`;
        fail("params.columns", `line ${line}: the header does not match params.columns: ${first}; list exactly the header's names in its order (fix params.columns or the header)`);
      }
      return;
    }
    if (count !== specs.length) {
      failAt(line, `expected ${specs.length} fields, found ${count} (check the delimiter ${JSON.stringify(params.delimiter)} or quoting)`);
    }
    for (let c = 0; c < count; c++) {
      const src = fields.src[c]!;
      const start = fields.start[c]!;
      const end = fields.end[c]!;
      const builder = builders[c]!;
      if (isToken(tokens[c]!, src, start, end)) {
        missing[c]!++;
        builder.addNull();
        continue;
      }
      const expected = builder.add(src, start, end);
      if (expected !== undefined) {
        const hint = !params.header && line === 1 ? " (if line 1 is a header, set header: true)" : "";
        failAt(line, `column ${JSON.stringify(specs[c]!.name)} (field ${c + 1}): expected ${expected}, found ${JSON.stringify(fieldText(fields, c))}${hint}`);
      }
    }
    at.lines.record(at.before + rows, at.fileIndex, line);
    rows++;
  });
  if (headerPending) failAt(1, `the file is empty; expected a header line listing ${boundedList(names)}`);
  missing.forEach((count, c) => na.count(c, count));
  return rows;
};

/**
 * Reads a CSV file, or every file of a folder (each must be .csv, have the declared columns and, with `header`, its
 * own header line), concatenated in name order.
 */
export const csvStep = defineStep({
  kind: "ingest.csv",
  module: import.meta.url,
  params: Params,
  inputs: { file: "source" },
  outputs: { table: "table", missing: "metrics" },
  run: (inputs, params, ctx) => {
    const specs = params.columns;
    const missing = missingTokens(specs.map((c) => c.name), params, (field, problem) => ctx.fail(field, problem));
    const builders = specs.map((c) => columnBuilder(c.name, c.type));
    const files = ingestFiles(inputs.file, ".csv", ctx);
    const lines = lineRecorder(files.map((f) => f.name), params.header ? 2 : 1);
    let rows = 0;
    for (const [fileIndex, file] of files.entries()) rows += appendFile(file, params, ctx, builders, missing, { before: rows, fileIndex, lines });
    // Found here rather than two nodes later, where an empty table would fail without naming the file. In a folder,
    // one empty batch (a month with no visits) is fine; all of them empty is not.
    if (rows === 0) {
      const what = files.length === 1 ? "the file has no data rows" : `none of the ${files.length} files has a data row`;
      ctx.fail("inputs.file", `${what}${params.header ? " (only a header line)" : ""}; add the rows`, files.length === 1 ? files[0]!.name : undefined);
    }
    ctx.log(`read ${rows} rows × ${specs.length} columns${inputs.file.folder ? ` from ${files.length} files` : ""}`);
    return { table: makeTable(builders.map((b) => b.column())), missing: missing.report(rows, lines.lines()) };
  },
});

export interface ReadCsvParams<S extends readonly ColumnSpec[]> {
  /** The file, or a folder of .csv files (the path ends with "/"), relative to the project root. */
  readonly path: string;
  /** Every column, in file order, with its type; the table keeps this order. */
  readonly columns: S;
  /** Whether line 1 is a header; it must then list exactly the declared names. Default false. */
  readonly header?: boolean;
  /** One character; default ",". */
  readonly delimiter?: string;
  /** Field texts read as null; default ["", "NA"]. */
  readonly na?: readonly string[];
  /** Extra tokens read as null in the named columns only, e.g. { Glucose: ["0"] }. */
  readonly naByColumn?: { readonly [K in S[number]["name"]]?: readonly string[] };
}

/** Reads a CSV file, or a folder of them, into a table whose column types come from the `columns` literal. */
export const readCsv = <const S extends readonly ColumnSpec[]>(graph: StudyGraph, params: ReadCsvParams<S>, options?: NodeOptions): TableHandle<ColumnsOf<S>> => {
  const { path, ...rest } = params;
  const node = addNode(graph, csvStep, { file: source(path) }, rest, options);
  return node.table("table", columnsRecord(params.columns));
};
