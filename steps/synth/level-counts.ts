/**
 * How many rows a conditioned generator draws for each level of its condition column: the levels named in
 * `oversample` get exactly their requested counts (so a rare subgroup can be boosted), and the rest of the n rows
 * are shared among the other levels in proportion to their fitted rows, by largest remainder (Hamilton's method;
 * ties go to the earlier level). Integer arithmetic throughout, so the counts are exact.
 */

/** Integer shares of `total` in proportion to `weights` (non-negative integers, not all 0), summing to `total`. */
export const proportionalCounts = (weights: readonly number[], total: number): number[] => {
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((w * total) / sum));
  const remainders = weights.map((w, i) => ({ i, remainder: (w * total) % sum }));
  remainders.sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  let left = total - counts.reduce((a, b) => a + b, 0);
  for (const { i } of remainders) {
    if (left === 0) break;
    counts[i]!++;
    left--;
  }
  return counts;
};

/** What is wrong with a request, as a message for the user (the field is `params.oversample`). */
export type CountsProblem = (problem: string) => never;

/** Rows per level: `levels` and `rows` are the generator's models in order. */
export const levelCounts = (levels: readonly string[], rows: readonly number[], n: number, oversample: Readonly<Record<string, number>>, fail: CountsProblem): number[] => {
  const requested = Object.keys(oversample).sort();
  for (const level of requested) {
    if (!levels.includes(level)) fail(`the generator has no level ${JSON.stringify(level)}; its levels are ${levels.map((l) => JSON.stringify(l)).join(", ")}`);
  }
  const fixed = requested.reduce((sum, level) => sum + oversample[level]!, 0);
  if (fixed > n) fail(`the requested counts add up to ${fixed}, more than n = ${n}; raise n or lower the counts`);
  const others = levels.map((l, i) => (l in oversample ? 0 : rows[i]!));
  if (others.every((w) => w === 0)) {
    if (fixed !== n) fail(`every level has a requested count and they add up to ${fixed}, not n = ${n}; make them add up to n or leave a level out`);
    return levels.map((l) => oversample[l]!);
  }
  const shared = proportionalCounts(others, n - fixed);
  return levels.map((l, i) => (l in oversample ? oversample[l]! : shared[i]!));
};
