/**
 * Student's t distribution for paired tests over a few replicates (e.g. seeds): the CDF through the regularized
 * incomplete beta function, I_x(a, b) by its continued fraction (Numerical Recipes, 3rd ed., §6.4, Lentz's method),
 * ln Γ by Lanczos' approximation (g = 7, 9 terms), and the quantile by bisection on the CDF. Plain float64 in a
 * fixed order: equal inputs give identical outputs. Checked against scipy.stats.t (test/steps/few-shot-student-t.test.ts).
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

const logGamma = (z: number): number => {
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
  const x = z - 1;
  let a = LANCZOS[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
};

const betaContinuedFraction = (x: number, a: number, b: number): number => {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
};

/** The regularized incomplete beta function I_x(a, b), 0 ≤ x ≤ 1. */
export const regularizedBeta = (x: number, a: number, b: number): number => {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
};

/** P(T ≤ t) for T ~ t(df). */
export const studentTCdf = (t: number, df: number): number => {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
  const t2 = t * t;
  // Near 0, df / (df + t²) rounds to 1; the complementary form keeps the CDF's resolution there.
  const tail = t2 < df ? 0.5 - 0.5 * regularizedBeta(t2 / (df + t2), 0.5, df / 2) : 0.5 * regularizedBeta(df / (df + t2), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
};

/** The p-quantile of t(df), 0 < p < 1: bisection to the float64 resolution of the CDF. */
export const studentTQuantile = (p: number, df: number): number => {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  let lo = -1e6;
  let hi = 1e6;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, Math.abs(lo + hi)); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
};

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
