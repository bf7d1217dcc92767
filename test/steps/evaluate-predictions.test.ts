/** The predictions codec (steps/evaluate/predictions.ts): what the trainers write is what the evaluations read. */
import { describe, expect, it } from "vitest";
import { makeTable } from "../../artifacts/table.js";
import { DataError } from "../../dsl/errors.js";
import { predictionsTable } from "../../steps/evaluate/predictions.js";
import { type SubgroupMetricsDoc, subgroupMetrics } from "../../steps/evaluate/subgroup-metrics.js";
import { runStep } from "../support/step-harness.js";

const labels = makeTable([
  { name: "target", type: "int", values: [1, 0, 1, 0, 1, 0] },
  { name: "subgroup", type: "string", values: ["a", "a", "a", "b", "b", "b"] },
]);
// Given out of replicate order on purpose: the table is written by ascending replicate id.
const replicates = [
  { replicate: 1, seed: 7, fold: 1, rows: [3, 0, 5], probs: [0.25, 0.75, 0.5] },
  { replicate: 0, seed: 7, fold: 0, rows: [1, 2, 4], probs: [0.125, 0.875, 0.625] },
];
const params = { models: ["m"], target: "target", subgroup: "subgroup", resamples: 0, minCell: 1 };
const evaluate = async (predictions: ReturnType<typeof makeTable>) =>
  (await runStep(subgroupMetrics, { table: labels, predictions: [predictions] }, params, 0)).metrics as unknown as SubgroupMetricsDoc;

describe("predictions codec", () => {
  it("reads back what it wrote: every replicate, seed, fold and row", async () => {
    const doc = await evaluate(predictionsTable(replicates));
    const overall = doc.perReplicate.filter((e) => e.group === "overall");
    expect(overall.map((e) => [e.replicate, e.seed, e.fold, e.n])).toEqual([
      [0, 7, 0, 3],
      [1, 7, 1, 3],
    ]);
    // Replicate 0 scores rows 1 (0, p .125), 2 (1, p .875), 4 (1, p .625): all right.
    expect(overall[0]!.values.accuracy).toBe(1);
  });

  it("names the input and the fault for a row predicted twice and a replicate with two seeds", async () => {
    const twice = predictionsTable([{ replicate: 0, seed: 7, fold: 0, rows: [1, 1], probs: [0.5, 0.5] }]);
    await expect(evaluate(twice)).rejects.toThrow(DataError);
    await expect(evaluate(twice)).rejects.toThrow(/inputs\.predictions\[0\].*replicate 0 predicts row 1 twice/);
    const seeds = predictionsTable([
      { replicate: 0, seed: 7, fold: 0, rows: [1], probs: [0.5] },
      { replicate: 0, seed: 8, fold: 0, rows: [2], probs: [0.5] },
    ]);
    await expect(evaluate(seeds)).rejects.toThrow(/a replicate is one seed and one fold/);
    const outside = predictionsTable([{ replicate: 0, seed: 7, fold: 0, rows: [9], probs: [0.5] }]);
    await expect(evaluate(outside)).rejects.toThrow(/names row 9, but the table has 6 rows/);
  });
});
