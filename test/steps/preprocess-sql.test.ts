import { execFile } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { DataError, PipelineError } from "../../dsl/errors.js";
import { study } from "../../dsl/study.js";
import { readCsv } from "../../steps/ingest/csv.js";
import { sql, sqlStep } from "../../steps/preprocess/sql.js";
import { runStep } from "../support/step-harness.js";
import { asTable, rows, schemaOf, table, userError } from "./data-prep-helpers.js";
import { AGGREGATE, sites, sqlDigests, visits } from "./preprocess-sql.determinism.script.js";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

const people = table({ id: ["int", [3, 1, 2, 4]], age: ["float", [70, 40, null, 61]], group: ["string", ["a", "b", "a", "b"]] });

describe("preprocess.sql", () => {
  it("runs a query over named tables, in its ORDER BY order, with results cast to the declared types", async () => {
    const out = asTable((await runStep(sqlStep, { tables: [people] }, {
      tables: ["people"],
      query: 'SELECT "group", count(*) AS n, count(age) AS known, avg(age) AS mean_age, max(age) > 65 AS has_old FROM people GROUP BY "group" ORDER BY "group" DESC',
      columns: [{ name: "group", type: "string" }, { name: "n", type: "int" }, { name: "known", type: "int" }, { name: "mean_age", type: "float" }, { name: "has_old", type: "bool" }],
    })).table);
    expect(schemaOf(out)).toEqual([["group", "string"], ["n", "int"], ["known", "int"], ["mean_age", "float"], ["has_old", "bool"]]);
    expect(rows(out)).toEqual([
      { group: "b", n: 2, known: 2, mean_age: 50.5, has_old: false },
      { group: "a", n: 2, known: 1, mean_age: 70, has_old: true },
    ]);
  });

  it("joins tables and keeps nulls", async () => {
    const out = asTable((await runStep(sqlStep, { tables: [visits(), sites()] }, AGGREGATE)).table);
    const lines = rows(out);
    expect(lines.map((l) => l.region)).toEqual([null, "e", "n", "s", "w"]);
    expect(lines.reduce((s, l) => s + (l.n as number), 0)).toBe(5000);
  });

  it("refuses a query without a defined row order, a result unlike the declared columns, and a bad query", async () => {
    const base = { tables: ["people"], columns: [{ name: "id", type: "int" }] };
    const unordered = await userError(DataError, () => runStep(sqlStep, { tables: [people] }, { ...base, query: "SELECT id FROM people" }));
    expect(unordered.field).toBe("params.query");
    expect(unordered.problem).toMatch(/no defined row order; end it with ORDER BY/);
    const columns = await userError(DataError, () => runStep(sqlStep, { tables: [people] }, { ...base, query: "SELECT id, age FROM people ORDER BY id" }));
    expect(columns.field).toBe("params.columns");
    expect(columns.problem).toBe("the query returns id INTEGER, age DOUBLE; declare exactly these columns, in this order");
    const type = await userError(DataError, () => runStep(sqlStep, { tables: [people] }, { ...base, query: 'SELECT "group" AS id FROM people ORDER BY 1' }));
    expect(type.problem).toMatch(/column "id" is VARCHAR in the result, which cannot be read as int/);
    const bad = await userError(DataError, () => runStep(sqlStep, { tables: [people] }, { ...base, query: "SELECT id FROM nobody ORDER BY id" }));
    expect(bad.field).toBe("params.query");
    expect(bad.problem).toMatch(/nobody/);
    const two = await userError(DataError, () => runStep(sqlStep, { tables: [people] }, { ...base, query: "SELECT 1 AS id ORDER BY 1; SELECT 2 AS id ORDER BY 1" }));
    expect(two.problem).toBe("expected exactly one SELECT statement, found 2");
  });

  it("declares its output columns to the plan and checks table names there", async () => {
    study("t", (s) => {
      const t = readCsv(s, { path: "x.csv", columns: [{ name: "id", type: "int" }] });
      const out = sql(s, { tables: { t }, query: "SELECT id FROM t ORDER BY id", columns: [{ name: "id", type: "int" }] });
      expect(out.columns).toEqual({ id: "int" });
    });
    const e = await userError(PipelineError, () => runStep(sqlStep, { tables: [people] }, { tables: ["1people"], query: "SELECT 1 ORDER BY 1", columns: [{ name: "x", type: "int" }] }));
    expect(e.field).toBe("params.tables[0]");
  });

  it("gives identical bytes twice in-process and in two fresh processes", async () => {
    const script = path.join(here, "preprocess-sql.determinism.script.ts");
    const spawn = () => run(process.execPath, [path.join(root, "bin/run-ts.mjs"), script], { cwd: root, timeout: 120_000 }).then((r) => JSON.parse(r.stdout.trim()) as Record<string, string>);
    const processes = Promise.all([spawn(), spawn()]);
    const first = await sqlDigests();
    expect(await sqlDigests()).toEqual(first);
    const [p1, p2] = await processes;
    expect(p1).toEqual(first);
    expect(p2).toEqual(first);
  }, 120_000);
});
