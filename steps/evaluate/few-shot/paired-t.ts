/**
 * The paired t summary of a few replicates' differences (e.g. seeds), on the shared Student-t functions
 * (steps/evaluate/distributions.ts).
 */
import { studentTCdf, studentTQuantile } from "../distributions.js";

export interface PairedT {
  readonly n: number;
  readonly mean: number;
  readonly sd: number;
  /**
   * The two-sided (1 − α) t interval of the mean; null when every difference is equal (sd = 0: the replicates do not
   * vary, e.g. nothing random happens at k = 0, so they carry no information about uncertainty).
   */
  readonly interval: readonly [number, number] | null;
  /** One-sided p-value of H0 "mean ≥ 0" against "mean < 0" (harm when the differences are gains); null when sd = 0. */
  readonly pBelowZero: number | null;
}

/** The paired t statistics of differences (n ≥ 2), summed in index order. */
export const pairedT = (differences: readonly number[], alpha = 0.05): PairedT | null => {
  const n = differences.length;
  if (n < 2) return null;
  // Equal differences are tested for exactly: their float mean need not equal them, which would give a tiny sd
  // and a huge t from rounding alone.
  if (differences.every((v) => v === differences[0])) return { n, mean: differences[0]!, sd: 0, interval: null, pBelowZero: null };
  let sum = 0;
  for (const v of differences) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of differences) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const se = sd / Math.sqrt(n);
  const q = studentTQuantile(1 - alpha / 2, n - 1);
  return { n, mean, sd, interval: [mean - q * se, mean + q * se], pBelowZero: studentTCdf(mean / se, n - 1) };
};
