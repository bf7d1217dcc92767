import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DataError, PipelineError } from "../../dsl/errors.js";
import { study } from "../../dsl/study.js";
import { csvStep, readCsv } from "../../steps/ingest/csv.js";
import { dropMissing, dropMissingStep } from "../../steps/preprocess/drop-missing.js";
import { impute, imputeStep } from "../../steps/preprocess/impute.js";
import { runStep } from "../support/step-harness.js";
import { rows, schemaOf, table, userError } from "./data-prep-helpers.js";
import { HEART_COLUMNS, HEART_PATH } from "./ingest-heart-fixture.js";

const t = table({
  a: ["float", [1, null, 3, 4]],
  b: ["string", ["x", "y", null, "y"]],
  c: ["int", [1, 2, 3, null]],
});

describe("preprocess.drop-missing", () => {
  it("drops rows with a null in any column by default", async () => {
    const out = await runStep(dropMissingStep, { table: t }, {});
    expect(rows(out.table)).toEqual([{ a: 1, b: "x", c: 1 }]);
    expect(schemaOf(out.table)).toEqual([["a", "float"], ["b", "string"], ["c", "int"]]);
  });

  it("checks only the listed columns", async () => {
    const out = await runStep(dropMissingStep, { table: t }, { columns: ["a", "c"] });
    expect(rows(out.table)).toEqual([{ a: 1, b: "x", c: 1 }, { a: 3, b: null, c: 3 }]);
  });

  it("leaves 297 of the 303 Cleveland rows, and its dropped output says which columns were missing", async () => {
    const read = await runStep(csvStep, { file: new Uint8Array(readFileSync(HEART_PATH)) }, { columns: HEART_COLUMNS, na: ["?"] });
    const out = await runStep(dropMissingStep, { table: read.table as never }, {});
    expect(rows(out.table)).toHaveLength(297);
    const dropped = out.dropped as { rows: number; dropped: number; columns: { column: string; missing: number }[] };
    expect([dropped.rows, dropped.dropped]).toEqual([303, 6]);
    expect(dropped.columns.filter((c) => c.missing > 0)).toEqual([{ column: "ca", missing: 4 }, { column: "thal", missing: 2 }]);
  });

  it("counts, per checked column only, the rows with a null there", async () => {
    const out = await runStep(dropMissingStep, { table: t }, { columns: ["b", "c"] });
    expect(out.dropped).toEqual({ format: "strata-dropped/1", rows: 4, dropped: 2, columns: [{ column: "b", missing: 1 }, { column: "c", missing: 1 }] });
  });

  it("rejects an unknown column at plan time", async () => {
    const e = await userError(PipelineError, () =>
      study("t", (s) => {
        const heart = readCsv(s, { path: "heart.data", columns: HEART_COLUMNS, na: ["?"] });
        dropMissing(heart, { columns: ["age", "cholesterol" as "chol"] });
      }),
    );
    expect(e.field).toBe("params.columns");
    expect(e.message).toContain('unknown column "cholesterol"');
  });

  it("rejects an unknown column when run", async () => {
    const e = await userError(DataError, () => runStep(dropMissingStep, { table: t }, { columns: ["z"] }));
    expect(e.message).toContain('unknown column "z"; the input table has a, b, c');
  });

  it("type-checks column names", () => {
    study("t", (s) => {
      const heart = readCsv(s, { path: "heart.data", columns: HEART_COLUMNS });
      // @ts-expect-error not a column of the table
      expect(() => dropMissing(heart, { columns: ["cholesterol"] })).toThrow(PipelineError);
    });
  });
});

describe("preprocess.impute", () => {
  const u = table({
    x: ["int", [1, null, 2, 10]],
    y: ["float", [1, 2, null, 4]],
    s: ["string", ["b", "a", null, "b"]],
    z: ["bool", [null, true, false, null]],
  });

  it("fills with median, mean, mode and a constant", async () => {
    const out = await runStep(imputeStep, { table: u }, { strategies: { x: "median", y: "mean", s: "mode", z: { constant: false } } });
    expect(schemaOf(out.table)).toEqual([["x", "float"], ["y", "float"], ["s", "string"], ["z", "bool"]]);
    expect(rows(out.table)).toEqual([
      { x: 1, y: 1, s: "b", z: false },
      { x: 2, y: 2, s: "a", z: true },
      { x: 2, y: 7 / 3, s: "b", z: false },
      { x: 10, y: 4, s: "b", z: false },
    ]);
  });

  it("breaks mode ties towards the smallest value and keeps mode's column type", async () => {
    const out = await runStep(imputeStep, { table: table({ k: ["int", [3, 1, null, 3, 1]] }) }, { strategies: { k: "mode" } });
    expect(schemaOf(out.table)).toEqual([["k", "int"]]);
    expect(rows(out.table).map((r) => r.k)).toEqual([3, 1, 1, 3, 1]);
  });

  it("rejects a mean of a string column, at plan time and when run", async () => {
    const e = await userError(DataError, () => runStep(imputeStep, { table: u }, { strategies: { s: "mean" } }));
    expect(e.field).toBe("params.strategies.s");
    expect(e.message).toContain('mean needs a numeric column, and this one is string; use "mode" or { constant }');
    const p = await userError(PipelineError, () =>
      study("t", (s) => {
        const heart = readCsv(s, { path: "h", columns: [{ name: "k", type: "string" }] });
        // @ts-expect-error mean is not offered for a string column
        impute(heart, { strategies: { k: "mean" } });
      }),
    );
    expect(p.field).toBe("params.strategies.k");
  });

  it("rejects a constant of the wrong type and a column with no values", async () => {
    await expect(runStep(imputeStep, { table: u }, { strategies: { x: { constant: 1.5 } } })).rejects.toThrow(/expected an integer/);
    const empty = table({ e: ["float", [null, null]] });
    await expect(runStep(imputeStep, { table: empty }, { strategies: { e: "mean" } })).rejects.toThrow(/has no values to take the mean of/);
  });

  it("rejects a wrongly typed strategy with its field path", async () => {
    const e = await userError(PipelineError, () => runStep(imputeStep, { table: u }, { strategies: { x: "average" } }));
    expect(e.field).toBe("params.strategies.x");
  });

  it("types the output columns and rejects typo'd columns", () => {
    study("t", (s) => {
      const heart = readCsv(s, { path: "heart.data", columns: HEART_COLUMNS });
      const filled = impute(heart, { strategies: { ca: "median", thal: "mode" } });
      const ca: "float" = filled.columns.ca;
      const thal: "int" = filled.columns.thal;
      expect([ca, thal]).toEqual(["float", "int"]);
      // @ts-expect-error not a column of the table
      expect(() => impute(heart, { strategies: { cholesterol: "mean" } })).toThrow(PipelineError);
    });
  });
});
