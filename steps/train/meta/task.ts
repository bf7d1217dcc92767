/**
 * What the meta-learning trainers learn from: one task (a site, or a synthetic task) as a row-major float64
 * feature matrix and 0/1 labels. Rows are addressed by index lists (Int32Array) so a minibatch, a support set or
 * a query set is never a copy of the rows.
 */

/** One task's rows: row-major features (n × d, already standardized), labels 0/1. */
export interface Task {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly n: number;
  readonly d: number;
}

/** The row indices 0 … n − 1. */
export const allRows = (n: number): Int32Array => {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
};

/** A uniform index in [0, n) from a uniform [0, 1) draw (the clamp guards a stream that could return 1). */
export const uniformIndex = (n: number, random: () => number): number => Math.min(n - 1, Math.floor(random() * n));

/**
 * Moves a uniform random subset of `count` entries of `order` to its front (the first `count` swaps of a
 * Fisher–Yates shuffle) and returns that front as a view. Whatever order `order` is in, the subset is uniform, so
 * the same buffer is reused from draw to draw without resetting it.
 */
export const drawToFront = (order: Int32Array, count: number, random: () => number): Int32Array => {
  const n = order.length;
  for (let i = 0; i < count; i++) {
    const j = i + uniformIndex(n - i, random);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order.subarray(0, count);
};

/** Checks that a task's arrays have the sizes it claims; throws a message naming the task otherwise. */
export const checkTask = (task: Task, name: string): void => {
  if (!Number.isInteger(task.n) || task.n < 0 || !Number.isInteger(task.d) || task.d < 1) {
    throw new RangeError(`${name}: n must be a whole number ≥ 0 and d ≥ 1 (got n = ${task.n}, d = ${task.d})`);
  }
  if (task.x.length !== task.n * task.d || task.y.length !== task.n) {
    throw new RangeError(`${name}: expected ${task.n * task.d} features and ${task.n} labels, got ${task.x.length} and ${task.y.length}`);
  }
};
