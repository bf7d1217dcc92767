/**
 * Decision curve analysis per model × group (metrics/net-benefit.ts): for every replicate, the net benefit of
 * the model and of treating everyone on that replicate's test rows of the group, at each declared threshold;
 * the estimate is the mean over replicates with the sd across them, like every metric of the document.
 *
 * Intervals come from the evaluation's own resamples: the same stratified sampler (bootstrap.ts) over the same
 * strata and the same "bootstrap" stream as scoring.ts, so resample b here is resample b of every metric.
 */
import { stratifiedSamplerOfCodes } from "../bootstrap.js";
import type { Labels } from "../labels.js";
import { bucketDecisionCurve, type DecisionCurve, thresholdBucket } from "../metrics/net-benefit.js";
import { mean, sampleSd } from "../statistics.js";
import type { Estimate, Interval, ModelPredictions, NetBenefit } from "./document.js";
import { type GroupLayout, populationStrata } from "./groups.js";
import { forEachScored } from "./replicate-scores.js";

export const NET_BENEFIT_DEFINITION =
  "NB(t) = TP/n − FP/n · t/(1 − t) (Vickers & Elkin 2006), treating those with P(y = 1) ≥ t; treat none has NB = 0, treat all has TP = positives and FP = negatives";

/** One replicate's evaluated people: index in the population, label, own subgroup (index in layout.groups), threshold bucket. */
interface PreparedReplicate {
  readonly person: Int32Array;
  readonly y: Uint8Array;
  readonly subgroup: Int32Array;
  readonly bucket: Int32Array;
}

const prepare = (layout: GroupLayout, labels: Labels, models: readonly ModelPredictions[], thresholds: readonly number[]): PreparedReplicate[][] =>
  models.map((m) =>
    m.replicates.map((rep) => {
      const n = rep.rows.length;
      const prepared = { person: new Int32Array(n), y: new Uint8Array(n), subgroup: new Int32Array(n), bucket: new Int32Array(n) };
      let k = 0;
      forEachScored(rep, layout.population, (i, r, prob) => {
        prepared.person[k] = i;
        prepared.y[k] = labels.y[r]!;
        prepared.subgroup[k] = layout.subgroupOfRow[r]!;
        prepared.bucket[k++] = thresholdBucket(prob, thresholds);
      });
      return prepared;
    }),
  );

/** [model][group][replicate]: the decision curve on one sample (a weight per population person), null without weight. */
const curvesOf = (prepared: readonly PreparedReplicate[][], groupCount: number, T: number, weights: ArrayLike<number>, thresholds: readonly number[]) =>
  prepared.map((reps) => {
    const perGroup: (DecisionCurve | null)[][] = Array.from({ length: groupCount }, () => []);
    for (const rep of reps) {
      const positives = new Float64Array(groupCount * (T + 1));
      const negatives = new Float64Array(groupCount * (T + 1));
      for (let i = 0; i < rep.person.length; i++) {
        const w = weights[rep.person[i]!]!;
        if (w === 0) continue;
        const into = rep.y[i] === 1 ? positives : negatives;
        const b = rep.bucket[i]!;
        into[b] = into[b]! + w;
        const own = rep.subgroup[i]! * (T + 1) + b;
        into[own] = into[own]! + w;
      }
      for (let g = 0; g < groupCount; g++) {
        perGroup[g]!.push(bucketDecisionCurve(positives.subarray(g * (T + 1), (g + 1) * (T + 1)), negatives.subarray(g * (T + 1), (g + 1) * (T + 1)), thresholds));
      }
    }
    return perGroup;
  });

const meanAt = (curves: readonly (DecisionCurve | null)[], pick: (c: DecisionCurve) => number): number => mean(curves.flatMap((c) => (c === null ? [] : [pick(c)]))) ?? Number.NaN;

export const netBenefitCurves = (
  layout: GroupLayout,
  labels: Labels,
  models: readonly ModelPredictions[],
  thresholds: readonly number[],
  params: { readonly resamples: number; readonly minCell: number },
  intervalOf: (series: readonly number[]) => Interval,
  random: () => number,
): NetBenefit => {
  const G = layout.groups.length;
  const T = thresholds.length;
  const prepared = prepare(layout, labels, models, thresholds);
  const point = curvesOf(prepared, G, T, new Int32Array(layout.population.length).fill(1), thresholds);
  const strata = populationStrata(layout, labels);
  const draw = stratifiedSamplerOfCodes(strata.codes, strata.codeCount);
  const weights = new Int32Array(layout.population.length);
  // [model][group][threshold] per resample: the mean over replicates of the model's and treat-all's NB.
  const bootModel: Float64Array[] = [];
  const bootAll: Float64Array[] = [];
  const slot = (mi: number, g: number, k: number) => (mi * G + g) * T + k;
  for (let b = 0; b < params.resamples; b++) {
    draw(random, weights);
    const curves = curvesOf(prepared, G, T, weights, thresholds);
    const m = new Float64Array(models.length * G * T);
    const a = new Float64Array(models.length * G * T);
    curves.forEach((perGroup, mi) =>
      perGroup.forEach((reps, g) => {
        for (let k = 0; k < T; k++) {
          m[slot(mi, g, k)] = meanAt(reps, (c) => c.model[k]!);
          a[slot(mi, g, k)] = meanAt(reps, (c) => c.treatAll[k]!);
        }
      }),
    );
    bootModel.push(m);
    bootAll.push(a);
  }
  const basisOf = (mi: number, g: number): number => {
    const counts = prepared[mi]!.map((rep) => rep.subgroup.reduce((n, s) => n + (g === 0 || s === g ? 1 : 0), 0)).filter((n) => n > 0);
    return counts.length === 0 ? 0 : Math.min(...counts);
  };
  const estimate = (values: readonly number[], series: readonly number[], basis: number): Estimate => ({
    estimate: mean(values),
    sd: sampleSd(values),
    replicates: values.length,
    interval: intervalOf(series),
    basis,
    suppressed: basis < params.minCell,
  });
  return {
    definition: NET_BENEFIT_DEFINITION,
    thresholds: [...thresholds],
    curves: models.flatMap((model, mi) =>
      layout.groups.map((group, g) => {
        const reps = point[mi]![g]!.filter((c) => c !== null);
        const basis = basisOf(mi, g);
        return {
          model: model.label,
          group,
          points: thresholds.map((threshold, k) => ({
            threshold,
            model: estimate(reps.map((c) => c.model[k]!), bootModel.map((s) => s[slot(mi, g, k)]!), basis),
            treatAll: estimate(reps.map((c) => c.treatAll[k]!), bootAll.map((s) => s[slot(mi, g, k)]!), basis),
          })),
        };
      }),
    ),
  };
};
