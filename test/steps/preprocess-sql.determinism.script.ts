/**
 * Run by preprocess-sql.test.ts in a fresh process (node bin/run-ts.mjs): runs an aggregating and a joining query
 * and prints the digests of their Parquet outputs as one JSON line, so the test can compare them across processes.
 */
import type * as arrow from "apache-arrow";
import { sha256Hex } from "../../artifacts/digest.js";
import { encodeParquet, makeTable } from "../../artifacts/table.js";
import { sqlStep } from "../../steps/preprocess/sql.js";
import { runStep } from "../support/step-harness.js";

/** 5,000 visits at 7 sites, with float measurements whose sums depend on the order they are added in. */
export const visits = (): arrow.Table => {
  const n = 5000;
  return makeTable([
    { name: "id", type: "int", values: Int32Array.from({ length: n }, (_, i) => i) },
    { name: "site", type: "int", values: Int32Array.from({ length: n }, (_, i) => (i * 7919) % 7) },
    { name: "x", type: "float", values: Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 1e3 + 1 / (i + 1)) },
  ]);
};
export const sites = (): arrow.Table =>
  makeTable([
    { name: "site", type: "int", values: [0, 1, 2, 3, 4, 5, 6] },
    { name: "region", type: "string", values: ["n", "s", "e", "w", "n", "s", null] },
  ]);

export const AGGREGATE = {
  tables: ["visits", "sites"],
  query: "SELECT s.region, count(*) AS n, sum(v.x) AS total, avg(v.x) AS mean FROM visits v JOIN sites s USING (site) GROUP BY s.region ORDER BY s.region NULLS FIRST",
  columns: [{ name: "region", type: "string" }, { name: "n", type: "int" }, { name: "total", type: "float" }, { name: "mean", type: "float" }],
} as const;

export const sqlDigests = async (): Promise<Record<string, string>> => {
  const aggregate = (await runStep(sqlStep, { tables: [visits(), sites()] }, AGGREGATE)).table as arrow.Table;
  const joined = (await runStep(sqlStep, { tables: [visits(), sites()] }, {
    tables: ["visits", "sites"],
    query: "SELECT v.id, v.x * 0.5 AS half, s.region FROM visits v LEFT JOIN sites s ON v.site = s.site WHERE v.x > 0 ORDER BY v.id",
    columns: [{ name: "id", type: "int" }, { name: "half", type: "float" }, { name: "region", type: "string" }],
  })).table as arrow.Table;
  return { aggregate: sha256Hex(encodeParquet(aggregate)), joined: sha256Hex(encodeParquet(joined)) };
};

if (process.argv[1]?.endsWith("preprocess-sql.determinism.script.ts")) {
  process.stdout.write(`${JSON.stringify(await sqlDigests())}\n`);
}
