/**
 * evaluate.synthetic's privacy measures on planted generators (issue 17): a "generator" that hands back the real
 * training rows is flagged (exact copies ≈ 1, DCR ≈ 0 against a positive holdout baseline, membership-inference
 * AUC near 1); an independent sample from the same distribution is not. Also rare-combination disclosure on
 * counted tables, the seeded maxRows sample, and the messages for wrong params.
 */
import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { makeTable } from "../../artifacts/table.js";
import { seededRandom } from "../../engine/random.js";
import { decodeSyntheticEvaluation } from "../../steps/evaluate/synthetic/document.js";
import { syntheticEvaluation } from "../../steps/evaluate/synthetic/step.js";
import { runStep } from "../support/step-harness.js";

/** n patients: age, cholesterol (correlated with age), sex and a 3-level site, from the stream `name`. */
const cohort = (name: string, n: number): arrow.Table => {
  const random = seededRandom(7, name);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const age = Float64Array.from({ length: n }, () => 55 + 9 * normal());
  const chol = Float64Array.from(age, (a) => 200 + 2 * (a - 55) + 30 * normal());
  const sex = Array.from({ length: n }, () => (random() < 0.45 ? "F" : "M"));
  const site = Array.from({ length: n }, () => ["north", "south", "east"][Math.floor(random() * 3)]!);
  return makeTable([
    { name: "age", type: "float", values: Array.from(age) },
    { name: "chol", type: "float", values: Array.from(chol) },
    { name: "sex", type: "string", values: sex },
    { name: "site", type: "string", values: site },
  ]);
};

const COLUMNS = ["age", "chol", "sex", "site"];
const train = cohort("train", 400);
const holdout = cohort("holdout", 400);

const evaluate = async (synthetic: arrow.Table, params: Record<string, unknown> = {}, real = train, seed = 0) =>
  decodeSyntheticEvaluation((await runStep(syntheticEvaluation, { real, synthetic, holdout }, { columns: COLUMNS, subgroup: "sex", ...params }, seed)).evaluation);

describe("privacy of planted generators", () => {
  it("flags a generator that copies the training rows", async () => {
    const { privacy } = await evaluate(train);
    expect(privacy.exactCopyRate).toBe(1);
    expect(privacy.holdoutExactCopyRate).toBe(0);
    expect(privacy.dcr.medianSyntheticToTrain).toBe(0);
    expect(privacy.dcr.medianHoldoutToTrain!).toBeGreaterThan(0.005);
    expect(privacy.dcr.baselineRatio).toBe(0);
    expect(privacy.overfittingProtection.score).toBe(0);
    expect(privacy.membershipInferenceAuc!).toBeGreaterThan(0.95);
    expect(privacy.flags).toHaveLength(3);
  });

  it("does not flag an independent sample from the same distribution", async () => {
    const { privacy, summary } = await evaluate(cohort("independent", 400));
    expect(privacy.exactCopyRate).toBe(0);
    expect(privacy.dcr.baselineRatio!).toBeGreaterThan(0.8);
    expect(privacy.overfittingProtection.score!).toBeGreaterThan(0.8);
    expect(Math.abs(privacy.membershipInferenceAuc! - 0.5)).toBeLessThan(0.08);
    expect(privacy.flags).toEqual([]);
    expect(summary.overall.columnShapes!).toBeGreaterThan(0.9);
    expect(summary.bySubgroup.map((b) => b.suppressed)).toEqual([false, false]);
  });

  it("counts rare quasi-identifier combinations reproduced in the synthetic rows", async () => {
    // Real: (F, north) 5 rows, (M, south) 1, (M, east) 2, (F, east) 12; with minCell 3, (M, south) and (M, east) are rare.
    const rows = (cells: [string, string, number][]) => {
      const sex: string[] = [];
      const site: string[] = [];
      for (const [s, t, k] of cells) for (let i = 0; i < k; i++) sex.push(s), site.push(t);
      return makeTable([
        { name: "age", type: "float", values: sex.map((_, i) => 40 + i) },
        { name: "chol", type: "float", values: sex.map((_, i) => 180 + 3 * i) },
        { name: "sex", type: "string", values: sex },
        { name: "site", type: "string", values: site },
      ]);
    };
    const real = rows([["F", "north", 5], ["M", "south", 1], ["M", "east", 2], ["F", "east", 12]]);
    const synthetic = rows([["M", "south", 2], ["F", "east", 10], ["F", "north", 8]]);
    const { privacy } = await evaluate(synthetic, { quasiIdentifiers: ["sex", "site"], minCell: 3 }, real);
    expect(privacy.rareCombinations).toEqual({ quasiIdentifiers: ["sex", "site"], rare: 2, reproduced: 1, rate: 0.5 });
  });

  it("compares a seeded sample of maxRows rows per table, the same for the same seed", async () => {
    const synthetic = cohort("independent", 400);
    const [a, b, c] = await Promise.all([evaluate(synthetic, { maxRows: 150 }), evaluate(synthetic, { maxRows: 150 }), evaluate(synthetic, { maxRows: 150 }, train, 1)]);
    expect(a.privacy.sampled).toBe(true);
    expect(a.privacy.rowsCompared).toEqual({ real: 150, synthetic: 150, holdout: 150 });
    expect(b).toEqual(a);
    expect(c.privacy.dcr).not.toEqual(a.privacy.dcr);
    // Fidelity always uses every row.
    expect(c.columns).toEqual(a.columns);
  });
});

describe("evaluate.synthetic's messages", () => {
  it("names the param and the table for a column the synthetic table lacks", async () => {
    const synthetic = makeTable([{ name: "age", type: "float", values: [1, 2, 3] }]);
    await expect(evaluate(synthetic)).rejects.toThrow(/params\.columns\[1\].*"chol" is not in input synthetic/);
  });

  it("refuses a numeric subgroup column unless it is declared categorical", async () => {
    await expect(evaluate(train, { subgroup: "age" })).rejects.toThrow(/params\.subgroup.*numeric/);
  });

  it("refuses a column whose type changed in the synthetic table", async () => {
    const synthetic = makeTable([
      { name: "age", type: "string", values: ["1", "2"] },
      { name: "chol", type: "float", values: [1, 2] },
      { name: "sex", type: "string", values: ["F", "M"] },
      { name: "site", type: "string", values: ["north", "east"] },
    ]);
    await expect(evaluate(synthetic)).rejects.toThrow(/"age" is float in real, string in synthetic/);
  });
});

describe("column kinds", () => {
  it("scores bool and string columns, and numeric columns listed in `categorical`, with TVComplement", async () => {
    const table = (flags: boolean[], codes: number[]) =>
      makeTable([
        { name: "smoker", type: "bool", values: flags },
        { name: "cp", type: "int", values: codes },
        { name: "age", type: "float", values: codes.map((c) => 50 + c) },
      ]);
    const real = table([true, false, false, true], [1, 2, 3, 4]);
    const synthetic = table([true, true, true, false], [1, 1, 2, 9]);
    const params = { columns: ["smoker", "cp", "age"], categorical: ["cp"] };
    const doc = decodeSyntheticEvaluation((await runStep(syntheticEvaluation, { real, synthetic, holdout: real }, params)).evaluation);
    expect(doc.columns.map((c) => [c.column, c.metric])).toEqual([["smoker", "TVComplement"], ["cp", "TVComplement"], ["age", "KSComplement"]]);
    // smoker: real ½ true, synthetic ¾ true → 1 − ¼; cp 1: ¼ vs ½, 2: ¼ vs ¼, 3 and 4: ¼ vs 0, 9: 1e-6 real rows vs ¼.
    expect(doc.columns[0]!.score).toBe(0.75);
    expect(Math.abs(doc.columns[1]!.score! - (1 - 0.5 * (Math.abs(0.5 - 1 / (4 + 1e-6)) + Math.abs(0.25 - 1 / (4 + 1e-6)) + 2 / (4 + 1e-6) + Math.abs(0.25 - 1e-6 / (4 + 1e-6)))))).toBeLessThan(1e-15);
    expect(doc.pairs.find((p) => p.columns.join("|") === "cp|age")).toMatchObject({ metric: "ContingencySimilarity", binned: ["age"] });
  });
});
