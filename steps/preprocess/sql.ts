import { Schema } from "effect";
import type { Columns, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode } from "../../dsl/study.js";
import { type ColumnSpec, ColumnSpecsSchema, type ColumnsOf, columnsRecord } from "../ingest/column-spec.js";
import { runDuckDbQuery } from "./duckdb-query.js";

const TableName = Schema.String.check(
  Schema.makeFilter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) || "expected a SQL identifier: letters, digits and _, not starting with a digit"),
);

const Params = Schema.Struct({
  /** The name each input table has in the query, in the order of `inputs.tables`. */
  tables: Schema.Array(TableName).check(Schema.isMinLength(1), Schema.isUnique({ message: "a table name is listed twice" })),
  /** One DuckDB SELECT statement ending in ORDER BY. */
  query: Schema.String.check(Schema.isMinLength(1)),
  /** The result's columns, in order, with their Strata types (numeric results are cast, e.g. BIGINT counts to int). */
  columns: ColumnSpecsSchema,
});

/**
 * A SQL query (DuckDB dialect) over named input tables. Its result must have a defined row order (the statement
 * ends in ORDER BY) and exactly the declared columns, so the output is the same table in every process; DuckDB's
 * version is part of every cache key (the environment digest).
 */
export const sqlStep = defineStep({
  kind: "preprocess.sql",
  module: import.meta.url,
  params: Params,
  inputs: { tables: { list: "table" } },
  outputs: { table: "table" },
  run: async (inputs, params, ctx) => {
    if (inputs.tables.length !== params.tables.length) {
      ctx.fail("params.tables", `${params.tables.length} names for ${inputs.tables.length} input tables; name every input once`);
    }
    const tables = inputs.tables.map((t, i) => ({ name: params.tables[i]!, parquet: t.bytes() }));
    const result = await runDuckDbQuery(tables, params.query, params.columns, (field, problem) => ctx.fail(field, problem));
    ctx.log(`${result.numRows} rows × ${result.numCols} columns`);
    return { table: result };
  },
});

/**
 * e.g. sql(s, { tables: { visits, sites }, query: "SELECT v.id, s.region FROM visits v JOIN sites s USING (site)
 * ORDER BY v.id", columns: [{ name: "id", type: "int" }, { name: "region", type: "string" }] }).
 */
export const sql = <const S extends readonly ColumnSpec[]>(
  graph: StudyGraph,
  params: { readonly tables: { readonly [name: string]: TableHandle<Columns> }; readonly query: string; readonly columns: S },
  options?: NodeOptions,
): TableHandle<ColumnsOf<S>> => {
  const names = Object.keys(params.tables).sort();
  const node = addNode(graph, sqlStep, { tables: names.map((n) => params.tables[n]!) }, { tables: names, query: params.query, columns: params.columns }, options);
  return node.table("table", columnsRecord(params.columns));
};
