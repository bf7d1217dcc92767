import { Effect, Schema } from "effect";
import { type CellValue, type ColumnType, makeTable } from "../../artifacts/table.js";
import type { TableHandle } from "../../dsl/handles.js";
import { type SourceFile, type StepContext, defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode, source } from "../../dsl/study.js";
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

interface CsvRecord {
  /** 1-based physical line on which the record starts. */
  readonly line: number;
  readonly fields: string[];
  /** An empty line: one unquoted, empty field. */
  readonly blank: boolean;
}

/**
 * A strict RFC 4180 reader: fields may be quoted ("a ""b"", c"), quoted fields may hold delimiters and line breaks;
 * records end at CRLF, LF or a lone CR. Anything else (a stray quote, text after a closing quote, an unterminated
 * quote) is an error rather than a guess. Trailing blank lines are dropped.
 */
export const parseCsv = (text: string, delimiter: string, fail: (line: number, problem: string) => never): CsvRecord[] => {
  const records: CsvRecord[] = [];
  const n = text.length;
  const isEnd = (ch: string | undefined) => ch === delimiter || ch === "\n" || ch === "\r";
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let quotedAny = false;
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        quotedAny = true;
        i++;
        for (;;) {
          if (i >= n) fail(start, `a quoted field opened on this line is never closed; add the closing double quote`);
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === "\n" || (ch === "\r" && text[i + 1] !== "\n")) line++;
          field += ch;
          i++;
        }
        if (i < n && !isEnd(text[i])) {
          fail(line, `field ${fields.length + 1}: unexpected ${JSON.stringify(text[i])} after a closing quote; a quoted field must end at the delimiter (double any quote inside it)`);
        }
      } else {
        const from = i;
        while (i < n && !isEnd(text[i])) {
          if (text[i] === '"') fail(line, `field ${fields.length + 1}: stray double quote in an unquoted field; quote the whole field and double the quotes inside it`);
          i++;
        }
        field = text.slice(from, i);
      }
      fields.push(field);
      if (text[i] === delimiter) {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === "\r") {
      i++;
      if (text[i] === "\n") i++;
    } else if (text[i] === "\n") i++;
    line++;
    records.push({ line: start, fields, blank: !quotedAny && fields.length === 1 && fields[0] === "" });
  }
  while (records.length > 0 && records[records.length - 1]!.blank) records.pop();
  return records;
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

type CsvParams = typeof Params.Type;

/** Parses one file and appends its rows to `values` (one array per column); errors name the file and line. */
const appendFile = (file: SourceFile, params: CsvParams, ctx: StepContext, values: CellValue[][], na: MissingTokens): number => {
  const fail: (field: string, problem: string) => never = (field, problem) => ctx.fail(field, problem, file.name);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(file.bytes);
  } catch {
    return fail("inputs.file", "the file is not valid UTF-8; re-save it as UTF-8");
  }
  const failAt: (line: number, problem: string) => never = (line, problem) => fail("inputs.file", `line ${line}: ${problem}`);
  const records = parseCsv(text, params.delimiter, failAt);
  const specs = params.columns;
  const names = specs.map((c) => c.name);

  let rows = records;
  if (params.header) {
    const head = records[0];
    if (head === undefined) failAt(1, `the file is empty; expected a header line listing ${names.join(", ")}`);
    if (head.fields.length !== names.length || head.fields.some((f, i) => f !== names[i])) {
      fail("params.columns", `line ${head.line}: the header lists ${head.fields.join(", ")}; expected exactly ${names.join(", ")} in this order (fix params.columns or the header)`);
    }
    rows = records.slice(1);
  }

  for (const record of rows) {
    if (record.fields.length !== specs.length) {
      failAt(record.line, `expected ${specs.length} fields, found ${record.fields.length} (check the delimiter ${JSON.stringify(params.delimiter)} or quoting)`);
    }
    for (const [c, spec] of specs.entries()) {
      const field = record.fields[c]!;
      const parsed = na.isMissing(c, field) ? null : parseValue(field, spec.type);
      if (parsed !== null && typeof parsed === "object") {
        const hint = !params.header && record.line === 1 ? " (if line 1 is a header, set header: true)" : "";
        failAt(record.line, `column ${JSON.stringify(spec.name)} (field ${c + 1}): expected ${parsed.expected}, found ${JSON.stringify(field)}${hint}`);
      }
      values[c]!.push(parsed);
    }
  }
  return rows.length;
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
    const values: CellValue[][] = specs.map(() => []);
    const files = ingestFiles(inputs.file, ".csv", ctx);
    let rows = 0;
    for (const file of files) rows += appendFile(file, params, ctx, values, missing);
    ctx.log(`read ${rows} rows × ${specs.length} columns${inputs.file.folder ? ` from ${files.length} files` : ""}`);
    return { table: makeTable(specs.map((spec, c) => ({ name: spec.name, type: spec.type, values: values[c]! }))), missing: missing.report(rows) };
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
