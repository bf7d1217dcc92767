import { describe, expect, it } from "vitest";
import { inputMatrixOfRows } from "../../steps/train/input-matrix.js";
import { DataError } from "../../dsl/errors.js";
import { fitStandardizer, standardizeInPlace, standardizeStep } from "../../steps/preprocess/standardize.js";
import { runStep } from "../support/step-harness.js";
import { rows, schemaOf, splitOf, table, userError } from "./data-prep-helpers.js";

describe("fitStandardizer / standardizeInPlace", () => {
  it("fits population mean and sd; a constant column gets sd 1", () => {
    const s = fitStandardizer(["x", "c"], inputMatrixOfRows([[1, 5], [2, 5], [3, 5]], 2));
    expect(s).toEqual({ columns: ["x", "c"], mean: [2, 5], sd: [Math.sqrt(2 / 3), 1] });
    const m = inputMatrixOfRows([[2, 5], [5, 7]], 2);
    standardizeInPlace(s, m);
    expect(Array.from(m.data)).toEqual([0, 0, 3 / Math.sqrt(2 / 3), 2]);
  });
});

describe("preprocess.standardize", () => {
  const t = table({ x: ["int", [1, 2, 3, 100]], s: ["string", ["a", "b", "c", "d"]] });
  const split = splitOf([{ replicate: 0, seed: 0, fold: 0, roles: ["train", "train", "train", "test"] }]);

  it("fits on replicate 0's train rows only and applies to every row", async () => {
    const out = await runStep(standardizeStep, { table: t, split }, { columns: ["x"] });
    const sd = Math.sqrt(2 / 3);
    expect(schemaOf(out.table)).toEqual([["x", "float"], ["s", "string"]]);
    expect(rows(out.table).map((r) => r.x)).toEqual([-1 / sd, 0, 1 / sd, 98 / sd]);
    expect(out.standardizer).toEqual({ columns: ["x"], mean: [2], sd: [sd] });
  });

  it("rejects non-numeric and null columns", async () => {
    await expect(runStep(standardizeStep, { table: t, split }, { columns: ["s"] })).rejects.toThrow(/column "s" is string; expected float or int/);
    const nulls = table({ x: ["float", [1, null, 3, 4]] });
    const e = await userError(DataError, () => runStep(standardizeStep, { table: nulls, split }, { columns: ["x"] }));
    expect(e.message).toContain("null at row 1; drop or impute missing values first");
  });
});
