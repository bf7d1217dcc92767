/**
 * A gain interval that also covers the test patients (ours): the seeds' t interval treats the query set as fixed,
 * but a site's test part is itself a sample. For a metric that is a mean over patients (Brier, accuracy), the gain
 * over the reference is a mean of per-(seed, patient) gains G[s, i]; seeds and patients are crossed (every seed
 * scores every patient), so the bootstrap resamples them independently (the two-way "pigeonhole" bootstrap, Owen
 * 2007, "The pigeonhole bootstrap", Annals of Applied Statistics 1(2)): each resample draws S seeds and, within each
 * class, the site's patients with replacement, and takes Σ_s Σ_i c_s c_i G[s, i] / (S · Q). Percentile interval
 * (bootstrap.ts). Draws come from the one stream given, seeds first, so the interval is the same in any process.
 */
import { METRIC_BY_NAME } from "../metrics/registry.js";
import { percentileInterval, stratifiedSampler } from "../bootstrap.js";
import type { SummaryMetric } from "./summary.js";

/** The per-patient term whose mean is the metric, for the metrics that are means over patients. */
const PATIENT_TERMS: Partial<Record<SummaryMetric, (label: number, prob: number, threshold: number) => number>> = {
  brier: (y, p) => (p - y) ** 2,
  accuracy: (y, p, t) => ((p >= t ? 1 : 0) === y ? 1 : 0),
};

export const hasPatientTerms = (metric: SummaryMetric): boolean => PATIENT_TERMS[metric] !== undefined;

/**
 * The crossed-bootstrap percentile interval of the mean gain of `model` over `reference`, given each seed's
 * probabilities on the same query rows (seeds where either is undefined are left out); null when the metric is not
 * a mean over patients or fewer than two seeds remain.
 */
export const crossedGainInterval = (
  metric: SummaryMetric,
  labels: readonly number[],
  model: readonly (readonly number[] | null)[],
  reference: readonly (readonly number[] | null)[],
  options: { readonly threshold: number; readonly level: number; readonly resamples: number },
  random: () => number,
): readonly [number, number] | null => {
  const term = PATIENT_TERMS[metric];
  if (term === undefined) return null;
  const sign = METRIC_BY_NAME[metric].higherIsBetter ? 1 : -1;
  const pairs = model.flatMap((m, s) => (m === null || reference[s] === null ? [] : [[m, reference[s]!] as const]));
  const seeds = pairs.length;
  const patients = labels.length;
  if (seeds < 2 || patients === 0) return null;
  const gains = new Float64Array(seeds * patients);
  pairs.forEach(([m, r], s) => {
    for (let i = 0; i < patients; i++) gains[s * patients + i] = sign * (term(labels[i]!, m[i]!, options.threshold) - term(labels[i]!, r[i]!, options.threshold));
  });
  const drawSeeds = stratifiedSampler(new Array<string>(seeds).fill(""));
  const drawPatients = stratifiedSampler(labels.map(String));
  const seedCounts = new Int32Array(seeds);
  const patientCounts = new Int32Array(patients);
  const means = new Array<number>(options.resamples);
  for (let b = 0; b < options.resamples; b++) {
    drawSeeds(random, seedCounts);
    drawPatients(random, patientCounts);
    let sum = 0;
    for (let s = 0; s < seeds; s++) {
      if (seedCounts[s] === 0) continue;
      let row = 0;
      for (let i = 0; i < patients; i++) row += patientCounts[i]! * gains[s * patients + i]!;
      sum += seedCounts[s]! * row;
    }
    means[b] = sum / (seeds * patients);
  }
  return percentileInterval(means, options.level);
};
