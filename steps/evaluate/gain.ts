/**
 * Gain of a model over a reference model (e.g. a personalized model over the generic one), paired by replicate
 * (same seed, same fold): per replicate, the improvement in the metric, then mean and sample sd across the
 * replicates both models have ("Personalization without harm": Δ_g = R_g(h0) − R_g(h) for a risk R; with
 * accuracy, acc_g(h) − acc_g(h0)). For a metric where lower is better (Brier, log loss, ECE) the sign is flipped,
 * so a positive gain always means the model did better than the reference.
 */
import { mean, sampleSd } from "./statistics.js";

export interface ReplicateGain {
  readonly replicate: number;
  readonly gain: number;
}

export interface PairedGain {
  readonly perReplicate: readonly ReplicateGain[];
  /** null when no replicate has both values. */
  readonly mean: number | null;
  readonly sd: number | null;
  /** Share of paired replicates whose gain is below zero (the model did worse); null without pairs. */
  readonly fractionNegative: number | null;
}

/** The improvement of `value` over `reference` for one metric. */
export const gainOf = (value: number, reference: number, higherIsBetter: boolean): number => (higherIsBetter ? value - reference : reference - value);

export const pairedGain = (
  model: ReadonlyMap<number, number | null>,
  reference: ReadonlyMap<number, number | null>,
  higherIsBetter: boolean,
): PairedGain => {
  const perReplicate: ReplicateGain[] = [];
  for (const replicate of [...model.keys()].sort((a, b) => a - b)) {
    const v = model.get(replicate);
    const r = reference.get(replicate);
    if (v === null || v === undefined || r === null || r === undefined || Number.isNaN(v) || Number.isNaN(r)) continue;
    perReplicate.push({ replicate, gain: gainOf(v, r, higherIsBetter) });
  }
  const gains = perReplicate.map((g) => g.gain);
  return {
    perReplicate,
    mean: mean(gains),
    sd: sampleSd(gains),
    fractionNegative: gains.length === 0 ? null : gains.filter((g) => g < 0).length / gains.length,
  };
};
