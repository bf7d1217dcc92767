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
import { asStoredJson } from "../../../dsl/step.js";
import type { Labels } from "../labels.js";
import { METRIC_INFO } from "../metrics/registry.js";
import { rarityCells, rarityDefinitionText } from "../prevalence-utility-rarity.js";
import { OUR_DEFINITION } from "../rare-cases.js";
import { calibrationCurves, groupComparisons, groupSizes, metricResults, referenceGains } from "./aggregate.js";
import type { HarmEntry, ModelPredictions, NetBenefit, ReplicateEntry, SubgroupMetricsDoc, SubgroupMetricsParams } from "./document.js";
import { type GroupLayout, layoutGroups } from "./groups.js";
import { adjustAcrossSubgroups, harmCells, harmRule, harmTest } from "./harm-tests.js";
import { rareCases } from "./rare-cases.js";
import { type Pairing, type Scoring, bootstrapInterval, bootstrapResamples, pairWithReference, prepareScoring, scoresOf, seriesWidth } from "./scoring.js";
import { netBenefitCurves } from "./net-benefit.js";

export interface EvaluationInput {
  readonly labels: Labels;
  readonly models: readonly ModelPredictions[];
  readonly digests: SubgroupMetricsDoc["inputs"];
}

/** Everything the units read, prepared once per thread from the inputs alone. */
export interface Evaluation {
  readonly input: EvaluationInput;
  readonly params: SubgroupMetricsParams;
  readonly layout: GroupLayout;
  readonly pairing: Pairing;
  readonly scoring: Scoring;
  readonly units: readonly EvaluationUnit[];
}

/**
 * The independent parts of the work, each with its own random stream: chunks of bootstrap resamples, then one harm
 * test per candidate model × group. Their boundaries depend on the params and inputs only, never on how many cores
 * or workers run them, so the document's bytes do not either.
 */
export type EvaluationUnit =
  | { readonly kind: "resamples"; readonly from: number; readonly to: number }
  | { readonly kind: "harm"; readonly cell: readonly [number, number] }
  | { readonly kind: "net-benefit" };

/**
 * What a unit returns, as JSON: a chunk's bootstrap series (float64, little-endian, base64: exact), a harm test, or
 * the decision curves (which redraw the same "bootstrap" resamples from the start of the stream).
 */
export type EvaluationUnitResult = { readonly series: string } | { readonly harm: HarmEntry } | { readonly netBenefit: NetBenefit };

/**
 * The bootstrap's resamples come in this many chunks (fewer when there are fewer resamples). Each chunk skips the
 * stream's draws of the chunks before it (cheap next to scoring them), so more chunks cost more of that.
 */
const RESAMPLE_CHUNKS = 8;

const resampleChunks = (resamples: number): EvaluationUnit[] => {
  const size = Math.ceil(resamples / RESAMPLE_CHUNKS);
  const chunks: EvaluationUnit[] = [];
  for (let from = 0; from < resamples; from += size) chunks.push({ kind: "resamples", from, to: Math.min(resamples, from + size) });
  return chunks;
};

export const prepareEvaluation = (input: EvaluationInput, params: SubgroupMetricsParams): Evaluation => {
  const layout = layoutGroups(input.labels, input.models, params.rareBelow);
  const pairing = pairWithReference(input.models, params.reference);
  const scoring = prepareScoring(layout, input.labels, input.models, pairing, params);
  const units = [
    ...resampleChunks(params.resamples),
    ...harmCells(layout, pairing).map((cell): EvaluationUnit => ({ kind: "harm", cell })),
    ...(params.netBenefit === undefined ? [] : [{ kind: "net-benefit" } as const]),
  ];
  return { input, params, layout, pairing, scoring, units };
};

const encodeSeries = (series: Float64Array): string => {
  const view = new DataView(new ArrayBuffer(series.length * 8));
  for (let i = 0; i < series.length; i++) view.setFloat64(i * 8, series[i]!, true);
  return Buffer.from(view.buffer).toString("base64");
};

const decodeSeries = (text: string, into: Float64Array, at: number): void => {
  const bytes = Buffer.from(text, "base64");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < bytes.byteLength / 8; i++) into[at + i] = view.getFloat64(i * 8, true);
};

export const runEvaluationUnit = (evaluation: Evaluation, index: number, randomStream: (stream: string) => () => number): EvaluationUnitResult => {
  const unit = evaluation.units[index]!;
  if (unit.kind === "resamples") return { series: encodeSeries(bootstrapResamples(evaluation.scoring, unit.from, unit.to, randomStream("bootstrap"))) };
  const { layout, input, pairing, params } = evaluation;
  if (unit.kind === "net-benefit") {
    const intervalOf = (series: readonly number[]) => bootstrapInterval(series, params.resamples, params.level);
    return { netBenefit: netBenefitCurves(layout, input.labels, input.models, params.netBenefit!.thresholds, params, intervalOf, randomStream("bootstrap")) };
  }
  return { harm: harmTest(layout, input.labels, input.models, pairing, params, unit.cell, randomStream) };
};

/** The document, from every unit's result in unit order. */
export const finishEvaluation = (evaluation: Evaluation, results: readonly EvaluationUnitResult[]): SubgroupMetricsDoc => {
  const { input, params, layout, pairing, scoring } = evaluation;
  const { labels, models } = input;
  const { minCell, level } = params;
  const width = seriesWidth(scoring);
  const series = new Float64Array(params.resamples * width);
  const harm: HarmEntry[] = [];
  let netBenefit: NetBenefit | undefined;
  evaluation.units.forEach((unit, i) => {
    const result = results[i]!;
    if (unit.kind === "resamples") decodeSeries((result as { series: string }).series, series, unit.from * width);
    else if (unit.kind === "harm") harm.push((result as { harm: HarmEntry }).harm);
    else netBenefit = (result as { netBenefit: NetBenefit }).netBenefit;
  });
  const scores = scoresOf(scoring, series);

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
    harm: adjustAcrossSubgroups(harm, params),
    harmRule: harmRule(params),
    rareCases: rareCases(layout, labels.groups, models, scores, params),
    perReplicate,
    ...(netBenefit === undefined ? {} : { netBenefit }),
    ...(params.rarity === undefined
      ? {}
      : {
          prevalenceUtilityRarity: {
            definition: OUR_DEFINITION,
            note: rarityDefinitionText(params.rarity),
            prevalenceBelow: params.rarity.prevalenceBelow,
            utilityAbove: params.rarity.utilityAbove,
            cells: rarityCells(params.rarity, labels.groups, labels.group, labels.y),
          },
        }),
  };
};

/**
 * The whole evaluation in this thread, every unit in order, their results as the step stores them (the step runs
 * the same units, possibly elsewhere).
 */
export const computeSubgroupMetrics = (
  input: EvaluationInput,
  params: SubgroupMetricsParams,
  /** A seeded stream by name (ctx.random in the step). */
  randomStream: (stream: string) => () => number,
): SubgroupMetricsDoc => {
  const evaluation = prepareEvaluation(input, params);
  return finishEvaluation(evaluation, evaluation.units.map((_, i) => asStoredJson(runEvaluationUnit(evaluation, i, randomStream)) as EvaluationUnitResult));
};
