/**
 * One patient's regression outcome ~ 1 + treatment + day with AR(1) errors (docs/references.md "N-of-1
 * analysis"). The errors e follow e_d = ρ·e_(d−1) + ε_d, ε ~ N(0, σ²), on every calendar day, observed only on the
 * analysed days; between two observations g days apart e_b | e_a ~ N(ρ^g·e_a, σ²(1 − ρ^(2g))/(1 − ρ²)), so
 * washout and missing days are gaps the likelihood spans exactly (the model of statsmodels' SARIMAX(1,0,0) with the
 * gap days as missing values). With β and σ² profiled out the likelihood is a function of ρ alone:
 *   ML:   ℓ(ρ) = −n/2·log(RSS/n) − ½·Σ log w_i,
 *   REML: ℓ_R(ρ) = −(n − 3)/2·log(RSS/(n − 3)) − ½·Σ log w_i − ½·log|X̃ᵀX̃|  (Harville 1974; the default: ML's ρ
 *         is biased toward 0 in short series, which makes the GLS standard error too small),
 * maximized over [−0.999, 0.999] by a 0.1 grid and then Brent's method. The treatment's standard error is the GLS
 * one at the estimated ρ, σ̂² = RSS/(n − 3), with n − 3 degrees of freedom.
 */

const RHO_BOUND = 0.999;
const GRID_STEP = 0.1;
const RHO_TOLERANCE = 1e-10;

/** The fit of one series; effect, se, df and rho are NaN when it cannot be fitted. */
export interface Ar1Fit {
  effect: number;
  se: number;
  df: number;
  rho: number;
}

/** Normal equations of the transformed regression at one ρ, solved; reused across calls. */
class TransformedFit {
  readonly xx = new Float64Array(6);
  readonly xy = new Float64Array(3);
  readonly beta = new Float64Array(3);
  /** Lower Cholesky factor of X̃'X̃ (l00, l10, l11, l20, l21, l22). */
  readonly l = new Float64Array(6);
  yy = 0;
  logW = 0;
  rss = 0;

  /** Accumulates X̃'X̃, X̃'ỹ, ỹ'ỹ and Σ log w at ρ; false when X̃'X̃ is singular. */
  compute(rho: number, y: Float64Array, treat: Float64Array, day: Float64Array, n: number): boolean {
    const xx = this.xx;
    const xy = this.xy;
    xx.fill(0);
    xy.fill(0);
    let yy = 0;
    const oneMinusRho2 = 1 - rho * rho;
    let logW = -Math.log(oneMinusRho2);
    let f = Math.sqrt(oneMinusRho2);
    let a = f;
    let b = f * treat[0]!;
    let c = f * day[0]!;
    let v = f * y[0]!;
    for (let i = 0; ; ) {
      xx[0]! += a * a;
      xx[1]! += b * a;
      xx[2]! += b * b;
      xx[3]! += c * a;
      xx[4]! += c * b;
      xx[5]! += c * c;
      xy[0]! += a * v;
      xy[1]! += b * v;
      xy[2]! += c * v;
      yy += v * v;
      if (++i === n) break;
      const gap = day[i]! - day[i - 1]!;
      // Consecutive days (most of them) have w_i = 1: no power, root or log.
      let r = rho;
      if (gap === 1) {
        f = 1;
      } else {
        r = rho ** gap;
        const ratio = (1 - r * r) / oneMinusRho2;
        logW += Math.log(ratio);
        f = 1 / Math.sqrt(ratio);
      }
      a = f * (1 - r);
      b = f * (treat[i]! - r * treat[i - 1]!);
      c = f * (day[i]! - r * day[i - 1]!);
      v = f * (y[i]! - r * y[i - 1]!);
    }
    this.yy = yy;
    this.logW = logW;
    const l = this.l;
    l[0] = Math.sqrt(xx[0]!);
    l[1] = xx[1]! / l[0]!;
    const d1 = xx[2]! - l[1]! * l[1]!;
    if (!(d1 > 1e-12 * xx[2]!)) return false;
    l[2] = Math.sqrt(d1);
    l[3] = xx[3]! / l[0]!;
    l[4] = (xx[4]! - l[3]! * l[1]!) / l[2]!;
    const d2 = xx[5]! - l[3]! * l[3]! - l[4]! * l[4]!;
    if (!(d2 > 1e-12 * xx[5]!)) return false;
    l[5] = Math.sqrt(d2);
    // Forward then back substitution: L z = X̃'ỹ, Lᵀ β = z.
    const z0 = xy[0]! / l[0]!;
    const z1 = (xy[1]! - l[1]! * z0) / l[2]!;
    const z2 = (xy[2]! - l[3]! * z0 - l[4]! * z1) / l[5]!;
    const beta = this.beta;
    beta[2] = z2 / l[5]!;
    beta[1] = (z1 - l[4]! * beta[2]!) / l[2]!;
    beta[0] = (z0 - l[1]! * beta[1]! - l[3]! * beta[2]!) / l[0]!;
    this.rss = Math.max(0, yy - (z0 * z0 + z1 * z1 + z2 * z2));
    return true;
  }

  /** [(X̃'X̃)⁻¹]₁₁ = [L⁻ᵀL⁻¹]₁₁, the squared norm of column 1 of L⁻¹: (L⁻¹)₁₁ = 1/l₁₁, (L⁻¹)₂₁ = −l₂₁/(l₁₁·l₂₂). */
  treatmentInverseDiagonal(): number {
    const l = this.l;
    const inv11 = 1 / l[2]!;
    const inv21 = -l[4]! / (l[2]! * l[5]!);
    return inv11 * inv11 + inv21 * inv21;
  }
}

const scratch = new TransformedFit();

export const AR1_ESTIMATIONS = ["reml", "ml"] as const;
export type Ar1Estimation = (typeof AR1_ESTIMATIONS)[number];

/** The profiled negative (restricted) log-likelihood at ρ, constants dropped; +∞ where the regression is singular. */
const negativeLogLikelihood = (rho: number, y: Float64Array, treat: Float64Array, day: Float64Array, n: number, estimation: Ar1Estimation): number => {
  if (!scratch.compute(rho, y, treat, day, n)) return Number.POSITIVE_INFINITY;
  if (estimation === "ml") return 0.5 * n * Math.log(scratch.rss / n) + 0.5 * scratch.logW;
  const l = scratch.l;
  // ½·log|X̃ᵀX̃| = log of the Cholesky factor's diagonal product.
  return 0.5 * (n - 3) * Math.log(scratch.rss / (n - 3)) + 0.5 * scratch.logW + Math.log(l[0]! * l[2]! * l[5]!);
};

const GOLDEN = 0.381966011250105;

/** Brent's minimization of f on [lo, hi] (Numerical Recipes §10.3), to an absolute tolerance in x. */
const brentMinimize = (f: (x: number) => number, lo: number, hi: number, start: number): number => {
  let a = lo;
  let b = hi;
  let x = start;
  let w = start;
  let v = start;
  let fx = f(x);
  let fw = fx;
  let fv = fx;
  let d = 0;
  let e = 0;
  for (let iteration = 0; iteration < 200; iteration++) {
    const xm = 0.5 * (a + b);
    const tol1 = RHO_TOLERANCE * Math.abs(x) + 1e-12;
    const tol2 = 2 * tol1;
    if (Math.abs(x - xm) <= tol2 - 0.5 * (b - a)) break;
    let useGolden = true;
    if (Math.abs(e) > tol1) {
      const r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = Math.abs(q);
      const eTemp = e;
      e = d;
      if (Math.abs(p) < Math.abs(0.5 * q * eTemp) && p > q * (a - x) && p < q * (b - x)) {
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = xm - x >= 0 ? tol1 : -tol1;
        useGolden = false;
      }
    }
    if (useGolden) {
      e = x >= xm ? a - x : b - x;
      d = GOLDEN * e;
    }
    const u = Math.abs(d) >= tol1 ? x + d : x + (d >= 0 ? tol1 : -tol1);
    const fu = f(u);
    if (fu <= fx) {
      if (u >= x) a = x;
      else b = x;
      v = w;
      w = x;
      x = u;
      fv = fw;
      fw = fx;
      fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w;
        w = u;
        fv = fw;
        fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u;
        fv = fu;
      }
    }
  }
  return x;
};

/**
 * Fits the n observations (y, treatment 0/1, day, days strictly increasing) into `out`. Needs n ≥ 5 and both
 * treatments observed; otherwise every field of `out` is NaN.
 */
export const fitAr1 = (y: Float64Array, treat: Float64Array, day: Float64Array, n: number, estimation: Ar1Estimation, out: Ar1Fit): void => {
  out.effect = out.se = out.df = out.rho = Number.NaN;
  if (n < 5) return;
  const f = (rho: number) => negativeLogLikelihood(rho, y, treat, day, n, estimation);
  let best = 0;
  let bestValue = f(0);
  for (let rho = -RHO_BOUND + 0.099; rho < RHO_BOUND; rho += GRID_STEP) {
    const value = f(rho);
    if (value < bestValue) {
      best = rho;
      bestValue = value;
    }
  }
  if (!Number.isFinite(bestValue)) return;
  const rho = brentMinimize(f, Math.max(-RHO_BOUND, best - GRID_STEP), Math.min(RHO_BOUND, best + GRID_STEP), best);
  if (!scratch.compute(rho, y, treat, day, n)) return;
  const df = n - 3;
  out.rho = rho;
  out.effect = scratch.beta[1]!;
  out.se = Math.sqrt((scratch.rss / df) * scratch.treatmentInverseDiagonal());
  out.df = df;
};
