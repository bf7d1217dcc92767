import { Schema } from "effect";
import { denseCells, denseFromVector } from "../../artifacts/dense-column.js";
import { type CellValue, type ColumnType, columnTypeOf, decodeParquet, makeTable } from "../../artifacts/table.js";
import type { TableHandle } from "../../dsl/handles.js";
import { type SourceFile, type StepContext, defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode, source } from "../../dsl/study.js";
import { type ColumnSpec, ColumnSpecsSchema, type ColumnsOf, columnsRecord } from "./column-spec.js";
import { nullCounts } from "./missing-tokens.js";
import { rowNamer } from "../row-reference.js";
import { ingestFiles } from "./source-files.js";

const Params = Schema.Struct({ columns: ColumnSpecsSchema });

/** The file's type for a column as a Strata type, or a description of the unsupported Arrow type. */
const strataType = (type: Parameters<typeof columnTypeOf>[0]): ColumnType | string => {
  try {
    return columnTypeOf(type);
  } catch {
    return `an unsupported type (${String(type)})`;
  }
};

/** Decodes one file and appends the declared columns' values to `columns`; errors name the file. */
const appendFile = (file: SourceFile, specs: readonly ColumnSpec[], ctx: StepContext, columns: readonly CellValue[][]): void => {
  const fail: (field: string, problem: string) => never = (field, problem) => ctx.fail(field, problem, file.name);
  let table;
  try {
    table = decodeParquet(file.bytes);
  } catch (e) {
    return fail("inputs.file", `not a readable Parquet file (${e instanceof Error ? e.message : String(e)})`);
  }
  const present = table.schema.fields.map((f) => f.name);
  // Only the declared columns are read (and kept), in declared order; other columns may have any type.
  for (const [c, spec] of specs.entries()) {
    const index = present.indexOf(spec.name);
    if (index < 0) fail("params.columns", `column ${JSON.stringify(spec.name)} is not in the file, which has ${present.join(", ")}`);
    const found = strataType(table.schema.fields[index]!.type);
    if (found !== spec.type) fail("params.columns", `column ${JSON.stringify(spec.name)} is ${found} in the file, declared ${spec.type}; declare the file's type`);
    const vector = table.getChildAt(index)!;
    if (spec.type === "int") {
      // Wider ints are read whole-column; a value outside 32 bits would wrap, so it is refused first.
      let r = 0;
      for (const data of vector.data) {
        const values = (data.values as ArrayLike<number | bigint>);
        for (let i = 0; i < data.length; i++, r++) {
          const v = Number(values[i]!);
          if (Math.abs(v) >= 2 ** 31 && vector.isValid(r)) {
            fail("params.columns", `column ${JSON.stringify(spec.name)}, ${rowNamer("file")(r)}: ${String(values[i])} does not fit a 32-bit int; declare it as float`);
          }
        }
      }
    }
    for (const v of denseCells(denseFromVector(spec.name, vector))) columns[c]!.push(v);
  }
};

/**
 * Reads the declared columns of a Parquet file, or of every file of a folder (each must be .parquet and have the
 * declared columns with their types), concatenated in name order.
 */
export const parquetStep = defineStep({
  kind: "ingest.parquet",
  module: import.meta.url,
  params: Params,
  inputs: { file: "source" },
  outputs: { table: "table", missing: "metrics" },
  run: (inputs, params, ctx) => {
    const columns: CellValue[][] = params.columns.map(() => []);
    for (const file of ingestFiles(inputs.file, ".parquet", ctx)) appendFile(file, params.columns, ctx, columns);
    const read = params.columns.map((spec, c) => ({ name: spec.name, type: spec.type, values: columns[c]! }));
    return { table: makeTable(read), missing: nullCounts(read) };
  },
});

export interface ReadParquetParams<S extends readonly ColumnSpec[]> {
  /** The file, or a folder of .parquet files (the path ends with "/"), relative to the project root. */
  readonly path: string;
  /** The columns to read, with their types; the table keeps this order. */
  readonly columns: S;
}

/** Reads declared columns of a Parquet file, or a folder of them, into a table whose column types come from the `columns` literal. */
export const readParquet = <const S extends readonly ColumnSpec[]>(graph: StudyGraph, params: ReadParquetParams<S>, options?: NodeOptions): TableHandle<ColumnsOf<S>> => {
  const node = addNode(graph, parquetStep, { file: source(params.path) }, { columns: params.columns }, options);
  return node.table("table", columnsRecord(params.columns));
};
