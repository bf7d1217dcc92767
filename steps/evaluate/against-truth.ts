/**
 * evaluate.against-truth: how far each method's per-subgroup accuracy and AUROC are from the Bayes-optimal figures
 * of a planted cohort (synth.structural's truth document), and which method recovers the planted subgroup
 * difference. It reads the truth and evaluate.subgroup-metrics' document of the methods (scored on the cohort's
 * test rows, the generic model as reference) and recomputes nothing from rows.
 *
 * Definitions (ours):
 * - regret of a method in a group: the truth's Bayes-optimal figure minus the method's mean figure. The Bayes figure
 *   is exact for the whole generated cohort (the true probabilities of its rows); the method's is on the test rows,
 *   so a regret slightly below 0 is sampling noise, not a method beating the Bayes rule.
 * - share of the gap closed in a planted group: (method − reference) / (Bayes − reference) on accuracy, where the
 *   reference (Generic, which ignores the subgroup) leaves a gap; undefined when the reference's regret is ≤ 0.005.
 * - a method recovers the planted difference when, in every planted group (a level whose outcome rule differs:
 *   an entry of the spec's outcome.bySubgroup), the upper end of its 95% bootstrap interval of accuracy reaches the
 *   Bayes-optimal accuracy: the test rows cannot tell it from the Bayes rule there.
 */
import { Schema } from "effect";
import type { MetricsHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import type { Estimate, SubgroupMetricsDoc } from "./subgroup-metrics/document.js";
import { type TruthGroup, readTruthGroups } from "./truth-groups.js";

export const AGAINST_TRUTH_FORMAT = "strata-synth-against-truth/1";

const Params = Schema.Struct({
  /** The subgroup attribute of the truth document whose levels are the evaluation's groups. */
  subgroup: Schema.String.check(Schema.isMinLength(1)),
});

/** A gap below this (on accuracy) is no gap to close. */
const NO_GAP = 0.005;

export const DEFINITIONS = {
  regret: "Bayes-optimal figure (exact for the generated cohort) minus the method's mean figure on the test rows (our definition)",
  gapClosed: `(method − reference) / (Bayes − reference) accuracy in a planted group; undefined when the reference's regret is at most ${NO_GAP} (our definition)`,
  recovers: "in every planted group, the upper end of the method's 95% bootstrap interval of accuracy reaches the Bayes-optimal accuracy (our definition)",
} as const;

export interface MethodAgainstTruth {
  readonly model: string;
  readonly accuracy: number | null;
  readonly accuracyInterval: readonly [number, number] | null;
  readonly auroc: number | null;
  readonly accuracyRegret: number | null;
  readonly aurocRegret: number | null;
  /** Only for planted groups and candidate methods. */
  readonly gapClosed: number | null;
  /** The fewest people behind the accuracy (the suppression basis). */
  readonly basis: number;
}

export interface GroupAgainstTruth {
  readonly group: string;
  readonly planted: boolean;
  readonly cohortN: number;
  readonly testN: number;
  readonly bayesAccuracy: number;
  readonly bayesAuroc: number | null;
  readonly methods: readonly MethodAgainstTruth[];
}

export interface AgainstTruthDoc {
  readonly format: typeof AGAINST_TRUTH_FORMAT;
  readonly subgroup: string;
  readonly reference: string;
  readonly models: readonly string[];
  readonly labelNoise: number;
  readonly definitions: typeof DEFINITIONS;
  readonly groups: readonly GroupAgainstTruth[];
  /** Per method: whether it recovers the planted difference (null for the reference). */
  readonly recovers: { readonly [model: string]: boolean | null };
}

const minus = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a - b);

const methodRow = (doc: SubgroupMetricsDoc, truth: TruthGroup, group: string, model: string, reference: string): MethodAgainstTruth => {
  const r = doc.results.find((x) => x.model === model && x.group === group)!;
  const acc: Estimate = r.metrics.accuracy;
  const refAcc = doc.results.find((x) => x.model === reference && x.group === group)!.metrics.accuracy.estimate;
  const refRegret = minus(truth.bayesAccuracy, refAcc);
  const gapClosed =
    truth.planted && model !== reference && refRegret !== null && refRegret > NO_GAP && acc.estimate !== null && refAcc !== null ? (acc.estimate - refAcc) / refRegret : null;
  return {
    model,
    accuracy: acc.estimate,
    accuracyInterval: acc.interval,
    auroc: r.metrics.auroc.estimate,
    accuracyRegret: minus(truth.bayesAccuracy, acc.estimate),
    aurocRegret: minus(truth.bayesAuroc, r.metrics.auroc.estimate),
    gapClosed,
    basis: acc.basis,
  };
};

/** The comparison of an evaluation with the truth (see the module comment). */
export const againstTruth = (doc: SubgroupMetricsDoc, truth: { readonly groups: readonly TruthGroup[]; readonly labelNoise: number }, subgroup: string, fail: (field: string, problem: string) => never): AgainstTruthDoc => {
  const reference = doc.params.reference;
  if (reference === null) fail("inputs.evaluation", "the evaluation has no reference model; pass reference: <the generic model> to evaluate.subgroup-metrics");
  const groups = doc.groups.filter((g) => g !== "overall");
  for (const g of groups) {
    if (!truth.groups.some((t) => t.level === g)) {
      fail("params.subgroup", `the evaluation's group ${JSON.stringify(g)} is not a level of ${JSON.stringify(subgroup)} in the truth document (${truth.groups.map((t) => t.level).join(", ")}); evaluate by the subgroup column the cohort was planted with`);
    }
  }
  const rows = groups.map((group): GroupAgainstTruth => {
    const t = truth.groups.find((x) => x.level === group)!;
    return {
      group,
      planted: t.planted,
      cohortN: t.n,
      testN: doc.sizes.find((s) => s.group === group)!.testN,
      bayesAccuracy: t.bayesAccuracy,
      bayesAuroc: t.bayesAuroc,
      methods: doc.models.map((m) => methodRow(doc, t, group, m, reference)),
    };
  });
  const planted = rows.filter((r) => r.planted);
  const recovers = Object.fromEntries(
    doc.models.map((m) => [
      m,
      m === reference || planted.length === 0
        ? null
        : planted.every((r) => {
            const row = r.methods.find((x) => x.model === m)!;
            return row.accuracyInterval !== null && row.accuracyInterval[1] >= r.bayesAccuracy;
          }),
    ]),
  );
  return { format: AGAINST_TRUTH_FORMAT, subgroup, reference, models: doc.models, labelNoise: truth.labelNoise, definitions: DEFINITIONS, groups: rows, recovers };
};

const readEvaluation = (value: unknown, fail: (problem: string) => never): SubgroupMetricsDoc => {
  const v = value as Partial<SubgroupMetricsDoc> | null;
  if (v === null || typeof v !== "object" || v.format !== "strata-metrics/1" || v.metric !== "subgroup-metrics" || !Array.isArray(v.results)) {
    fail("expected the metrics of evaluate.subgroup-metrics (format strata-metrics/1, metric subgroup-metrics)");
  }
  return v as SubgroupMetricsDoc;
};

export const againstTruthStep = defineStep({
  kind: "evaluate.against-truth",
  module: import.meta.url,
  params: Params,
  inputs: { truth: "metrics", evaluation: "metrics" },
  outputs: { comparison: "metrics" },
  run: (inputs, params, ctx) => {
    const doc = readEvaluation(inputs.evaluation.json(), (problem) => ctx.fail("inputs.evaluation", problem));
    const truth = readTruthGroups(inputs.truth.json(), params.subgroup, (field, problem) => ctx.fail(field, problem));
    const comparison = againstTruth(doc, truth, params.subgroup, (field, problem) => ctx.fail(field, problem));
    ctx.log(`${comparison.groups.length} groups, ${comparison.groups.filter((g) => g.planted).length} planted; recovers: ${Object.entries(comparison.recovers).map(([m, r]) => `${m} ${r}`).join(", ")}`);
    return { comparison: comparison as never };
  },
});

/** e.g. evaluateAgainstTruth(cohort.truth, metrics, { subgroup: "group" }, { id: "against-truth" }). */
export const evaluateAgainstTruth = (truth: MetricsHandle, evaluation: MetricsHandle, params: { readonly subgroup: string }, options?: NodeOptions): MetricsHandle =>
  addNode(truth.study, againstTruthStep, { truth, evaluation }, params, options).metrics("comparison");
