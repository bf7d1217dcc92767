/**
 * Column-pair trends, as SDMetrics 0.32 defines them (docs/references.md, "Synthetic data evaluation"):
 * CorrelationSimilarity = 1 − |r_real − r_synthetic| / 2 with Pearson's r on the rows where both columns are
 * present (null where SDMetrics raises: a column constant in either table, or fewer than two complete rows);
 * ContingencySimilarity = 1 − ½ Σ |s_ab − r_ab| over the joint categories (a, b), missing being a category of its
 * own and every row counted. A numeric column paired with a categorical one is binned first, the way
 * ContingencySimilarity's `continuous_column_names` does: ten equal-width bins over the real values
 * (numpy.histogram_bin_edges), the outer edges opened to ±∞, missing values an eleventh bin.
 */

export interface CorrelationResult {
  readonly score: number | null;
  readonly real: number | null;
  readonly synthetic: number | null;
}

const distinctPresent = (values: Float64Array): number => {
  const seen = new Set<number>();
  for (const v of values) {
    if (!Number.isNaN(v)) seen.add(v);
    if (seen.size > 1) break;
  }
  return seen.size;
};

/** Pearson's r over the rows where both are present; null for fewer than two such rows or no spread. */
export const pearson = (x: Float64Array, y: Float64Array): number | null => {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]!) || Number.isNaN(y[i]!)) continue;
    n++;
    sx += x[i]!;
    sy += y[i]!;
  }
  if (n < 2) return null;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]!) || Number.isNaN(y[i]!)) continue;
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
};

export const correlationSimilarity = (realA: Float64Array, realB: Float64Array, synA: Float64Array, synB: Float64Array): CorrelationResult => {
  if ([realA, realB, synA, synB].some((c) => distinctPresent(c) < 2)) return { score: null, real: null, synthetic: null };
  const real = pearson(realA, realB);
  const synthetic = pearson(synA, synB);
  return { score: real === null || synthetic === null ? null : 1 - Math.abs(real - synthetic) / 2, real, synthetic };
};

const BINS = 10;

/** numpy.histogram_bin_edges(values, 10) of the non-missing values: linspace(min, max, 11), ±0.5 when constant. */
export const histogramEdges = (values: Float64Array): Float64Array => {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) {
    lo = 0;
    hi = 1;
  } else if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = (hi - lo) / BINS;
  const edges = new Float64Array(BINS + 1);
  for (let i = 0; i < BINS; i++) edges[i] = i * step + lo;
  edges[BINS] = hi;
  return edges;
};

/** numpy.digitize against the edges with the outer ones at ±∞: bins 1..10, missing 11 (a category, not -1). */
export const binCodes = (values: Float64Array, edges: Float64Array): Int32Array => {
  const codes = new Int32Array(values.length);
  for (let r = 0; r < values.length; r++) {
    const v = values[r]!;
    if (Number.isNaN(v)) {
      codes[r] = BINS + 1;
      continue;
    }
    let bin = 1;
    for (let e = 1; e < BINS; e++) if (v >= edges[e]!) bin = e + 1;
    codes[r] = bin;
  }
  return codes;
};

/** Up to this many joint categories are counted in a typed array; beyond it (high-cardinality columns), in a Map. */
const DENSE_CELLS = 1 << 22;

/** Counts of each row's joint category a·(levelsB + 1) + b, both shifted by 1 so missing (-1) is a category. */
const jointCounts = (a: Int32Array, b: Int32Array, levelsB: number, cells: number): Float64Array | Map<number, number> => {
  const dense = cells <= DENSE_CELLS ? new Float64Array(cells) : undefined;
  const sparse = new Map<number, number>();
  for (let r = 0; r < a.length; r++) {
    const key = (a[r]! + 1) * (levelsB + 1) + (b[r]! + 1);
    if (dense !== undefined) dense[key]!++;
    else sparse.set(key, (sparse.get(key) ?? 0) + 1);
  }
  return dense ?? sparse;
};

/** `levelsA`, `levelsB`: one more than the largest code each column can hold in either table. */
export const contingencySimilarity = (realA: Int32Array, realB: Int32Array, synA: Int32Array, synB: Int32Array, levelsA: number, levelsB: number): number | null => {
  if (realA.length === 0 || synA.length === 0) return null;
  const cells = (levelsA + 1) * (levelsB + 1);
  const real = jointCounts(realA, realB, levelsB, cells);
  const syn = jointCounts(synA, synB, levelsB, cells);
  let variation = 0;
  if (real instanceof Float64Array && syn instanceof Float64Array) {
    for (let k = 0; k < cells; k++) variation += Math.abs(real[k]! / realA.length - syn[k]! / synA.length);
  } else {
    const r = real as Map<number, number>;
    const s = syn as Map<number, number>;
    const keys = [...new Set([...r.keys(), ...s.keys()])].sort((x, y) => x - y);
    for (const k of keys) variation += Math.abs((r.get(k) ?? 0) / realA.length - (s.get(k) ?? 0) / synA.length);
  }
  return 1 - variation / 2;
};
