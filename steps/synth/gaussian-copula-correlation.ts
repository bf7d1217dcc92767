/**
 * The copula's latent correlation, chosen so that the synthetic columns have the real table's Pearson
 * correlations (the NORTA rule, Cario & Nelson 1997): for each pair, the correlation ρ of the latent normals
 * whose transforms g(Z₁), h(Z₂) through the two inverse empirical CDFs have, in expectation, the Pearson
 * correlation the real columns have. A numeric column is transformed to its values, a string or bool column to
 * its mid-rank normal scores (its levels have no numeric value).
 *
 * With normalised Hermite polynomials hₙ = Heₙ/√n!, cov(g(Z₁), h(Z₂)) = Σₙ≥₁ ρⁿ αₙ βₙ (Mehler's expansion), where
 * for a step function g with values vᵢ between normal-score boundaries tᵢ, αₙ = E[g(Z) hₙ(Z)]
 * = Σ_boundaries (v_b − v_{b−1}) h_{n−1}(t_b) φ(t_b) / √n. The series is increasing in ρ for nondecreasing g and h,
 * so ρ is found by bisection; a target beyond what ρ = ±1 reaches takes ±1. The first TERMS terms are kept.
 */
import { normalQuantile } from "../evaluate/wilson.js";
import type { CodedColumn } from "./gaussian-copula-marginal.js";

const TERMS = 40;
const BISECTIONS = 60;
/** Bisection steps for the least shrinkage (1 − λ)·R + λ·I that makes R positive definite. */
const SHRINK_BISECTIONS = 30;

/** What the correlation of one column's transform needs: its Hermite coefficients α₁…α_TERMS and its sd. */
interface Profile {
  readonly alpha: Float64Array;
  readonly sd: number;
}

const density = (z: number): number => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

const profileOf = (values: Float64Array, counts: Int32Array): Profile => {
  const set = counts.reduce((a, b) => a + b, 0);
  let mean = 0;
  counts.forEach((c, i) => (mean += (c / set) * values[i]!));
  let variance = 0;
  counts.forEach((c, i) => (variance += (c / set) * (values[i]! - mean) ** 2));
  const alpha = new Float64Array(TERMS);
  let below = 0;
  for (let b = 1; b < counts.length; b++) {
    below += counts[b - 1]!;
    const t = normalQuantile(below / set);
    const jump = values[b]! - values[b - 1]!;
    // h₀ = 1, h₁ = t, hₙ = (t·hₙ₋₁ − √(n−1)·hₙ₋₂)/√n; αₙ takes hₙ₋₁(t)·φ(t)/√n.
    const phi = density(t);
    let previous = 0;
    let current = 1;
    for (let n = 1; n <= TERMS; n++) {
      alpha[n - 1]! += (jump * current * phi) / Math.sqrt(n);
      const next = (t * current - Math.sqrt(n - 1) * previous) / Math.sqrt(n);
      previous = current;
      current = next;
    }
  }
  return { alpha, sd: Math.sqrt(variance) };
};

/** The values a column is correlated on: its numeric values, or its levels' mid-rank normal scores. */
const transformOf = (coded: CodedColumn): Float64Array => {
  if (coded.marginal.kind === "numeric") return Float64Array.from(coded.marginal.values);
  const set = coded.codes.length - coded.missing;
  let below = 0;
  return Float64Array.from(coded.counts, (count) => {
    const score = normalQuantile((2 * below + count) / (2 * set));
    below += count;
    return score;
  });
};

/** A column's transformed cells, centred when it has no missing cell (NaN marks a missing one), and their norm. */
interface Cells {
  readonly values: Float64Array;
  readonly complete: boolean;
  readonly norm: number;
}

const cellsOf = (coded: CodedColumn, transform: Float64Array): Cells => {
  const values = new Float64Array(coded.codes.length);
  for (let r = 0; r < values.length; r++) values[r] = coded.codes[r]! < 0 ? NaN : transform[coded.codes[r]!]!;
  if (coded.missing > 0) return { values, complete: false, norm: 0 };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let square = 0;
  for (let r = 0; r < values.length; r++) {
    values[r] = values[r]! - mean;
    square += values[r]! * values[r]!;
  }
  return { values, complete: true, norm: Math.sqrt(square) };
};

/** The Pearson correlation of two columns' cells over the rows where both are set; null when undefined. */
const observedCorrelation = (a: Cells, b: Cells): number | null => {
  const x = a.values;
  const y = b.values;
  if (a.complete && b.complete) {
    let ab = 0;
    for (let r = 0; r < x.length; r++) ab += x[r]! * y[r]!;
    return a.norm > 0 && b.norm > 0 ? ab / (a.norm * b.norm) : null;
  }
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let r = 0; r < x.length; r++) {
    if (Number.isNaN(x[r]!) || Number.isNaN(y[r]!)) continue;
    n++;
    sa += x[r]!;
    sb += y[r]!;
  }
  if (n < 2) return null;
  const ma = sa / n;
  const mb = sb / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let r = 0; r < x.length; r++) {
    if (Number.isNaN(x[r]!) || Number.isNaN(y[r]!)) continue;
    ab += (x[r]! - ma) * (y[r]! - mb);
    aa += (x[r]! - ma) ** 2;
    bb += (y[r]! - mb) ** 2;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : null;
};

/** The ρ whose transforms correlate `target`, by bisection on Mehler's series. */
const latentFor = (target: number, p: Profile, q: Profile): number => {
  const implied = (rho: number): number => {
    let sum = 0;
    let power = 1;
    for (let n = 0; n < TERMS; n++) {
      power *= rho;
      sum += power * p.alpha[n]! * q.alpha[n]!;
    }
    return sum / (p.sd * q.sd);
  };
  let lo = -1;
  let hi = 1;
  if (target <= implied(lo)) return -1;
  if (target >= implied(hi)) return 1;
  for (let i = 0; i < BISECTIONS; i++) {
    const mid = (lo + hi) / 2;
    if (implied(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
};

/** The latent correlation matrix (row-major k × k) of coded columns; 0 for a pair without a defined correlation. */
export const latentCorrelation = (coded: readonly CodedColumn[]): Float64Array => {
  const k = coded.length;
  const transforms = coded.map(transformOf);
  const profiles = coded.map((c, i) => profileOf(transforms[i]!, c.counts));
  const cells = coded.map((c, i) => cellsOf(c, transforms[i]!));
  const r = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    r[i * k + i] = 1;
    for (let j = 0; j < i; j++) {
      const target = profiles[i]!.sd > 0 && profiles[j]!.sd > 0 ? observedCorrelation(cells[i]!, cells[j]!) : null;
      const rho = target === null ? 0 : latentFor(target, profiles[i]!, profiles[j]!);
      r[i * k + j] = rho;
      r[j * k + i] = rho;
    }
  }
  return r;
};

/**
 * The least shrinkage λ (to 2^-30) for which (1 − λ)·R + λ·I passes `factors` (a Cholesky factorization), and the
 * shrunk matrix: pairs matched one at a time need not make a positive-definite matrix together.
 */
export const shrinkToPositiveDefinite = (r: Float64Array, k: number, factors: (m: Float64Array) => boolean): { readonly matrix: Float64Array; readonly shrinkage: number } => {
  const shrunk = (lambda: number) => Float64Array.from(r, (v, at) => (at % (k + 1) === 0 ? 1 : (1 - lambda) * v));
  if (factors(r)) return { matrix: r, shrinkage: 0 };
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < SHRINK_BISECTIONS; i++) {
    const mid = (lo + hi) / 2;
    if (factors(shrunk(mid))) hi = mid;
    else lo = mid;
  }
  return { matrix: shrunk(hi), shrinkage: hi };
};
