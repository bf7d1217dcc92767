/**
 * The few-shot summary (steps/evaluate/few-shot/summary.ts) on hand-made cells: per-seed metrics from the registry,
 * paired gains over pooled with t intervals, the harm test's Holm family (one per method, every site × k), "beats",
 * the smallest beating k, k = 0 (no variation over seeds: no test), and a user error for mismatched cells.
 */
import { describe, expect, it } from "vitest";
import type { CellDocument } from "../../steps/evaluate/few-shot/cell-document.js";
import { pairedT } from "../../steps/evaluate/few-shot/paired-t.js";
import { summarizeCells } from "../../steps/evaluate/few-shot/summary.js";
import { adjustPValues } from "../../steps/evaluate/harm-multiplicity.js";
import { crossedGainInterval } from "../../steps/evaluate/few-shot/crossed-bootstrap.js";
import { seededRandom } from "../../engine/random.js";

const labels = [1, 0, 1, 0];
const brier = (p: readonly number[]) => p.reduce((a, v, i) => a + (v - labels[i]!) ** 2, 0) / p.length;

/** good moves towards the labels with k, bad away from them; both equal pooled at k = 0. */
const cell = (site: string, shots: number, seed: number): CellDocument => {
  const e = shots === 0 ? 0 : (0.2 + 0.03 * seed) * (site === "B" ? 0.5 : 1);
  return {
    format: "strata-few-shot-cell/1",
    site,
    shots,
    seed,
    support: { size: Math.min(shots, 8), positives: Math.min(shots, 8) / 2, available: 8, capped: shots > 8 },
    query: { labels },
    methods: [
      { method: "pooled", probabilities: [0.5, 0.5, 0.5, 0.5] },
      { method: "good", probabilities: labels.map((y) => (y === 1 ? 0.5 + e : 0.5 - e)) },
      { method: "bad", probabilities: labels.map((y) => (y === 1 ? 0.5 - e / 2 : 0.5 + e / 2)) },
      shots === 0 ? { method: "local", probabilities: null, undefinedBecause: "no support rows (k = 0)" } : { method: "local", probabilities: [0.6, 0.4, 0.6, 0.4] },
    ],
  };
};

const cells = ["A", "B"].flatMap((site) => [0, 10].flatMap((k) => [1, 2, 3, 4].map((seed) => cell(site, k, seed))));
const options = { reference: "pooled", decisionMetric: "brier", alpha: 0.05, threshold: 0.5, resamples: 500 } as const;
const random = (stream: string) => seededRandom(7, stream);
const fail = (problem: string): never => {
  throw new Error(problem);
};

describe("the few-shot summary", () => {
  it("pairs every method with pooled over seeds, flags wins and Holm-adjusted harms, and finds the smallest beating k", () => {
    const doc = summarizeCells(cells, options, random, fail);
    expect(doc.methods).toEqual(["pooled", "good", "bad", "local"]);
    expect(doc.sites.map((s) => s.site)).toEqual(["A", "B"]);
    const a = doc.sites[0]!;
    expect(a.shots.map((k) => [k.shots, k.supportSize, k.capped, k.querySize, k.queryPositives])).toEqual([[0, 0, false, 4, 2], [10, 8, true, 4, 2]]);
    const row = (site: number, k: number, method: string) => doc.sites[site]!.shots[k]!.methods.find((m) => m.method === method)!;

    // The gain of good at A, k = 10 is pooled's Brier minus its own, per seed, with a t interval.
    const gains = [1, 2, 3, 4].map((seed) => 0.25 - brier(cell("A", 10, seed).methods[1]!.probabilities!));
    const t = pairedT(gains)!;
    expect(row(0, 1, "good").gains!.brier).toEqual({ n: 4, mean: t.mean, interval: t.interval, pHarm: t.pBelowZero });
    expect(row(0, 1, "good").metrics.brier.mean).toBeCloseTo(0.25 - t.mean, 14);
    expect(row(0, 1, "good").metrics.accuracy).toEqual({ n: 4, mean: 1, interval: null });
    expect(row(0, 1, "good")).toMatchObject({ beats: true, harmed: false });
    expect(row(0, 1, "bad")).toMatchObject({ beats: false, harmed: true });

    // Holm over bad's tested cells: A k = 10 and B k = 10 (k = 0 does not vary over seeds, so it is not tested).
    const raw = [row(0, 1, "bad").gains!.brier.pHarm!, row(1, 1, "bad").gains!.brier.pHarm!];
    expect([row(0, 1, "bad").pHarmAdjusted, row(1, 1, "bad").pHarmAdjusted]).toEqual(adjustPValues(raw, "holm"));
    expect(row(0, 0, "bad")).toMatchObject({ gains: { brier: { n: 4, mean: 0, interval: null, pHarm: null } }, pHarmAdjusted: null, beats: false, harmed: false });

    // local is undefined at k = 0 (with the reason) and defined at k = 10.
    expect(row(0, 0, "local")).toMatchObject({ metrics: { brier: { n: 0, mean: null, interval: null } }, undefinedBecause: ["no support rows (k = 0)"] });
    expect(row(0, 1, "local").metrics.brier.mean).toBeCloseTo(0.16, 14);

    // With the test patients resampled too: good's gain stays above 0, bad's below.
    const withPatients = row(0, 1, "good").gainWithPatients!;
    expect(withPatients[0]).toBeGreaterThan(0);
    expect(withPatients[0]).toBeLessThanOrEqual(t.mean);
    expect(withPatients[1]).toBeGreaterThanOrEqual(t.mean);
    expect(row(0, 1, "bad").gainWithPatients![1]).toBeLessThan(0);
    expect(row(0, 0, "good").gainWithPatients).toEqual([0, 0]);

    expect(a.smallestBeatingShots).toEqual({ good: 10, bad: null, local: null });
    expect(a.harmedAtShots).toEqual({ good: [], bad: [10], local: [] });
    // Cells in any order give the same summary.
    expect(summarizeCells([...cells].reverse().sort((x, y) => (x.site < y.site ? -1 : x.site > y.site ? 1 : 0)), options, random, fail)).toEqual(doc);
  });

  it("refuses cells with different methods or a repeated seed, and an unknown reference", () => {
    const other = { ...cell("A", 10, 9), methods: cell("A", 10, 9).methods.slice(0, 2) };
    expect(() => summarizeCells([...cells, other], options, random, fail)).toThrow(/has the methods pooled, good, the first cell pooled, good, bad, local/);
    expect(() => summarizeCells([...cells, cell("A", 10, 1)], options, random, fail)).toThrow(/two cells for A k = 10 have seed 1/);
    expect(() => summarizeCells(cells, { ...options, reference: "generic" }, random, fail)).toThrow(/reference method "generic" is not among/);
  });

  it("resamples seeds and test patients crossed: equal gains give a point, patient spread widens the interval, AUROC gets none", () => {
    const opts = { threshold: 0.5, level: 0.95, resamples: 1000 };
    const ys = [1, 0, 1, 0, 1, 0];
    const ref = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
    const same = [0.6, 0.4, 0.6, 0.4, 0.6, 0.4];
    // Every (seed, patient) gain is 0.25 − 0.16 = 0.09.
    const point = crossedGainInterval("brier", ys, [same, same, same], [ref, ref, ref], opts, seededRandom(1, "x"))!;
    expect(point[0]).toBeCloseTo(0.09, 12);
    expect(point[1]).toBeCloseTo(0.09, 12);
    // Patients that differ (one badly predicted) but seeds that agree: the seed t interval has no width, this one has.
    const uneven = [0.9, 0.1, 0.9, 0.1, 0.1, 0.4];
    const wide = crossedGainInterval("brier", ys, [uneven, uneven, uneven], [ref, ref, ref], opts, seededRandom(1, "x"))!;
    expect(wide[1] - wide[0]).toBeGreaterThan(0.1);
    expect(crossedGainInterval("brier", ys, [uneven, uneven, uneven], [ref, ref, ref], opts, seededRandom(1, "x"))).toEqual(wide);
    expect(crossedGainInterval("auroc", ys, [uneven, uneven], [ref, ref], opts, seededRandom(1, "x"))).toBeNull();
    expect(crossedGainInterval("brier", ys, [uneven, null], [ref, ref], opts, seededRandom(1, "x"))).toBeNull();
  });
});
