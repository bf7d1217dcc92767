/**
 * Column shapes, as SDMetrics 0.32 defines them (docs/references.md, "Synthetic data evaluation"):
 * KSComplement = 1 − D, D the two-sample Kolmogorov–Smirnov statistic of the non-missing values, after rounding
 * them to 14 decimals as SDMetrics does (so values equal to 14 decimals tie); TVComplement = 1 − ½ Σ |s_v − r_v|
 * over the levels v, with SDMetrics' regularisation: a level only the synthetic rows hold counts 1e-6 real rows
 * (and adds 1e-6 to the real total). Missing values are left out of both. null where SDMetrics gives NaN or raises
 * (a table with no non-missing value).
 */

const SCALE = 1e14;

/** numpy's round(x, 14): scale, round half to even, scale back. */
export const roundTo14 = (x: number): number => {
  const y = x * SCALE;
  let r = Math.round(y);
  if (r - y === 0.5 && r % 2 !== 0) r -= 1;
  return r / SCALE;
};

const sortedPresent = (values: Float64Array): Float64Array => {
  let n = 0;
  for (const v of values) if (!Number.isNaN(v)) n++;
  const out = new Float64Array(n);
  let i = 0;
  for (const v of values) if (!Number.isNaN(v)) out[i++] = roundTo14(v);
  return out.sort();
};

/** 1 − the two-sample KS statistic, the largest gap between the two empirical CDFs (taken after each tie block). */
export const ksComplement = (real: Float64Array, synthetic: Float64Array): number | null => {
  const a = sortedPresent(real);
  const b = sortedPresent(synthetic);
  if (a.length === 0 || b.length === 0) return null;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return 1 - d;
};

/** Counts of each code (missing, -1, left out) and the number counted. */
const levelCounts = (codes: Int32Array, levels: number): { counts: Float64Array; total: number } => {
  const counts = new Float64Array(levels);
  let total = 0;
  for (const c of codes) {
    if (c >= 0) {
      counts[c]!++;
      total++;
    }
  }
  return { counts, total };
};

/** 1 − the total variation distance between the level frequencies of the non-missing codes. */
export const tvComplement = (real: Int32Array, synthetic: Int32Array, levels: number): number | null => {
  const r = levelCounts(real, levels);
  const s = levelCounts(synthetic, levels);
  if (r.total === 0 || s.total === 0) return null;
  let realTotal = r.total;
  for (let v = 0; v < levels; v++) if (r.counts[v] === 0 && s.counts[v]! > 0) realTotal += 1e-6;
  let variation = 0;
  for (let v = 0; v < levels; v++) {
    const realCount = r.counts[v] === 0 && s.counts[v]! > 0 ? 1e-6 : r.counts[v]!;
    variation += Math.abs(s.counts[v]! / s.total - realCount / realTotal);
  }
  return 1 - 0.5 * variation;
};
