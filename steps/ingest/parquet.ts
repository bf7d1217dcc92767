import { Schema } from "effect";
import { type CellValue, type ColumnType, columnTypeOf, decodeParquet, makeTable } from "../../artifacts/table.js";
import type { TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode, source } from "../../dsl/study.js";
import { type ColumnSpec, ColumnSpecsSchema, type ColumnsOf, columnsRecord } from "./column-spec.js";

const Params = Schema.Struct({ columns: ColumnSpecsSchema });

/** The file's type for a column as a Strata type, or a description of the unsupported Arrow type. */
const strataType = (type: Parameters<typeof columnTypeOf>[0]): ColumnType | string => {
  try {
    return columnTypeOf(type);
  } catch {
    return `an unsupported type (${String(type)})`;
  }
};

export const parquetStep = defineStep({
  kind: "ingest.parquet",
  module: import.meta.url,
  params: Params,
  inputs: { file: "source" },
  outputs: { table: "table" },
  run: (inputs, params, ctx) => {
    let table;
    try {
      table = decodeParquet(inputs.file.bytes());
    } catch (e) {
      return ctx.fail("inputs.file", `not a readable Parquet file (${e instanceof Error ? e.message : String(e)})`);
    }
    const present = table.schema.fields.map((f) => f.name);
    // Only the declared columns are read (and kept), in declared order; other columns may have any type.
    const columns = params.columns.map((spec) => {
      const index = present.indexOf(spec.name);
      if (index < 0) {
        ctx.fail("params.columns", `column ${JSON.stringify(spec.name)} is not in the file, which has ${present.join(", ")}`);
      }
      const found = strataType(table.schema.fields[index]!.type);
      if (found !== spec.type) {
        ctx.fail("params.columns", `column ${JSON.stringify(spec.name)} is ${found} in the file, declared ${spec.type}; declare the file's type`);
      }
      const vector = table.getChildAt(index)!;
      const values: CellValue[] = new Array(table.numRows);
      for (let r = 0; r < table.numRows; r++) {
        const v = vector.get(r) as CellValue | bigint;
        values[r] = typeof v === "bigint" ? Number(v) : v;
        if (spec.type === "int" && values[r] !== null && Math.abs(values[r] as number) >= 2 ** 31) {
          ctx.fail("params.columns", `column ${JSON.stringify(spec.name)}, row ${r}: ${String(v)} does not fit a 32-bit int; declare it as float`);
        }
      }
      return { name: spec.name, type: spec.type, values };
    });
    return { table: makeTable(columns) };
  },
});

export interface ReadParquetParams<S extends readonly ColumnSpec[]> {
  /** The file, relative to the project root. */
  readonly path: string;
  /** The columns to read, with their types; the table keeps this order. */
  readonly columns: S;
}

/** Reads declared columns of a Parquet file into a table whose column types come from the `columns` literal. */
export const readParquet = <const S extends readonly ColumnSpec[]>(graph: StudyGraph, params: ReadParquetParams<S>, options?: NodeOptions): TableHandle<ColumnsOf<S>> => {
  const node = addNode(graph, parquetStep, { file: source(params.path) }, { columns: params.columns }, options);
  return node.table("table", columnsRecord(params.columns));
};
