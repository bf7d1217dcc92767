/**
 * Stratified bootstrap resampling and percentile intervals. Randomness comes only from the stream passed in
 * (a step passes ctx.random(name)), so the same seed and stream give the same resamples in any process.
 */

/** The members (ascending indices) of each stratum code that has any, by ascending code (a counting sort). */
const membersByCode = (codes: ArrayLike<number>, codeCount: number): Int32Array[] => {
  const sizes = new Int32Array(codeCount);
  for (let i = 0; i < codes.length; i++) sizes[codes[i]!]!++;
  const members = Array.from(sizes, (size) => new Int32Array(size));
  const filled = new Int32Array(codeCount);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    members[c]![filled[c]!++] = i;
  }
  return members.filter((list) => list.length > 0);
};

/**
 * Stratified resampling: within each stratum, as many draws with replacement as the stratum has members.
 * `strata` maps each unit (index) to its stratum key; strata are visited in code-unit order of their keys and
 * members in ascending index order, so the draws depend only on the data and the stream. The strata are grouped
 * once; each call of the returned function draws one resample and writes how often each unit was drawn into
 * `counts` (length = number of units), in O(units) and with no allocation.
 */
export const stratifiedSampler = (strata: readonly string[]): ((random: () => number, counts: Int32Array) => void) => {
  const keys = [...new Set(strata)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const codeOf = new Map(keys.map((key, code) => [key, code]));
  return stratifiedSamplerOfCodes(Int32Array.from(strata, (key) => codeOf.get(key)!), keys.length);
};

/**
 * stratifiedSampler with each unit's stratum given as a code in [0, codeCount), strata visited by ascending code:
 * the same draws as stratifiedSampler over keys whose code-unit order is the codes' order, with no string per unit
 * (at 10^6 evaluated people, tens of MB of strings in every thread that prepares a bootstrap).
 */
export const stratifiedSamplerOfCodes = (codes: ArrayLike<number>, codeCount: number): ((random: () => number, counts: Int32Array) => void) => {
  const members = membersByCode(codes, codeCount);
  return (random, counts) => {
    counts.fill(0);
    for (const list of members) {
      const size = list.length;
      for (let k = 0; k < size; k++) counts[list[Math.floor(random() * size)]!]!++;
    }
  };
};

/**
 * Advances `random` past `resamples` resamples of a stratifiedSampler over `units` units (each resample takes one
 * number per unit), so that resamples from any index on can be drawn from a fresh stream: a chunk of resamples
 * then draws exactly what one pass from the first resample would.
 */
export const skipResamples = (random: () => number, units: number, resamples: number): void => {
  for (let i = units * resamples; i > 0; i--) random();
};

/**
 * The q-quantile (0 ≤ q ≤ 1) of the values by linear interpolation between order statistics (numpy's default
 * "linear" method, Hyndman & Fan type 7). NaN and null values are left out; null when none is left.
 */
export const quantile = (values: readonly (number | null)[], q: number): number | null => {
  const sorted = sortedNumbers(values);
  return sorted.length === 0 ? null : quantileOfSorted(sorted, q);
};

/** A percentile bootstrap interval at `level` (e.g. 0.95 → the 2.5th and 97.5th percentiles). */
export const percentileInterval = (values: readonly (number | null)[], level = 0.95): readonly [number, number] | null => {
  const sorted = sortedNumbers(values);
  return sorted.length === 0 ? null : [quantileOfSorted(sorted, (1 - level) / 2), quantileOfSorted(sorted, 1 - (1 - level) / 2)];
};

/**
 * The numbers among the values, ascending. A typed array's native numeric sort: the order of a comparator sort,
 * except that -0 comes before 0 (equal numbers, and the same in JSON).
 */
const sortedNumbers = (values: readonly (number | null)[]): Float64Array =>
  Float64Array.from(values.filter((v): v is number => v !== null && !Number.isNaN(v))).sort();

const quantileOfSorted = (sorted: Float64Array, q: number): number => {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
};
