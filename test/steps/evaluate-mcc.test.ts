/** Matthews correlation coefficient (steps/evaluate/metrics/mcc.ts); scikit-learn's values are in the golden test. */
import { describe, expect, it } from "vitest";
import { mcc } from "../../steps/evaluate/metrics/mcc.js";
import { METRIC_NAMES, weightedMetrics } from "../../steps/evaluate/metrics/registry.js";
import { sortRows } from "../../steps/evaluate/metrics/sufficient-statistics.js";

const at = (labels: number[], probs: number[]) => mcc.compute(labels, probs, 0.5);

describe("MCC", () => {
  it("is (TP·TN − FP·FN) / √((TP+FP)(TP+FN)(TN+FP)(TN+FN)) (hand-computed)", () => {
    // Predictions 1, 1, 0, 0, 1, 0 against labels 1, 0, 1, 0, 1, 0: TP 2, FP 1, TN 2, FN 1 → (4 − 1) / √(3·3·3·3) = 1/3.
    expect(at([1, 0, 1, 0, 1, 0], [0.9, 0.6, 0.2, 0.1, 0.8, 0.4])).toBeCloseTo(1 / 3, 15);
  });

  it("is 1 for perfect predictions and −1 for reversed ones", () => {
    expect(at([1, 0, 1, 0], [0.9, 0.1, 0.7, 0.3])).toBe(1);
    expect(at([1, 0, 1, 0], [0.1, 0.9, 0.3, 0.7])).toBe(-1);
  });

  it("is 0 when a class is absent from the labels or the predictions (scikit-learn's convention), null for no rows", () => {
    expect(at([1, 1, 1], [0.9, 0.2, 0.7])).toBe(0);
    expect(at([0, 1, 0, 1], [0.8, 0.9, 0.6, 0.7])).toBe(0);
    expect(at([], [])).toBeNull();
  });

  it("declares what the evaluation and the reports need: higher is better, a key metric, no ratios", () => {
    expect(METRIC_NAMES).toContain("mcc");
    expect(mcc).toMatchObject({ higherIsBetter: true, proportion: false, basis: "n", ratios: false, key: true });
  });

  it("from the weighted pass equals the plain definition on the expanded resample", () => {
    const labels = [1, 0, 1, 0, 1, 0, 0];
    const probs = [0.9, 0.6, 0.2, 0.1, 0.8, 0.4, 0.7];
    const weights = [2, 0, 1, 3, 1, 1, 2];
    const y = labels.flatMap((v, i) => Array<number>(weights[i]!).fill(v));
    const p = probs.flatMap((v, i) => Array<number>(weights[i]!).fill(v));
    const fast = weightedMetrics(sortRows(labels.map((_, i) => i), labels, probs), weights, 0.5)!;
    expect(fast.values.mcc).toBe(at(y, p));
  });
});
