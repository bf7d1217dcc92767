import * as fs from "node:fs";
import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { columnValues, makeTable } from "../../artifacts/table.js";
import { DataError } from "../../dsl/errors.js";
import { logisticRegression } from "../../steps/train/logistic-regression.js";
import { decodeModelSet } from "../../steps/train/model-set.js";
import { predictReplicate, readScoringFrame } from "../../steps/train/predict-model-set.js";
import type { RecipeStep } from "../../steps/train/recipe.js";
import { decodeWeights } from "../../steps/train/weights.js";
import { runStep } from "../support/step-harness.js";
import { decodeSplit, type Role } from "../../steps/split/split-codec.js";
import { splitOf } from "./data-prep-helpers.js";
import { kFoldSplit, lcg } from "./train-fixtures.js";

interface Golden {
  columns: string[];
  x: (number | null)[][];
  y: number[];
  replicates: { replicate: number; train: number[]; test: number[]; medians: number[]; mean: number[]; sd: number[]; coef: number[]; intercept: number; prob: number[] }[];
}

const golden = JSON.parse(fs.readFileSync(new URL("../fixtures/sklearn-recipe/golden.json", import.meta.url), "utf8")) as Golden;

const fail = (problem: string): never => {
  throw new Error(problem);
};

/** The replicates of the golden file as a split artifact (every row train or test, no valid rows). */
const goldenSplit = (): arrow.Table =>
  splitOf(
    golden.replicates.map((rep) => {
      const train = new Set(rep.train);
      return { replicate: rep.replicate, seed: 1, fold: rep.replicate, roles: golden.x.map((_, row) => (train.has(row) ? "train" : "test")) };
    }),
  );

const goldenTable = (): arrow.Table =>
  makeTable([
    ...golden.columns.map((name, j) => ({ name, type: "float" as const, values: golden.x.map((row) => row[j]!) })),
    { name: "y", type: "int", values: golden.y },
  ]);

const medianRecipe: RecipeStep[] = [{ step: "impute", columns: { x0: "median", x1: "median", x2: "median" } }, { step: "standardize" }];

describe("the recipe agrees with scikit-learn", () => {
  it("Pipeline(SimpleImputer(median), StandardScaler(), LogisticRegression) per replicate: same statistics, coefficients and predictions within 1e-6", async () => {
    const out = await runStep(logisticRegression, { table: goldenTable(), split: goldenSplit() }, { features: golden.columns, target: "y", recipe: medianRecipe, l2: 1 });
    const decoded = decodeModelSet(out.models);
    if (!decoded.ok || decoded.set.model !== "logistic-regression") throw new Error("expected a logistic-regression set");
    const set = decoded.set;
    const predictions = out.predictions as arrow.Table;
    const predRep = columnValues(predictions, "replicate") as number[];
    const predProb = columnValues(predictions, "prob") as number[];
    golden.replicates.forEach((g, r) => {
      const entry = set.replicates[r]!;
      const impute = entry.recipe?.steps[0];
      if (impute?.step !== "impute") throw new Error("expected a fitted impute step");
      impute.columns.forEach((c, j) => expect(c.fill as number).toBeCloseTo(g.medians[j]!, 12));
      entry.standardizer.mean.forEach((m, j) => expect(Math.abs(m - g.mean[j]!)).toBeLessThan(1e-9));
      entry.standardizer.sd.forEach((s, j) => expect(Math.abs(s - g.sd[j]!)).toBeLessThan(1e-9));
      const [coef, intercept] = decodeWeights(entry.model, [
        { name: "coef", shape: [3] },
        { name: "intercept", shape: [1] },
      ]) as [Float32Array, Float32Array];
      coef.forEach((w, j) => expect(Math.abs(w - g.coef[j]!)).toBeLessThan(1e-6));
      expect(Math.abs(intercept[0]! - g.intercept)).toBeLessThan(1e-6);
      const prob = predProb.filter((_, i) => predRep[i] === g.replicate);
      expect(prob).toHaveLength(g.prob.length);
      prob.forEach((p, i) => expect(Math.abs(p - g.prob[i]!)).toBeLessThan(1e-6));
    });
  });
});

/** 120 rows: a numeric column with nulls, a string column, an int column and a 0/1 target, plus a 3-replicate k-fold split. */
const mixedTable = (plant?: { row: number; x: number; label: number }) => {
  const u = lcg(4);
  const x: (number | null)[] = [];
  const kind: string[] = [];
  const count: number[] = [];
  const y: number[] = [];
  for (let r = 0; r < 120; r++) {
    const v = u() * 10;
    x.push(r % 7 === 3 ? null : v);
    kind.push(["low", "mid", "high"][r % 3]!);
    count.push(Math.floor(u() * 5));
    y.push(v + (r % 3) * 2 + u() * 4 > 8 ? 1 : 0);
  }
  if (plant !== undefined) {
    x[plant.row] = plant.x;
    y[plant.row] = plant.label;
  }
  return makeTable([
    { name: "x", type: "float", values: x },
    { name: "kind", type: "string", values: kind },
    { name: "count", type: "int", values: count },
    { name: "y", type: "int", values: y },
  ]);
};

const mixedSplit = kFoldSplit(120, [1], 3);
const fullRecipe: RecipeStep[] = [
  { step: "impute", columns: { x: "median" }, indicators: ["x"] },
  { step: "clip", columns: { x: { lowerQuantile: 0.05, upperQuantile: 0.95 }, count: { upper: 3 } } },
  { step: "one-hot", columns: ["kind"] },
  { step: "standardize" },
];
const trainMixed = (table: arrow.Table, recipe: RecipeStep[] = fullRecipe) =>
  runStep(logisticRegression, { table, split: mixedSplit }, { features: ["x", "kind", "count"], target: "y", recipe });

/** The rows of a replicate with a role. */
const rowsOf = (replicate: number, wanted: Role): number[] => {
  const replicates = decodeSplit(mixedSplit, 120, (problem) => {
    throw new Error(problem);
  });
  return Array.from(replicates.find((r) => r.replicate === replicate)!.rowsWith(wanted));
};

describe("leakage guard: nothing is fitted on test rows", () => {
  it("a planted extreme value and flipped label in a test row change no fitted statistic or model of that replicate", async () => {
    const testRow = rowsOf(0, "test").find((r) => r % 7 !== 3)!;
    const clean = decodeModelSet((await trainMixed(mixedTable())).models);
    const original = mixedTable();
    const label = 1 - (columnValues(original, "y")[testRow] as number);
    const planted = decodeModelSet((await trainMixed(mixedTable({ row: testRow, x: 1e9, label }))).models);
    if (!clean.ok || !planted.ok) throw new Error("expected model sets");
    // Replicate 0 had the row as a test row: its median, quantiles, one-hot levels, means, sds and weights are identical.
    expect(JSON.stringify(planted.set.replicates[0])).toBe(JSON.stringify(clean.set.replicates[0]));
    // Replicates that trained on the row did see it, so the guard is not vacuous.
    expect(JSON.stringify(planted.set.replicates[1])).not.toBe(JSON.stringify(clean.set.replicates[1]));
  });

  it("stores the fitted recipe: training medians, training quantiles, training levels, indicator and one-hot columns", async () => {
    const decoded = decodeModelSet((await trainMixed(mixedTable())).models);
    if (!decoded.ok || decoded.set.model !== "logistic-regression") throw new Error("expected a logistic-regression set");
    const entry = decoded.set.replicates[0]!;
    expect(entry.recipe?.inputs).toEqual(["x", "kind", "count"]);
    expect(entry.recipe?.steps.map((s) => s.step)).toEqual(["impute", "clip", "one-hot"]);
    expect(entry.standardizer.columns).toEqual(["x", "x_missing", "kind=high", "kind=low", "kind=mid", "count"]);
    expect(entry.model.topology.features).toEqual(entry.standardizer.columns);
    const impute = entry.recipe!.steps[0]!;
    if (impute.step !== "impute") throw new Error("expected impute first");
    const xs = (columnValues(mixedTable(), "x") as (number | null)[]).filter((v, r) => v !== null && rowsOf(0, "train").includes(r)) as number[];
    xs.sort((a, b) => a - b);
    const mid = xs.length >> 1;
    expect(impute.columns[0]!.fill).toBe(xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2);
    expect(impute.columns[0]!.missingInTraining).toBe(rowsOf(0, "train").filter((r) => r % 7 === 3).length);
  });

  it("scores new rows through the stored recipe: a null is imputed, an unseen level encodes as zeros", async () => {
    const decoded = decodeModelSet((await trainMixed(mixedTable())).models);
    if (!decoded.ok) throw new Error("expected a model set");
    const fresh = makeTable([
      { name: "x", type: "float", values: [null, 4] },
      { name: "kind", type: "string", values: ["mid", "unheard-of"] },
      { name: "count", type: "int", values: [9, 1] },
    ]);
    const frame = readScoringFrame(fresh, decoded.set, fail);
    const prob = Array.from(await predictReplicate(decoded.set, 0, { frame, group: undefined }, fail));
    expect(prob).toHaveLength(2);
    for (const p of prob) expect(p > 0 && p < 1).toBe(true);
  });

  it("without an impute step a null is an error that points to the recipe", async () => {
    await expect(trainMixed(mixedTable(), [{ step: "one-hot", columns: ["kind"] }, { step: "standardize" }])).rejects.toSatisfy(
      (e) => e instanceof DataError && /column "x" has a missing or non-finite value at row 3; impute it in params\.recipe/.test(e.problem),
    );
  });

  it("standardize must be the last step", async () => {
    await expect(trainMixed(mixedTable(), [{ step: "impute", columns: { x: "mean" } }, { step: "standardize" }, { step: "one-hot", columns: ["kind"] }])).rejects.toThrow(/standardize must be the last step/);
  });
});

describe("preprocess.standardize refuses a split with several replicates", () => {
  it("names the leak and points to the train step's recipe", async () => {
    const { standardizeStep } = await import("../../steps/preprocess/standardize.js");
    await expect(runStep(standardizeStep, { table: mixedTable(), split: mixedSplit }, { columns: ["count"] })).rejects.toSatisfy(
      (e) => e instanceof DataError && e.field === "inputs.split" && /3 replicates .*params\.recipe/.test(e.problem),
    );
  });
});
