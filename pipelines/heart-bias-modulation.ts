/**
 * Conditional bias modulation vs DCP vs Generic on heart disease (UCI Cleveland): a replication of Table 1 of
 * "Towards personalized healthcare without harm via bias modulation" (SCSL @ ICLR 2025, CC BY 4.0; docs/references.md).
 *
 * Protocol: the heart-disease study's own ingest, preprocessing, subgroups (age < 60 young / >= 60 old × sex), 80:20
 * stratified holdout and five-fold CV × seeds 1..5 (pipelines/heart-common.ts: the same nodes, so a store that ran
 * heart-disease.ts serves them by cache hit). Each of the 25 replicates trains on four folds, early-stops on the
 * fifth and is scored on the same holdout (8 / 11 / 11 / 30 test people in old_female / old_male / young_female /
 * young_male; the paper reports 8 / 11 / 12 / 30).
 *
 * Models, all with the paper's label predictor (6 × 64 blocks of Linear → BatchNorm → ReLU → Dropout 0.2, Adam 1e-3,
 * early stopping; at most 100 epochs, batches of 32, patience 10, which the paper does not give):
 * - Generic: train.mlp with those settings (the label predictor with no bias; no separate module).
 * - DCP: train.dcp, one label predictor per subgroup, trained and tested on that subgroup only, plus cross
 *   predictions for the envy-freeness check.
 * - Cond. bias: train.conditional-bias with K = 1. Its label predictor shares Generic's initial weights, batch order
 *   and dropout masks (same node seed, same streams), so the gain isolates the bias modulation.
 *
 * Reports: "report" is Table 1 in the paper's format beside the published numbers (report.personalization);
 * "report-depth" is the depth evaluation of the same predictions (evaluate.subgroup-metrics, report.evaluation:
 * HTML, Markdown and JSON), with Generic as the reference and DCP's envy-freeness.
 *
 * DEVIATION FROM THE PAPER, declared on the plan (StudyGraph.deviate, HEART_BIAS_MODULATION.deviations) so every
 * report's Methods section prints it with the planned value: the attribute predictor here is 6 × 64, not the paper's 50 × 64
 * ("as written"). The step's default stays 50 × 64. Measured on this 2-core machine, 50 × 64 costs about 45 s of CPU per
 * replicate (about 19 min for the 25 replicates on top of everything else), and in that configuration the attribute
 * predictor does not learn the subgroup at all (valid accuracy 0.50 in replicate 0, the share of the largest group,
 * against 0.94 at 6 × 64), so its "embedding" carries no group information. bench/RESULTS-heart-bias-modulation.md
 * reports a run with the paper's 50 × 64 as well.
 *
 * minCell is 5, not the default 10: old_female has 8 test people, and with 10 its row (the subgroup the paper's
 * claim is most about) would be suppressed. The data are the public, de-identified UCI Cleveland file; the report
 * prints only aggregate accuracies, never rows; the paper itself prints these cells. 5 still suppresses any smaller cell.
 */
import { study } from "../dsl/study.js";
import { evaluateSubgroupMetrics } from "../steps/evaluate/subgroup-metrics.js";
import { reportEvaluation } from "../steps/report/evaluation-report.js";
import { reportPersonalization } from "../steps/report/personalization-report.js";
import type { MlpHyperparameters } from "../steps/train/mlp-toolkit.js";
import { LABEL_PREDICTOR_DEFAULTS } from "../steps/train/personalization-shared.js";
import type { StudyGraph } from "../dsl/study.js";
import { FEATURES, heartCleveland } from "./heart-common.js";
import { SEED_METHOD_NAMES, type SeedMethodSettings, seedMethods } from "./seed-methods.js";

/** Table 1 of the paper (heart test set, accuracy %, mean ± sd), as published; see docs/references.md. */
export const PAPER_TABLE_1 = {
  source: "Towards personalized healthcare without harm via bias modulation, SCSL @ ICLR 2025, Table 1",
  claimFor: "cond-bias",
  rows: [
    {
      group: "old_female",
      n: 8,
      accuracy: { "cond-bias": { mean: 64.5, sd: 16.81 }, dcp: { mean: 52.5, sd: 14.6 }, generic: { mean: 44.0, sd: 36.47 } },
      gain: { "cond-bias": { mean: 20.5, sd: 34.39 }, dcp: { mean: 8.5, sd: 19.79 } },
    },
    {
      group: "old_male",
      n: 11,
      accuracy: { "cond-bias": { mean: 61.39, sd: 21.46 }, dcp: { mean: 69.1, sd: 14.8 }, generic: { mean: 54.55, sd: 10.34 } },
      gain: { "cond-bias": { mean: 6.84, sd: 17.48 }, dcp: { mean: 14.55, sd: 4.46 } },
    },
    {
      group: "young_female",
      n: 12,
      accuracy: { "cond-bias": { mean: 84.31, sd: 11.08 }, dcp: { mean: 76.7, sd: 9.7 }, generic: { mean: 68.19, sd: 16.18 } },
      gain: { "cond-bias": { mean: 16.12, sd: 10.0 }, dcp: { mean: 8.51, sd: 6.48 } },
    },
    {
      group: "young_male",
      n: 30,
      accuracy: { "cond-bias": { mean: 76.03, sd: 4.53 }, dcp: { mean: 54.7, sd: 7.2 }, generic: { mean: 69.96, sd: 10.51 } },
      gain: { "cond-bias": { mean: 6.07, sd: 13.26 }, dcp: { mean: -15.26, sd: 3.31 } },
    },
  ],
};

/** The attribute predictor this pipeline uses (see DEVIATION above): the label predictor's size, 6 × 64. */
export const ATTRIBUTE_PREDICTOR: Partial<MlpHyperparameters> = { layers: [64, 64, 64, 64, 64, 64] };

export interface HeartBiasModulationSettings extends SeedMethodSettings {
  readonly minCell: number;
  readonly notes: readonly string[];
}

export const HEART_BIAS_MODULATION: HeartBiasModulationSettings = {
  label: LABEL_PREDICTOR_DEFAULTS,
  attribute: ATTRIBUTE_PREDICTOR,
  k: 1,
  minCell: 5,
  notes: [
    "Label predictor of all three methods (the paper's): 6 × 64 blocks of Linear → BatchNorm → ReLU → Dropout 0.2, Adam lr 0.001, early stopping on the replicate's validation fold (at most 100 epochs, batches of 32, patience 10: not given by the paper). Generic is that network with no bias; DCP trains one per subgroup on that subgroup only; conditional bias adds K = 1 bias vector to the pre-activation (after BatchNorm, before ReLU) of its last block and starts from Generic's initial weights.",
    "minCell is 5 rather than 10 so that old_female (8 test people, as in the paper) is shown: public de-identified data, aggregate accuracies only.",
    "Features: all 13 Cleveland features, including age and sex, which define the subgroups (as in the heart-disease study).",
  ],
  deviations: [
    {
      node: "train-cond-bias",
      param: "attribute.layers",
      protocol: "50 × 64 for the sensitive-attribute predictor (as written in the paper)",
      reason:
        "at 50 × 64 it costs about 45 s of CPU per replicate here and does not learn the subgroup (validation accuracy 0.50 against 0.94 at 6 × 64); bench/RESULTS-heart-bias-modulation.md reports a run with 50 × 64",
    },
  ],
};

/** Builds the study's nodes with the given settings; the default export uses HEART_BIAS_MODULATION. */
export const buildHeartBiasModulation = (s: StudyGraph, settings: HeartBiasModulationSettings): void => {
  // ingest .. cv: shared with heart-disease.ts (same nodes, same cache keys)
  const { groups, folds } = heartCleveland(s);
  const common = { features: FEATURES, target: "target" } as const;

  const { generic, dcp, condBias, metrics } = seedMethods(s, groups.table, folds, common, settings);
  reportPersonalization(
    metrics,
    groups.counts,
    {
      title: "Heart disease (UCI Cleveland): conditional bias modulation vs DCP vs Generic",
      minCell: settings.minCell,
      names: SEED_METHOD_NAMES,
      notes: settings.notes,
      published: PAPER_TABLE_1,
    },
    { id: "report" },
  );

  // The depth evaluation beside the paper's table: every metric per subgroup with intervals, calibration, harm tests
  // of each method against Generic, rare subgroups (under 15% of the cohort; our definition) and DCP's envy-freeness
  // from the personalization metrics. Added after "report" so that the plan graph drawn in this report holds every
  // node; the nodes above keep their params and cache keys.
  const depth = evaluateSubgroupMetrics(
    groups.table,
    { generic: generic.predictions, dcp: dcp.predictions, "cond-bias": condBias.predictions },
    { target: "target", subgroup: "subgroup", reference: "generic", rareBelow: 0.15, minCell: settings.minCell },
    { id: "evaluate-depth" },
  );
  reportEvaluation(
    depth,
    { title: "Heart disease (UCI Cleveland): Generic, DCP and conditional bias by subgroup", personalization: metrics },
    { id: "report-depth" },
  );
};

export default study("heart-bias-modulation", (s) => buildHeartBiasModulation(s, HEART_BIAS_MODULATION));
