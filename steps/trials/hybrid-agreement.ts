/**
 * The statistics of the hybrid check (trial.hybrid), on typed columns and a list of row indices (one group's
 * people), each summing in index order so equal inputs give bit-identical outputs:
 *   - Cohen's kappa on two raters' binary decisions, with the large-sample standard error of Fleiss, Cohen &
 *     Everitt (Psychological Bulletin 1969), the one statsmodels' cohens_kappa reports as std_kappa;
 *   - a least-squares line of y on x (the calibration of N-of-1 benefit on predicted benefit);
 *   - equal-count bins of x (ties kept in row order), with the mean x, mean y and share of y > 0 per bin.
 */
import { normalQuantile } from "../evaluate/wilson.js";

export interface KappaEstimate {
  readonly kappa: number | null;
  readonly se: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
}

/**
 * Cohen's kappa of two binary raters from their 2 × 2 table `counts[a][b]` (a: rater one's decision, b: rater
 * two's): κ = (p_o − p_e) / (1 − p_e), p_e = Σ_k p_k· p_·k. Var(κ) (Fleiss, Cohen & Everitt 1969) =
 *   [Σ_i p_ii (1 − (p_i· + p_·i)(1 − κ))² + (1 − κ)² Σ_{i≠j} p_ij (p_·i + p_j·)² − (κ − p_e (1 − κ))²] / (n (1 − p_e)²).
 * The interval is κ ± z·se, z the normal quantile at 1 − (1 − level)/2. All null when p_e = 1 (both raters gave
 * one decision to everyone: agreement beyond chance is undefined) or n = 0.
 */
export const cohenKappa = (counts: readonly (readonly [number, number])[], level: number): KappaEstimate => {
  const none = { kappa: null, se: null, lower: null, upper: null };
  const n = counts[0]![0] + counts[0]![1] + counts[1]![0] + counts[1]![1];
  if (n === 0) return none;
  const p = counts.map((row) => row.map((c) => c / n));
  const rowShare = [p[0]![0]! + p[0]![1]!, p[1]![0]! + p[1]![1]!];
  const colShare = [p[0]![0]! + p[1]![0]!, p[0]![1]! + p[1]![1]!];
  const observed = p[0]![0]! + p[1]![1]!;
  const expected = rowShare[0]! * colShare[0]! + rowShare[1]! * colShare[1]!;
  if (expected >= 1) return none;
  const kappa = (observed - expected) / (1 - expected);
  let diagonal = 0;
  let offDiagonal = 0;
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      if (i === j) diagonal += p[i]![i]! * (1 - (rowShare[i]! + colShare[i]!) * (1 - kappa)) ** 2;
      else offDiagonal += p[i]![j]! * (colShare[i]! + rowShare[j]!) ** 2;
    }
  }
  const variance = (diagonal + (1 - kappa) ** 2 * offDiagonal - (kappa - expected * (1 - kappa)) ** 2) / ((1 - expected) ** 2 * n);
  const se = Math.sqrt(Math.max(0, variance));
  const z = normalQuantile(1 - (1 - level) / 2);
  return { kappa, se, lower: kappa - z * se, upper: kappa + z * se };
};

export interface LeastSquaresLine {
  readonly slope: number | null;
  readonly intercept: number | null;
  /** The slope's usual OLS standard error, √(s² / Sxx) with s² = RSS / (n − 2); null for n < 3. */
  readonly slopeSe: number | null;
  /** Pearson's r; null when x or y is constant. */
  readonly correlation: number | null;
}

/** The least-squares line of y on x over `rows`; slope and intercept null when x is constant or n < 2. */
export const leastSquaresLine = (x: Float64Array, y: Float64Array, rows: Int32Array): LeastSquaresLine => {
  const n = rows.length;
  let sx = 0;
  let sy = 0;
  for (const r of rows) {
    sx += x[r]!;
    sy += y[r]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const r of rows) {
    const dx = x[r]! - mx;
    const dy = y[r]! - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (n < 2 || !(sxx > 0)) return { slope: null, intercept: null, slopeSe: null, correlation: null };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let rss = 0;
  for (const r of rows) rss += (y[r]! - intercept - slope * x[r]!) ** 2;
  return {
    slope,
    intercept,
    slopeSe: n < 3 ? null : Math.sqrt(rss / (n - 2) / sxx),
    correlation: syy > 0 ? sxy / Math.sqrt(sxx * syy) : null,
  };
};

export interface CalibrationBinSummary {
  /** 1-based, by ascending x. */
  readonly bin: number;
  readonly n: number;
  readonly xMin: number;
  readonly xMax: number;
  readonly meanX: number;
  readonly meanY: number;
  /** Share of the bin's rows with y > 0. */
  readonly sharePositive: number;
}

/**
 * `bins` bins of (about) equal count by ascending x: row i of the sorted order goes to bin ⌊i · bins / n⌋ + 1, ties
 * in x kept in `rows` order; fewer bins when there are fewer rows than bins.
 */
export const equalCountBins = (x: Float64Array, y: Float64Array, rows: Int32Array, bins: number): CalibrationBinSummary[] => {
  const sorted = Int32Array.from(rows).sort((a, b) => x[a]! - x[b]! || a - b);
  const n = sorted.length;
  const count = Math.min(bins, n);
  const out: CalibrationBinSummary[] = [];
  for (let b = 0; b < count; b++) {
    const from = Math.ceil((b * n) / count);
    const to = Math.ceil(((b + 1) * n) / count);
    let sx = 0;
    let sy = 0;
    let positive = 0;
    for (let i = from; i < to; i++) {
      const r = sorted[i]!;
      sx += x[r]!;
      sy += y[r]!;
      if (y[r]! > 0) positive++;
    }
    const size = to - from;
    out.push({ bin: b + 1, n: size, xMin: x[sorted[from]!]!, xMax: x[sorted[to - 1]!]!, meanX: sx / size, meanY: sy / size, sharePositive: positive / size });
  }
  return out;
};
