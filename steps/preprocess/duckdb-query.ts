/**
 * Runs one SQL query over named Strata tables in an embedded DuckDB and returns the result as a Strata table.
 *
 * Determinism: DuckDB runs single-threaded here (parallel aggregation adds floats in an order that depends on the
 * thread schedule), with insertion order preserved, in a fresh in-memory database per call. Tables travel as
 * Parquet (DuckDB's fastest columnar path in and out): the inputs' own bytes go in, DuckDB's Parquet comes out and
 * is decoded into columns, which Strata then encodes with its own pinned writer.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type * as arrow from "apache-arrow";
import type { ColumnType } from "../../artifacts/table.js";
import { decodeParquet, denseColumns, tableOfDense } from "../../artifacts/table.js";

export interface QueryTable {
  readonly name: string;
  /** The table's Parquet bytes, as stored. */
  readonly parquet: Uint8Array;
}

export interface DeclaredColumn {
  readonly name: string;
  readonly type: ColumnType;
}

/** Why a query cannot run: `field` is the param at fault. */
export type QueryFailure = (field: "params.query" | "params.columns", problem: string) => never;

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const quoteText = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** DuckDB's type names that may be cast to each Strata type without changing what the values mean. */
const CASTS: Readonly<Record<ColumnType, { readonly sql: string; readonly from: RegExp }>> = {
  float: { sql: "DOUBLE", from: /^(DOUBLE|FLOAT|REAL|DECIMAL.*|U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?)$/ },
  int: { sql: "INTEGER", from: /^U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?$/ },
  string: { sql: "VARCHAR", from: /^VARCHAR$/ },
  bool: { sql: "BOOLEAN", from: /^BOOLEAN$/ },
};

/** The top-level statement of `query`, which must be one SELECT ending in ORDER BY. */
const checkOrdered = async (connection: Awaited<ReturnType<DuckDBInstance["connect"]>>, query: string, fail: QueryFailure): Promise<void> => {
  const parsed = (await connection.runAndReadAll(`SELECT json_serialize_sql(${quoteText(query)}) AS tree`)).getRowObjectsJS()[0]!.tree as string;
  const tree = JSON.parse(parsed) as { error: boolean; error_message?: string; statements?: { node: { type: string; modifiers: { type: string }[] } }[] };
  if (tree.error) fail("params.query", `DuckDB cannot parse the query: ${tree.error_message ?? "syntax error"}`);
  if (tree.statements?.length !== 1) fail("params.query", `expected exactly one SELECT statement, found ${tree.statements?.length ?? 0}`);
  const node = tree.statements[0]!.node;
  if (!node.modifiers.some((m) => m.type === "ORDER_MODIFIER")) {
    fail("params.query", "the query's result has no defined row order; end it with ORDER BY (a list of columns that identifies every row, so ties cannot reorder rows)");
  }
};

export const runDuckDbQuery = async (tables: readonly QueryTable[], query: string, columns: readonly DeclaredColumn[], fail: QueryFailure): Promise<arrow.Table> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-sql-"));
  const instance = await DuckDBInstance.create(":memory:", { threads: "1", preserve_insertion_order: "true" });
  try {
    const connection = await instance.connect();
    for (const [i, t] of tables.entries()) {
      const file = path.join(dir, `input-${i}.parquet`);
      fs.writeFileSync(file, t.parquet);
      await connection.run(`CREATE VIEW ${quoteIdent(t.name)} AS SELECT * FROM read_parquet(${quoteText(file)})`);
    }
    await checkOrdered(connection, query, fail);
    // The result is materialised in ORDER BY order first: a later scan of a table keeps insertion order, while an
    // ORDER BY inside a subquery need not survive the query around it.
    try {
      await connection.run(`CREATE TABLE strata_result AS ${query}`);
    } catch (e) {
      return fail("params.query", `DuckDB fails running the query: ${firstLine(e)}`);
    }
    const described = (await connection.runAndReadAll("DESCRIBE strata_result")).getRowObjectsJS() as { column_name: string; column_type: string }[];
    const found = described.map((d) => `${d.column_name} ${d.column_type}`).join(", ");
    if (described.length !== columns.length || described.some((d, i) => d.column_name !== columns[i]!.name)) {
      fail("params.columns", `the query returns ${found}; declare exactly these columns, in this order`);
    }
    const select = columns.map((c, i) => {
      const type = described[i]!.column_type;
      if (!CASTS[c.type].from.test(type)) fail("params.columns", `column ${JSON.stringify(c.name)} is ${type} in the result, which cannot be read as ${c.type}; CAST it in the query or declare another type`);
      return `CAST(${quoteIdent(c.name)} AS ${CASTS[c.type].sql}) AS ${quoteIdent(c.name)}`;
    });
    const out = path.join(dir, "output.parquet");
    try {
      await connection.run(`COPY (SELECT ${select.join(", ")} FROM strata_result) TO ${quoteText(out)} (FORMAT parquet)`);
    } catch (e) {
      return fail("params.columns", `a result column does not fit its declared type: ${firstLine(e)}`);
    }
    connection.closeSync();
    return tableOfDense(denseColumns(decodeParquet(new Uint8Array(fs.readFileSync(out)))));
  } finally {
    instance.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
