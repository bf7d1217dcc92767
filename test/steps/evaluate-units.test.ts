/**
 * evaluate.subgroup-metrics as units: chunks of bootstrap resamples and one harm test per candidate × group, each
 * from its own seeded stream. Whatever thread runs which unit, in whatever order, the document combined in unit
 * order is the one the whole evaluation gives in one thread, byte for byte; a chunk of resamples draws exactly
 * what the resamples at its place in one pass draw.
 */
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../artifacts/canonical-json.js";
import { asStoredJson } from "../../dsl/step.js";
import { seededRandom } from "../../engine/random.js";
import type { Labels } from "../../steps/evaluate/labels.js";
import {
  type EvaluationInput,
  type EvaluationUnitResult,
  computeSubgroupMetrics,
  finishEvaluation,
  prepareEvaluation,
  runEvaluationUnit,
} from "../../steps/evaluate/subgroup-metrics/compute.js";
import { SubgroupMetricsParams } from "../../steps/evaluate/subgroup-metrics/document.js";
import type { ReplicateScores } from "../../steps/evaluate/subgroup-metrics/document.js";
import { replicateScoresOfDense } from "../../steps/evaluate/subgroup-metrics/replicate-scores.js";
import { bootstrapResamples } from "../../steps/evaluate/subgroup-metrics/scoring.js";
import { Schema } from "effect";

/** 160 people in three subgroups (one rare), two models of 2 seeds × 2 folds over the first 120. */
const cohort = (): EvaluationInput => {
  const random = seededRandom(5, "units-test");
  const n = 160;
  const y = Uint8Array.from({ length: n }, () => (random() < 0.4 ? 1 : 0));
  const group = Int32Array.from({ length: n }, () => (random() < 0.1 ? 0 : random() < 0.5 ? 1 : 2));
  const labels: Labels = { y, group, groups: ["a-rare", "b", "c"] };
  const model = (label: string, skill: number) => {
    const replicates: ReplicateScores[] = [];
    for (let seed = 1; seed <= 2; seed++) {
      const fold = Int8Array.from({ length: n }, () => Math.floor(random() * 2));
      for (let f = 0; f < 2; f++) {
        // Rounded to a coarse grid, so that there are ties.
        const prob = Float64Array.from({ length: n }, (_, r) => (r < 120 && fold[r] === f ? Math.round((skill * y[r]! + (1 - skill) * random()) * 20) / 20 : Number.NaN));
        replicates.push(replicateScoresOfDense({ replicate: replicates.length, seed, fold: f }, prob));
      }
    }
    return { label, replicates };
  };
  return { labels, models: [model("candidate", 0.5), model("reference", 0.3)], digests: { table: "t", predictions: { candidate: "c", reference: "r" } } };
};

const params = (resamples: number) =>
  Schema.decodeUnknownSync(SubgroupMetricsParams)({ models: ["candidate", "reference"], reference: "reference", target: "target", subgroup: "subgroup", resamples, rareBelow: 0.2 });
const streams = (stream: string) => seededRandom(11, stream);

describe("evaluate.subgroup-metrics as units", () => {
  it("gives the one-thread document whatever thread runs which unit, in any order", () => {
    const input = cohort();
    const p = params(37);
    const whole = canonicalJson(computeSubgroupMetrics(input, p, streams) as never);
    // Two "threads", each with its own prepared state, running the units from the last to the first.
    const threads = [prepareEvaluation(input, p), prepareEvaluation(input, p)];
    const units = threads[0]!.units;
    // 37 resamples in chunks of 5 (8 chunks), then the harm tests: one candidate × 4 groups.
    expect(units.filter((u) => u.kind === "resamples").map((u) => (u.kind === "resamples" ? [u.from, u.to] : []))).toEqual([[0, 5], [5, 10], [10, 15], [15, 20], [20, 25], [25, 30], [30, 35], [35, 37]]);
    expect(units.filter((u) => u.kind === "harm")).toHaveLength(4);
    const results: EvaluationUnitResult[] = new Array(units.length);
    for (let i = units.length - 1; i >= 0; i--) results[i] = asStoredJson(runEvaluationUnit(threads[i % 2]!, i, streams)) as EvaluationUnitResult;
    const combined = canonicalJson(finishEvaluation(prepareEvaluation(input, p), results) as never);
    expect(combined).toBe(whole);
  });

  it("draws in a chunk of resamples what the same resamples draw in one pass", () => {
    const evaluation = prepareEvaluation(cohort(), params(12));
    const onePass = bootstrapResamples(evaluation.scoring, 0, 12, streams("bootstrap"));
    const width = onePass.length / 12;
    for (const [from, to] of [[0, 3], [3, 4], [4, 12]] as const) {
      expect(bootstrapResamples(evaluation.scoring, from, to, streams("bootstrap"))).toEqual(onePass.subarray(from * width, to * width));
    }
  });

  it("has no bootstrap units without resamples, and changes its intervals with the seed", () => {
    const input = cohort();
    expect(prepareEvaluation(input, params(0)).units.every((u) => u.kind === "harm")).toBe(true);
    const a = computeSubgroupMetrics(input, params(20), streams);
    const b = computeSubgroupMetrics(input, params(20), (stream) => seededRandom(12, stream));
    expect(a.results[0]!.metrics.auroc.interval).not.toEqual(b.results[0]!.metrics.auroc.interval);
  });
});
