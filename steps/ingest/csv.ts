import { Effect, Schema } from "effect";
import { type CellValue, type ColumnData, type ColumnType, makeTable } from "../../artifacts/table.js";
import type { TableHandle } from "../../dsl/handles.js";
import { boundedList } from "../../dsl/errors.js";
import { type SourceFile, type StepContext, defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode, source } from "../../dsl/study.js";
import { lineRecorder } from "../row-reference.js";
import { type ColumnSpec, ColumnSpecsSchema, type ColumnsOf, columnsRecord } from "./column-spec.js";
import { type MissingTokens, missingTokenFields, missingTokens } from "./missing-tokens.js";
import { ingestFiles } from "./source-files.js";

const Params = Schema.Struct({
  columns: ColumnSpecsSchema,
  header: Schema.Boolean.pipe(Schema.withDecodingDefaultKey(Effect.succeed(false))),
  delimiter: Schema.String.check(
    Schema.makeFilter((d) => (d.length === 1 && d !== '"' && d !== "\n" && d !== "\r") || "expected one character other than a double quote or a line break"),
  ).pipe(Schema.withDecodingDefaultKey(Effect.succeed(","))),
  ...missingTokenFields,
});

/** Receives each record as it is scanned; `fields` is reused between records (copy what you keep). */
type OnRecord = (line: number, fields: readonly CsvField[], count: number) => void;

/**
 * A field: text[start, end) of the file when unquoted, or its unescaped value when quoted (quoted fields are rare,
 * so only they cost a string of their own).
 */
interface CsvField {
  start: number;
  end: number;
  quoted: string | undefined;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * A strict RFC 4180 reader: fields may be quoted ("a ""b"", c"), quoted fields may hold delimiters and line breaks;
 * records end at CRLF, LF or a lone CR. Anything else (a stray quote, text after a closing quote, an unterminated
 * quote) is an error rather than a guess. Trailing blank lines are dropped. Records are handed to `onRecord` as
 * they are scanned, so no per-record objects are kept.
 */
export const scanCsv = (text: string, delimiter: string, fail: (line: number, problem: string) => never, onRecord: OnRecord): void => {
  const n = text.length;
  const delim = delimiter.charCodeAt(0);
  const fields: CsvField[] = [];
  const fieldAt = (k: number): CsvField => (fields[k] ??= { start: 0, end: 0, quoted: undefined });
  // Blank lines are held back until a later record shows they are not trailing.
  const blanks: number[] = [];
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    let count = 0;
    let quotedAny = false;
    for (;;) {
      const field = fieldAt(count);
      if (text.charCodeAt(i) === QUOTE) {
        quotedAny = true;
        i++;
        let value = "";
        let from = i;
        for (;;) {
          if (i >= n) fail(start, `a quoted field opened on this line is never closed; add the closing double quote`);
          const ch = text.charCodeAt(i);
          if (ch === QUOTE) {
            if (text.charCodeAt(i + 1) === QUOTE) {
              value += text.slice(from, i + 1);
              i += 2;
              from = i;
              continue;
            }
            value += text.slice(from, i);
            i++;
            break;
          }
          if (ch === LF || (ch === CR && text.charCodeAt(i + 1) !== LF)) line++;
          i++;
        }
        const next = text.charCodeAt(i);
        if (i < n && next !== delim && next !== LF && next !== CR) {
          fail(line, `field ${count + 1}: unexpected ${JSON.stringify(text[i])} after a closing quote; a quoted field must end at the delimiter (double any quote inside it)`);
        }
        field.quoted = value;
      } else {
        const from = i;
        for (; i < n; i++) {
          const ch = text.charCodeAt(i);
          if (ch === delim || ch === LF || ch === CR) break;
          if (ch === QUOTE) fail(line, `field ${count + 1}: stray double quote in an unquoted field; quote the whole field and double the quotes inside it`);
        }
        field.start = from;
        field.end = i;
        field.quoted = undefined;
      }
      count++;
      if (text.charCodeAt(i) === delim) {
        i++;
        continue;
      }
      break;
    }
    if (text.charCodeAt(i) === CR) {
      i++;
      if (text.charCodeAt(i) === LF) i++;
    } else if (text.charCodeAt(i) === LF) i++;
    line++;
    if (!quotedAny && count === 1 && fields[0]!.end === fields[0]!.start) {
      blanks.push(start);
      continue;
    }
    if (blanks.length > 0) {
      const current = fields.slice(0, count).map((f) => ({ ...f }));
      const empty: CsvField = { start: 0, end: 0, quoted: undefined };
      for (const blank of blanks) onRecord(blank, [empty], 1);
      blanks.length = 0;
      onRecord(start, current, count);
    } else {
      onRecord(start, fields, count);
    }
  }
};

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLS: Readonly<Record<string, boolean>> = { true: true, TRUE: true, True: true, "1": true, false: false, FALSE: false, False: false, "0": false };

/** Parses one field as its declared type, or returns what was expected. Ints may be written "63.0" (integral). */
const parseValue = (text: string, type: ColumnType): CellValue | { expected: string } => {
  switch (type) {
    case "string":
      return text;
    case "bool":
      return text in BOOLS ? BOOLS[text]! : { expected: "a boolean (true/false, TRUE/FALSE, True/False or 1/0)" };
    case "float": {
      const v = NUMBER.test(text) ? Number(text) : NaN;
      return Number.isFinite(v) ? v : { expected: "a finite number" };
    }
    case "int": {
      const v = NUMBER.test(text) ? Number(text) : NaN;
      if (!Number.isInteger(v)) return { expected: "an integer (declare the column as float if fractional values are valid)" };
      return v >= -(2 ** 31) && v < 2 ** 31 ? v : { expected: "an integer within the 32-bit range" };
    }
  }
};

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The value of text[start, end) when it is a plain decimal ([+-]digits[.digits]) of at most 15 digits, else
 * undefined. Then the digits are an exact integer m below 2^53 and 10^k is exact, so m / 10^k is the correctly
 * rounded double of the decimal: exactly what Number() gives, without making a string.
 */
const plainDecimal = (text: string, start: number, end: number): number | undefined => {
  let i = start;
  const sign = text.charCodeAt(i);
  if (sign === 45 || sign === 43) i++;
  let m = 0;
  let digits = 0;
  let scale = -1;
  for (; i < end; i++) {
    const ch = text.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      m = m * 10 + (ch - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (ch === 46 && scale < 0) scale = 0;
    else return undefined;
  }
  if (digits === 0 || digits > 15) return undefined;
  const v = scale > 0 ? m / POWERS_OF_TEN[scale]! : m;
  return sign === 45 ? -v : v;
};

/** One column being filled: typed buffers for numbers and bools, an array for strings. */
interface ColumnBuilder {
  readonly spec: ColumnSpec;
  /** Appends a cell, or returns what was expected. */
  add(text: string, field: CsvField): { expected: string } | undefined;
  addNull(): void;
  column(): ColumnData;
}

const grow = <A extends Float64Array | Int32Array | Uint8Array>(a: A, need: number, make: (n: number) => A): A => {
  if (need <= a.length) return a;
  const b = make(Math.max(need, a.length * 2));
  b.set(a);
  return b;
};

const columnBuilder = (spec: ColumnSpec): ColumnBuilder => {
  let n = 0;
  const valid: boolean[] = [];
  let nulls = 0;
  const finishValid = <T>(values: ArrayLike<T>): (T | null)[] | ArrayLike<T> => (nulls === 0 ? values : Array.from(values, (v, r) => (valid[r] ? v : null)));
  const addNull = () => {
    if (nulls === 0) for (let r = valid.length; r < n; r++) valid.push(true);
    nulls++;
    valid[n++] = false;
  };
  const mark = () => {
    if (nulls > 0) valid[n] = true;
    n++;
  };
  if (spec.type === "float" || spec.type === "int") {
    const isInt = spec.type === "int";
    let values: Float64Array | Int32Array = isInt ? new Int32Array(1024) : new Float64Array(1024);
    return {
      spec,
      add(text, field) {
        const fast = field.quoted === undefined ? plainDecimal(text, field.start, field.end) : undefined;
        let v: CellValue | { expected: string };
        if (fast !== undefined && (!isInt || (Number.isInteger(fast) && fast >= -(2 ** 31) && fast < 2 ** 31))) v = fast;
        else v = parseValue(field.quoted ?? text.slice(field.start, field.end), spec.type);
        if (typeof v === "object" && v !== null) return v;
        values = grow(values, n + 1, (k) => (isInt ? new Int32Array(k) : new Float64Array(k)));
        values[n] = v as number;
        mark();
        return undefined;
      },
      addNull,
      column: () => ({ name: spec.name, type: spec.type, values: finishValid(values.subarray(0, n)) }),
    };
  }
  const values: CellValue[] = [];
  return {
    spec,
    add(text, field) {
      const v = parseValue(field.quoted ?? text.slice(field.start, field.end), spec.type);
      if (typeof v === "object" && v !== null) return v;
      values[n] = v;
      mark();
      return undefined;
    },
    addNull() {
      values[n] = null;
      addNull();
    },
    column: () => ({ name: spec.name, type: spec.type, values }),
  };
};

type CsvParams = typeof Params.Type;

/** Where the rows being appended go: the table's row count so far, and where each row's line is recorded. */
interface RowsSoFar {
  readonly before: number;
  readonly fileIndex: number;
  readonly lines: ReturnType<typeof lineRecorder>;
}

/** Parses one file and appends its rows to the column builders; errors name the file and line. */
const appendFile = (file: SourceFile, params: CsvParams, ctx: StepContext, builders: readonly ColumnBuilder[], na: MissingTokens, at: RowsSoFar): number => {
  const fail: (field: string, problem: string) => never = (field, problem) => ctx.fail(field, problem, file.name);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(file.bytes);
  } catch {
    return fail("inputs.file", "the file is not valid UTF-8; re-save it as UTF-8");
  }
  const failAt: (line: number, problem: string) => never = (line, problem) => fail("inputs.file", `line ${line}: ${problem}`);
  const specs = params.columns;
  const names = specs.map((c) => c.name);
  const tokensOf = specs.map((_, c) => na.tokens(c));
  const isNa = (c: number, f: CsvField): boolean => {
    const tokens = tokensOf[c]!;
    const hit = f.quoted !== undefined ? tokens.includes(f.quoted) : tokens.some((token) => token.length === f.end - f.start && text.startsWith(token, f.start));
    if (hit) na.count(c);
    return hit;
  };
  const fieldText = (f: CsvField): string => f.quoted ?? text.slice(f.start, f.end);

  let headerPending = params.header;
  let rows = 0;
  scanCsv(text, params.delimiter, failAt, (line, fields, count) => {
    if (headerPending) {
      headerPending = false;
      const head = fields.slice(0, count).map(fieldText);
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
      const field = fields[c]!;
      const builder = builders[c]!;
      if (isNa(c, field)) {
        builder.addNull();
        continue;
      }
      const problem = builder.add(text, field);
      if (problem !== undefined) {
        const hint = !params.header && line === 1 ? " (if line 1 is a header, set header: true)" : "";
        failAt(line, `column ${JSON.stringify(specs[c]!.name)} (field ${c + 1}): expected ${problem.expected}, found ${JSON.stringify(fieldText(field))}${hint}`);
      }
    }
    at.lines.record(at.before + rows, at.fileIndex, line);
    rows++;
  });
  if (headerPending) failAt(1, `the file is empty; expected a header line listing ${boundedList(names)}`);
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
    const builders = specs.map(columnBuilder);
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
