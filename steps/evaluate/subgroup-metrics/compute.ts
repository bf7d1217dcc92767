/**
 * The depth evaluation of one or more models' predictions, overall and per subgroup, as one document.
 *
 * For each model × group × replicate (seed × fold) it computes every metric of the registry on that replicate's
 * test rows of the group. A point estimate is the mean over the replicates, with the sample sd across them (the
 * paper's "mean ± sd over 5 seeds × 5 folds"). Uncertainty about the test sample comes from a seeded, stratified,
 * paired bootstrap (scoring.ts): percentile intervals for every metric, gain, group comparison, RCPG and RCCE;
 * proportions also get a Wilson interval. Every value records its basis (the fewest people it was computed on in
 * any replicate) and is flagged suppressed when that basis is below `minCell`; the artifact keeps the full values
 * and the reports print "< minCell" for flagged cells.
 */
import type { Labels } from "../labels.js";
import { METRIC_INFO } from "../metrics/registry.js";
import { rarityCells, rarityDefinitionText } from "../prevalence-utility-rarity.js";
import { OUR_DEFINITION } from "../rare-cases.js";
import { calibrationCurves, groupComparisons, groupSizes, metricResults, referenceGains } from "./aggregate.js";
import type { ModelPredictions, ReplicateEntry, SubgroupMetricsDoc, SubgroupMetricsParams } from "./document.js";
import { layoutGroups } from "./groups.js";
import { harmRule, harmTests } from "./harm-tests.js";
import { netBenefitCurves } from "./net-benefit.js";
import { rareCases } from "./rare-cases.js";
import { pairWithReference, scoreModels } from "./scoring.js";

export interface EvaluationInput {
  readonly labels: Labels;
  readonly models: readonly ModelPredictions[];
  readonly digests: SubgroupMetricsDoc["inputs"];
}

export const computeSubgroupMetrics = (
  input: EvaluationInput,
  params: SubgroupMetricsParams,
  /** A seeded stream by name (ctx.random in the step). */
  randomStream: (stream: string) => () => number,
  progress: (done: number, total: number) => void = () => {},
): SubgroupMetricsDoc => {
  const { labels, models } = input;
  const { minCell, level } = params;
  const layout = layoutGroups(labels, models, params.rareBelow);
  const pairing = pairWithReference(models, params.reference);
  const scores = scoreModels(layout, labels, models, pairing, params, randomStream("bootstrap"), progress);

  const perReplicate: ReplicateEntry[] = [];
  models.forEach((m, mi) =>
    m.replicates.forEach((rep, ri) =>
      layout.groups.forEach((group, gi) => {
        const v = scores.point.values[mi]![gi]![ri];
        if (v === null || v === undefined) return;
        perReplicate.push({ model: m.label, replicate: rep.replicate, seed: rep.seed, fold: rep.fold, group, n: scores.point.basis[mi]![gi]![ri]!.n, values: v });
      }),
    ),
  );

  return {
    format: "strata-metrics/1",
    metric: "subgroup-metrics",
    params: {
      threshold: params.threshold,
      resamples: params.resamples,
      level,
      minCell,
      rareBelow: params.rareBelow,
      alpha: params.alpha,
      adjust: params.adjust,
      reference: params.reference ?? null,
    },
    inputs: input.digests,
    metricInfo: METRIC_INFO,
    models: models.map((m) => m.label),
    groups: layout.groups,
    replicates: Math.max(...models.map((m) => m.replicates.length)),
    sizes: groupSizes(layout, labels, params),
    results: metricResults(layout, models, scores),
    calibration: calibrationCurves(layout, labels, models, minCell),
    comparisons: groupComparisons(layout, labels, models, scores),
    gains: referenceGains(layout, models, pairing, scores, minCell),
    harm: harmTests(layout, labels, models, pairing, params, randomStream),
    harmRule: harmRule(params),
    rareCases: rareCases(layout, labels.groups, models, scores, params),
    perReplicate,
    ...(params.netBenefit === undefined
      ? {}
      : { netBenefit: netBenefitCurves(layout, labels, models, params.netBenefit.thresholds, params, scores.intervalOf, randomStream("bootstrap")) }),
    ...(params.rarity === undefined
      ? {}
      : {
          prevalenceUtilityRarity: {
            definition: OUR_DEFINITION,
            note: rarityDefinitionText(params.rarity),
            prevalenceBelow: params.rarity.prevalenceBelow,
            utilityAbove: params.rarity.utilityAbove,
            cells: rarityCells(params.rarity, labels.group, labels.y),
          },
        }),
  };
};
