import { describe, expect, it } from "vitest";
import { accuracy as accuracyMetric } from "../../steps/evaluate/metrics/accuracy.js";
import { auroc as aurocMetric } from "../../steps/evaluate/metrics/auroc.js";
import { brier as brierMetric } from "../../steps/evaluate/metrics/brier.js";
import { mean, sampleSd } from "../../steps/evaluate/statistics.js";
import { lcg } from "./train-fixtures.js";

const accuracy = (labels: number[], probs: number[], threshold = 0.5) => accuracyMetric.compute(labels, probs, threshold);
const auroc = (labels: number[], probs: number[]) => aurocMetric.compute(labels, probs, 0.5);
const brier = (labels: number[], probs: number[]) => brierMetric.compute(labels, probs, 0.5);

/** AUROC by brute force over all positive × negative pairs (ties count ½): the definition the rank formula must match. */
const pairwiseAuroc = (labels: number[], probs: number[]): number => {
  let score = 0;
  let pairs = 0;
  labels.forEach((yi, i) => {
    if (yi !== 1) return;
    labels.forEach((yj, j) => {
      if (yj !== 0) return;
      pairs++;
      score += probs[i]! > probs[j]! ? 1 : probs[i] === probs[j] ? 0.5 : 0;
    });
  });
  return score / pairs;
};

describe("accuracy", () => {
  it("thresholds at ≥ threshold", () => {
    // predictions 1, 0, 1 (0.5 ≥ 0.5), 0 against 1, 0, 1, 1: three of four right
    expect(accuracy([1, 0, 1, 1], [0.9, 0.4, 0.5, 0.2])).toBe(0.75);
    expect(accuracy([1, 0, 1, 1], [0.9, 0.4, 0.5, 0.2], 0.6)).toBe(0.5);
    expect(accuracy([], [])).toBeNull();
  });
});

describe("auroc", () => {
  it("averages tied ranks (hand-computed 7/9)", () => {
    // positives score 0.4, 0.8, 0.9; negatives 0.1, 0.4, 0.8.
    // 0.4: beats 0.1, ties 0.4 (½), loses to 0.8 → 1.5; 0.8: 1 + 1 + ½ = 2.5; 0.9: 3. Total 7 of 9 pairs.
    expect(auroc([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.4, 0.8, 0.8, 0.9])).toBeCloseTo(7 / 9, 15);
  });
  it("is 1 for perfect ranking, 0 for reversed, ½ when every score ties", () => {
    expect(auroc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(auroc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(auroc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });
  it("is null when a class is absent", () => {
    expect(auroc([1, 1], [0.2, 0.9])).toBeNull();
    expect(auroc([0], [0.2])).toBeNull();
    expect(auroc([], [])).toBeNull();
  });
  it("matches the pairwise definition on random scores with many ties", () => {
    const u = lcg(42);
    for (let trial = 0; trial < 20; trial++) {
      const labels = Array.from({ length: 60 }, () => (u() < 0.4 ? 1 : 0));
      const probs = Array.from({ length: 60 }, () => Math.round(u() * 8) / 8);
      expect(auroc(labels, probs)).toBeCloseTo(pairwiseAuroc(labels, probs), 12);
    }
  });
});

describe("brier", () => {
  it("is the mean squared error of the probabilities", () => {
    expect(brier([1, 0], [0.8, 0.3])).toBeCloseTo((0.04 + 0.09) / 2, 15);
    expect(brier([1, 0, 1], [1, 0, 1])).toBe(0);
    expect(brier([], [])).toBeNull();
  });
});

describe("mean and sample sd", () => {
  it("use the n − 1 denominator", () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(sampleSd([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 15);
    expect(sampleSd([0.5, 0.75])).toBeCloseTo(Math.SQRT1_2 * 0.25, 15);
  });
  it("return null when undefined", () => {
    expect(mean([])).toBeNull();
    expect(sampleSd([3])).toBeNull();
    expect(sampleSd([])).toBeNull();
  });
});
