import { describe, expect, it } from "vitest";
import { makeTable } from "../../artifacts/table.js";
import { DataError, PipelineError } from "../../dsl/errors.js";
import type { PredictionsHandle, TableHandle } from "../../dsl/handles.js";
import { StudyGraph } from "../../dsl/study.js";
import { seededRandom } from "../../engine/random.js";
import { stratifiedSampler } from "../../steps/evaluate/bootstrap.js";
import { compareGroups } from "../../steps/evaluate/group-comparison.js";
import { type SubgroupMetricsDoc, evaluateSubgroupMetrics, subgroupMetrics } from "../../steps/evaluate/subgroup-metrics.js";
import { runStep } from "../support/step-harness.js";

// Group "a": rows 0-11 evaluated (0-5 positive) and rows 19-22 never predicted (training rows, negative).
// Group "b": rows 12-18 (12-14 positive), 7 people: under the default minCell of 10.
const group = [...Array(12).fill("a"), ...Array(7).fill("b"), ...Array(4).fill("a")] as string[];
const target = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
const table = makeTable([
  { name: "target", type: "int", values: target },
  { name: "subgroup", type: "string", values: group },
]);

type Line = [replicate: number, seed: number, fold: number, row: number, prob: number];
const predictionsTable = (lines: Line[]) =>
  makeTable([
    { name: "replicate", type: "int", values: lines.map((l) => l[0]) },
    { name: "seed", type: "int", values: lines.map((l) => l[1]) },
    { name: "fold", type: "int", values: lines.map((l) => l[2]) },
    { name: "row", type: "int", values: lines.map((l) => l[3]) },
    { name: "prob", type: "float", values: lines.map((l) => l[4]) },
  ]);

/** Two replicates (seed 1, folds 0 and 1) over rows 0-18; `prob(replicate, row)` gives each probability. */
const model = (prob: (replicate: number, row: number) => number) =>
  predictionsTable([0, 1].flatMap((rep) => Array.from({ length: 19 }, (_, row): Line => [rep, 1, rep, row, prob(rep, row)])));

// The reference: right on "a" except row 0 in replicate 1; wrong on every "b" person.
const reference = model((rep, row) => (row < 12 ? (rep === 1 && row === 0 ? 0.2 : target[row] ? 0.9 : 0.1) : target[row] ? 0.4 : 0.6));
// The personalized model: right everywhere except row 12 in replicate 1.
const personalized = model((rep, row) => (row < 12 ? (target[row] ? 0.9 : 0.1) : rep === 1 && row === 12 ? 0.3 : target[row] ? 0.8 : 0.3));

const baseParams = { models: ["pers", "ref"], reference: "ref", target: "target", subgroup: "subgroup", rareBelow: 0.35 };

const evaluate = async (params: object = { ...baseParams, resamples: 0 }, seed = 0, preds = [personalized, reference]) =>
  (await runStep(subgroupMetrics, { table, predictions: preds }, params, seed)).metrics as unknown as SubgroupMetricsDoc;

const result = (doc: SubgroupMetricsDoc, model: string, group: string) => doc.results.find((r) => r.model === model && r.group === group)!;
const gain = (doc: SubgroupMetricsDoc, group: string, metric: string) => doc.gains.find((g) => g.group === group && g.metric === metric)!;

describe("evaluate.subgroup-metrics: point estimates (hand-computed)", () => {
  it("gives mean ± sd across replicates per model × group", async () => {
    const doc = await evaluate();
    expect(doc.groups).toEqual(["overall", "a", "b"]);
    expect(doc.models).toEqual(["pers", "ref"]);
    expect(doc.replicates).toBe(2);
    const refA = result(doc, "ref", "a").metrics.accuracy;
    expect(refA.estimate).toBeCloseTo((1 + 11 / 12) / 2, 15);
    expect(refA.sd).toBeCloseTo(1 / 12 / Math.SQRT2, 15);
    expect(refA.replicates).toBe(2);
    expect(result(doc, "ref", "b").metrics.accuracy).toMatchObject({ estimate: 0, sd: 0 });
    expect(result(doc, "pers", "b").metrics.accuracy.estimate).toBeCloseTo((1 + 6 / 7) / 2, 15);
    expect(result(doc, "ref", "overall").metrics.accuracy.estimate).toBeCloseTo(11.5 / 19, 15);
    expect(result(doc, "pers", "a").metrics.auroc.estimate).toBe(1);
    expect(result(doc, "ref", "b").metrics.auroc.estimate).toBe(0);
    // No resamples: no bootstrap intervals, but proportions still get a Wilson interval.
    expect(refA.interval).toBeNull();
    expect(refA.wilson![0]).toBeLessThan(refA.estimate!);
    expect(refA.wilson![1]).toBeGreaterThan(refA.estimate!);
  });

  it("flags every cell computed on fewer than minCell people, keeping the value", async () => {
    const doc = await evaluate();
    const b = result(doc, "pers", "b").metrics;
    expect(b.accuracy).toMatchObject({ basis: 7, suppressed: true });
    expect(b.accuracy.estimate).not.toBeNull();
    const a = result(doc, "pers", "a").metrics;
    expect(a.accuracy).toMatchObject({ basis: 12, suppressed: false });
    expect(a.sensitivity).toMatchObject({ basis: 6, suppressed: true }); // computed on the 6 positives only
    const sizes = Object.fromEntries(doc.sizes.map((s) => [s.group, s]));
    expect(sizes.a).toMatchObject({ cohortN: 16, cohortPositives: 6, testN: 12, testPositives: 6, suppressed: { cohortN: false, cohortPositives: true, testN: false, testPositives: true } });
    expect(sizes.b).toMatchObject({ cohortN: 7, testN: 7, suppressed: { cohortN: true, testN: true } });
    expect(sizes.b!.share).toBeCloseTo(7 / 23, 15);
    // With minCell 5 the 7-person group is shown.
    const loose = await evaluate({ ...baseParams, resamples: 0, minCell: 5 });
    expect(result(loose, "pers", "b").metrics.accuracy.suppressed).toBe(false);
  });

  it("gives paired gains against the reference, positive when the model does better", async () => {
    const doc = await evaluate();
    expect(doc.gains.every((g) => g.model === "pers" && g.reference === "ref")).toBe(true);
    expect(gain(doc, "a", "accuracy").estimate).toBeCloseTo(1 / 24, 15);
    expect(gain(doc, "b", "accuracy").estimate).toBeCloseTo(13 / 14, 15);
    expect(gain(doc, "b", "accuracy")).toMatchObject({ replicates: 2, fractionNegative: 0, suppressed: true });
    // Lower is better for the Brier score: the gain is reference − model, still positive here.
    const brier = gain(doc, "b", "brier");
    expect(brier.estimate!).toBeGreaterThan(0);
  });

  it("compares groups the way Fairlearn's MetricFrame does", async () => {
    const doc = await evaluate();
    const pers = doc.comparisons.find((c) => c.model === "pers" && c.metric === "accuracy")!;
    const overall = result(doc, "pers", "overall").metrics.accuracy.estimate!;
    expect(pers.all.groupMax).toBe(1);
    expect(pers.all.differenceBetweenGroups).toBeCloseTo(1 / 14, 15);
    expect(pers.all.ratioBetweenGroups).toBeCloseTo(13 / 14, 15);
    expect(pers.all.differenceToOverall).toBeCloseTo(Math.max(1 - overall, overall - 13 / 14), 15);
    expect(pers.all).toMatchObject({ argMin: "b", argMax: "a" });
    // b is suppressed: the comparison is flagged, and the reportable one covers "a" alone.
    expect(pers.suppressed).toBe(true);
    expect(pers.reportable.groups).toEqual(["a"]);
    // MetricFrame.ratio(method="to_overall") with a zero group value is 0, not undefined.
    const ref = doc.comparisons.find((c) => c.model === "ref" && c.metric === "accuracy")!;
    expect(ref.all.ratioToOverall).toBe(0);
    expect(ref.all.ratioBetweenGroups).toBe(0);
  });

  it("compareGroups: Fairlearn's definitions on plain numbers", () => {
    const c = compareGroups(
      [
        { group: "x", value: 0.8 },
        { group: "y", value: 0.6 },
        { group: "z", value: null },
      ],
      0.7,
      { ratios: true },
    );
    expect(c.groups).toEqual(["x", "y"]);
    expect(c.differenceBetweenGroups).toBeCloseTo(0.2, 15);
    expect(c.differenceToOverall).toBeCloseTo(0.1, 15);
    expect(c.ratioBetweenGroups).toBeCloseTo(0.75, 15);
    expect(c.ratioToOverall).toBeCloseTo(Math.min(0.7 / 0.8, 0.6 / 0.7), 15);
  });

  it("compareGroups: a metric that can be negative gets differences but no ratio, and never ±Infinity or NaN", () => {
    // Overall 0 with a negative group: a plain Fairlearn ratio would be −Infinity and break canonical JSON.
    const negative = compareGroups(
      [
        { group: "x", value: -0.2 },
        { group: "y", value: 0.4 },
      ],
      0,
      { ratios: true },
    );
    expect(negative.differenceBetweenGroups).toBeCloseTo(0.6, 15);
    expect(negative.differenceToOverall).toBeCloseTo(0.4, 15);
    expect(negative.ratioBetweenGroups).toBeNull();
    expect(negative.ratioToOverall).toBeNull();
    // A metric that declares ratios meaningless has none even where every value is positive.
    const declared = compareGroups(
      [
        { group: "x", value: 0.2 },
        { group: "y", value: 0.4 },
      ],
      0.3,
      { ratios: false },
    );
    expect(declared.differenceBetweenGroups).toBeCloseTo(0.2, 15);
    expect(declared.ratioBetweenGroups).toBeNull();
    expect(declared.ratioToOverall).toBeNull();
    for (const c of [negative, declared]) for (const v of Object.values(c)) if (typeof v === "number") expect(Number.isFinite(v)).toBe(true);
  });

  it("marks rare subgroups and reports RCPG and RCCE, labelled as our definitions", async () => {
    const doc = await evaluate();
    expect(doc.sizes.find((s) => s.group === "b")!.rare).toBe(true);
    expect(doc.sizes.find((s) => s.group === "a")!.rare).toBe(false);
    const rc = doc.rareCases;
    expect(rc.definition).toBe("our definition");
    expect(rc.note).toMatch(/^Our definitions/);
    expect(rc).toMatchObject({ groups: ["b"], threshold: 0.35, rareTestN: 7, commonTestN: 12 });
    const gap = rc.rcpg.find((e) => e.model === "pers" && e.metric === "accuracy")!;
    expect(gap.common).toBe(1);
    expect(gap.rare).toBeCloseTo(13 / 14, 15);
    expect(gap.gap.estimate).toBeCloseTo(1 / 14, 15);
    // RCCE: ECE on the rare cases. Replicate 0: bins (0.2, 0.3] holds 4 negatives at 0.3 and (0.7, 0.8] 3 positives
    // at 0.8 → (4·0.3 + 3·0.2) / 7; replicate 1 moves one positive to 0.3 → (5·0.1 + 2·0.2) / 7.
    const rcce = rc.rcce.find((e) => e.model === "pers")!;
    expect(rcce.estimate).toBeCloseTo((1.8 / 7 + 0.9 / 7) / 2, 14);
    // No group under the threshold: nothing rare, no RCPG.
    const none = await evaluate({ ...baseParams, resamples: 0, rareBelow: 0.1 });
    expect(none.rareCases).toMatchObject({ groups: [], rcpg: [], rcce: [] });
  });

  it("gives calibration curves pooled over replicates, with the people behind each point", async () => {
    const doc = await evaluate();
    const curve = doc.calibration.find((c) => c.model === "pers" && c.group === "b")!;
    expect(curve.suppressed).toBe(true);
    expect(curve.points.map((p) => [p.bin, p.n, p.people])).toEqual([
      [2, 9, 5],
      [7, 5, 3],
    ]);
    expect(curve.points[0]!.observed).toBeCloseTo(1 / 9, 15);
  });

  it("records the digests of the evaluated artifacts for the report's provenance", async () => {
    const doc = await evaluate();
    expect(doc.inputs.table).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(doc.inputs.predictions)).toEqual(["pers", "ref"]);
  });
});

describe("evaluate.subgroup-metrics: harm tests (harm.ts)", () => {
  it("flags a group the candidate hurts and not one it helps", async () => {
    // Measured against "pers", the "ref" model is wrong on all 7 people of b, whom pers gets right.
    const doc = await evaluate({ ...baseParams, reference: "pers", resamples: 200 }, 3);
    const entry = (group: string) => doc.harm.find((h) => h.group === group)!;
    expect(doc.harm.map((h) => [h.model, h.reference, h.group])).toEqual([
      ["ref", "pers", "overall"],
      ["ref", "pers", "a"],
      ["ref", "pers", "b"],
    ]);
    // Row 12 is wrong for pers in one replicate of two, so not a majority: both models "wrong", not discordant.
    expect(entry("b").mcnemar).toMatchObject({ b: 6, c: 0 });
    expect(entry("b").mcnemar.pValue).toBeCloseTo(1 / 64, 15);
    expect(entry("b")).toMatchObject({ harmed: true, suppressed: true, basis: 7 });
    expect(entry("b").signTest!.pValue).toBeLessThan(0.05);
    // In a, ref errs once in two replicates on one person: that person's majority outcome is wrong (1 of 2 is
    // not a majority), so b = 1, c = 0, p = 0.5: not flagged.
    expect(entry("a").mcnemar).toMatchObject({ b: 1, c: 0 });
    expect(entry("a").harmed).toBe(false);
    expect(doc.harmRule).toMatch(/exact McNemar/);
  });

  it("does not flag the model that helps", async () => {
    const doc = await evaluate({ ...baseParams, resamples: 100 }, 3);
    expect(doc.harm.every((h) => !h.harmed)).toBe(true);
    expect(doc.harm.find((h) => h.group === "b")!.mcnemar).toMatchObject({ b: 0, c: 6, pValue: 1 });
  });

  it("has no harm section without a reference", async () => {
    const doc = await evaluate({ ...baseParams, reference: undefined, resamples: 0 });
    expect(doc.harm).toEqual([]);
    expect(doc.gains).toEqual([]);
  });
});

describe("evaluate.subgroup-metrics: bootstrap", () => {
  const params = { ...baseParams, resamples: 200 };

  it("gives identical intervals across runs with the same seed, and different ones with another", async () => {
    const first = await evaluate(params, 42);
    const second = await evaluate(params, 42);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    const other = await evaluate(params, 43);
    expect(JSON.stringify(other.results)).not.toBe(JSON.stringify(first.results));
    // Point estimates do not depend on the seed.
    expect(result(other, "ref", "a").metrics.accuracy.estimate).toBe(result(first, "ref", "a").metrics.accuracy.estimate);
  });

  it("puts intervals around the estimates for metrics, gains, comparisons and RCPG", async () => {
    const doc = await evaluate(params, 42);
    const acc = result(doc, "ref", "overall").metrics.accuracy;
    expect(acc.interval![0]).toBeLessThanOrEqual(acc.estimate!);
    expect(acc.interval![1]).toBeGreaterThanOrEqual(acc.estimate!);
    expect(acc.interval![0]).toBeLessThan(acc.interval![1]);
    const g = gain(doc, "overall", "accuracy");
    expect(g.interval![0]).toBeGreaterThan(0); // the personalized model is better on every resample
    const cmp = doc.comparisons.find((c) => c.model === "ref" && c.metric === "accuracy")!;
    expect(cmp.all.intervals.differenceBetweenGroups).not.toBeNull();
    expect(doc.rareCases.rcpg[0]!.gap.interval).not.toBeNull();
  });

  it("resamples within subgroup × label strata: every stratum keeps its size", () => {
    const strata = ["a1", "a1", "a0", "b1", "b0", "b0", "b0", "a1"];
    const random = seededRandom(5, "test");
    const draw = stratifiedSampler(strata);
    const counts = new Int32Array(strata.length);
    for (let k = 0; k < 20; k++) {
      draw(random, counts);
      const count = (s: string) => strata.reduce((sum, t, i) => sum + (t === s ? counts[i]! : 0), 0);
      expect([count("a0"), count("a1"), count("b0"), count("b1")]).toEqual([1, 3, 3, 1]);
    }
  });
});

describe("evaluate.subgroup-metrics: errors", () => {
  it("names a reference that is not a model", async () => {
    await expect(evaluate({ ...baseParams, reference: "generic" })).rejects.toThrow(DataError);
    await expect(evaluate({ ...baseParams, reference: "generic" })).rejects.toThrow(/params\.reference/);
  });

  it("refuses to pair replicates that are different splits", async () => {
    const shifted = predictionsTable(Array.from({ length: 19 }, (_, row): Line => [0, 2, 0, row, 0.5]));
    await expect(evaluate(baseParams, 0, [shifted, reference])).rejects.toThrow(/seed 2, fold 0 here but seed 1, fold 0/);
  });

  it("needs one label per predictions input", async () => {
    await expect(evaluate({ ...baseParams, models: ["pers"], reference: undefined }, 0)).rejects.toThrow(/1 model labels for 2 predictions/);
  });

  it("builder: sorts labels, checks columns and the reference when the study loads", () => {
    const graph = new StudyGraph("s", 0);
    const t = { kind: "table", ref: { node: "t", output: "table" }, study: graph, columns: { target: "int", subgroup: "string" } } as TableHandle<{ target: "int"; subgroup: "string" }>;
    const p = (node: string) => ({ kind: "predictions", ref: { node, output: "predictions" }, study: graph }) as PredictionsHandle;
    evaluateSubgroupMetrics(t, { zeta: p("z"), alpha: p("a") }, { target: "target", subgroup: "subgroup", reference: "zeta" }, { id: "depth" });
    expect(graph.nodes[0]!.params).toMatchObject({ models: ["alpha", "zeta"], reference: "zeta", resamples: 1000, minCell: 10 });
    expect(() => evaluateSubgroupMetrics(t, { a: p("a") }, { target: "target", subgroup: "subgroup", reference: "b" }, { id: "depth-2" })).toThrow(PipelineError);
  });
});
