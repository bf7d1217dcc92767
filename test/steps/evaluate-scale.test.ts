/**
 * The evaluation's scale path: resamples drawn into one counts array with the same draws as one-by-one
 * stratified resampling, and groups weighed as ordered subsets of a replicate's rows sorted once, bit for bit
 * the statistics of the group's rows sorted on their own, at any threshold.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../engine/random.js";
import { stratifiedSampler } from "../../steps/evaluate/bootstrap.js";
import { computeMetrics, METRIC_NAMES, weightedMetrics } from "../../steps/evaluate/metrics/registry.js";
import { gatherWeights, sortRows, subsetRows, sufficientStatistics } from "../../steps/evaluate/metrics/sufficient-statistics.js";

const cohort = (seed: number, n: number) => {
  const random = seededRandom(seed, "scale-test");
  const labels = Array.from({ length: n }, () => (random() < 0.35 ? 1 : 0));
  // A coarse grid for many ties, some probabilities exactly on bin edges and at 0 and 1.
  const probs = labels.map((y) => Math.round(Math.min(1, Math.max(0, 0.3 * y + random() * 0.8)) * 40) / 40);
  const group = labels.map(() => Math.floor(random() * 3));
  return { labels, probs, group, random };
};

describe("evaluation at scale", () => {
  it("draws the same resamples as drawing stratum by stratum, unit by unit", () => {
    const random = seededRandom(3, "strata");
    const strata = Array.from({ length: 500 }, () => `g${Math.floor(random() * 4)}\u0000${random() < 0.3 ? 1 : 0}`);
    // The reference: strata in code-unit order of their keys, members ascending, one draw per member.
    const reference = (stream: () => number): Int32Array => {
      const counts = new Int32Array(strata.length);
      for (const key of [...new Set(strata)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
        const members = strata.flatMap((s, i) => (s === key ? [i] : []));
        for (let k = 0; k < members.length; k++) counts[members[Math.floor(stream() * members.length)]!]!++;
      }
      return counts;
    };
    const draw = stratifiedSampler(strata);
    const a = seededRandom(9, "bootstrap");
    const b = seededRandom(9, "bootstrap");
    const counts = new Int32Array(strata.length);
    for (let resample = 0; resample < 50; resample++) {
      draw(a, counts);
      expect(counts).toEqual(reference(b));
    }
  });

  it("weighs a group as an ordered subset with gathered weights, bit for bit as its own sorted rows", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const { labels, probs, group, random } = cohort(seed, 400 + 50 * seed);
      const person = labels.map((_, i) => i);
      const all = sortRows(person, labels, probs);
      const weights = new Int32Array(labels.length);
      for (let k = 0; k < labels.length; k++) weights[Math.floor(random() * labels.length)]!++;
      const local = gatherWeights(all, weights, new Int32Array(labels.length));
      for (let g = 0; g < 3; g++) {
        const subset = subsetRows(all, (k) => group[all.person[k]!] === g);
        const members = person.filter((i) => group[i] === g);
        const own = sortRows(members, members.map((i) => labels[i]!), members.map((i) => probs[i]!));
        for (const threshold of [0, 0.05, 0.37, 0.5, 0.925, 1]) {
          expect(sufficientStatistics(subset, local, threshold), `seed ${seed} group ${g} threshold ${threshold}`).toEqual(sufficientStatistics(own, weights, threshold));
        }
      }
    }
  });

  it("agrees with the plain definitions at a threshold inside a bin", () => {
    const { labels, probs, random } = cohort(40, 300);
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
    const fast = weightedMetrics(sortRows(labels.map((_, i) => i), labels, probs), weights, 0.37)!;
    const slow = computeMetrics(y, p, 0.37);
    expect(fast.basis).toEqual(slow.basis);
    for (const name of METRIC_NAMES) expect(Math.abs(fast.values[name]! - slow.values[name]!), name).toBeLessThan(1e-12);
  });
});
