/** The bootstrap's fast path (each metric's fromStatistics on the weighted pass) agrees with the metrics' plain definitions. */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../engine/random.js";
import { METRIC_NAMES, computeMetrics, weightedMetrics } from "../../steps/evaluate/metrics/registry.js";
import { sortRows } from "../../steps/evaluate/metrics/sufficient-statistics.js";

const EXACT = new Set(["accuracy", "balancedAccuracy", "sensitivity", "specificity", "ppv", "npv", "auroc", "auprc", "mcc"]);

const randomCase = (seed: number, n: number, grid: number) => {
  const random = seededRandom(seed, "weighted-test");
  const labels = Array.from({ length: n }, () => (random() < 0.4 ? 1 : 0));
  const probs = labels.map((y) => Math.round(Math.min(1, Math.max(0, 0.5 + (y - 0.5) * 0.5 + (random() - 0.5) * 0.8)) * grid) / grid);
  return { labels, probs, random };
};

const expectAgree = (fast: Record<string, number | null>, slow: Record<string, number | null>, label: string) => {
  for (const name of METRIC_NAMES) {
    if (slow[name] === null) {
      expect(fast[name], `${label} ${name}`).toBeNull();
    } else if (EXACT.has(name)) {
      expect(fast[name], `${label} ${name}`).toBe(slow[name]);
    } else {
      expect(Math.abs(fast[name]! - slow[name]!), `${label} ${name}`).toBeLessThan(1e-12);
    }
  }
};

describe("weighted metrics (bootstrap fast path)", () => {
  it("with unit weights equals computeMetrics on random data, with and without ties", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { labels, probs } = randomCase(seed, 5 + seed * 3, seed % 2 === 0 ? 10 : 1e9);
      const rows = sortRows(labels.map((_, i) => i), labels, probs);
      const fast = weightedMetrics(rows, new Int32Array(labels.length).fill(1), 0.5)!;
      const slow = computeMetrics(labels, probs, 0.5);
      expectAgree(fast.values, slow.values, `seed ${seed}`);
      expect(fast.basis).toEqual(slow.basis);
    }
  });

  it("with draw counts equals computeMetrics on the expanded resample", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { labels, probs, random } = randomCase(100 + seed, 20 + seed, 20);
      const weights = new Int32Array(labels.length);
      for (let k = 0; k < labels.length; k++) weights[Math.floor(random() * labels.length)]!++;
      const y: number[] = [];
      const p: number[] = [];
      weights.forEach((w, i) => {
        for (let k = 0; k < w; k++) {
          y.push(labels[i]!);
          p.push(probs[i]!);
        }
      });
      const fast = weightedMetrics(sortRows(labels.map((_, i) => i), labels, probs), weights, 0.5)!;
      const slow = computeMetrics(y, p, 0.5);
      expectAgree(fast.values, slow.values, `seed ${seed}`);
      expect(fast.basis).toEqual(slow.basis);
    }
  });

  it("gives null for zero total weight and null AUROC for one class", () => {
    const rows = sortRows([0, 1, 2], [1, 1, 1], [0.2, 0.6, 0.9]);
    expect(weightedMetrics(rows, [0, 0, 0], 0.5)).toBeNull();
    const m = weightedMetrics(rows, [1, 2, 0], 0.5)!;
    expect(m.values.auroc).toBeNull();
    expect(m.values.specificity).toBeNull();
    expect(m.values.sensitivity).toBe(2 / 3);
    expect(m.values.balancedAccuracy).toBe(2 / 3);
  });
});
