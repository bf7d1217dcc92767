/**
 * Adapting a logistic model to one task: `steps` minibatch updates from `init`, the way every method of a few-shot
 * cell ends (fine-tuning a pooled model, adapting a meta-initialization, fitting the support set from zero).
 *
 * Minibatches follow PyTorch's DataLoader(shuffle = True, drop_last = False): each epoch is a fresh permutation of
 * the task's rows (drawn from `random`), cut into batches of `batchSize` in order, the last one possibly smaller;
 * `steps` counts optimizer updates across epochs. When one batch holds every row nothing is drawn, so `random` is
 * not consumed. Optimizer state starts fresh on every call.
 */
import { logisticGradient } from "./logistic.js";
import { type OptimizerName, optimizer } from "./optimizers.js";
import { type Task, allRows, checkTask, drawToFront } from "./task.js";

export { predictLogistic } from "./logistic.js";

/** Parameters of a logistic model: d weights then the bias (length d + 1), float64. */
export interface AdaptOptions {
  readonly steps: number;
  readonly lr: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly l2: number;
}

/** FLamby's Fed-Heart-Disease baseline training: Adam, learning rate 0.001, batch size 4 (no penalty). */
export const FLAMBY_ADAPT_DEFAULTS = { lr: 0.001, batchSize: 4, optimizer: "adam", l2: 0 } as const;

const checkAdaptOptions = (options: AdaptOptions): void => {
  if (!Number.isInteger(options.steps) || options.steps < 0) throw new RangeError(`adapt: steps must be a whole number ≥ 0 (got ${options.steps})`);
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RangeError(`adapt: batchSize must be a whole number ≥ 1 (got ${options.batchSize})`);
  if (!(options.lr > 0) || !Number.isFinite(options.lr)) throw new RangeError(`adapt: lr must be a finite number > 0 (got ${options.lr})`);
  if (!(options.l2 >= 0) || !Number.isFinite(options.l2)) throw new RangeError(`adapt: l2 must be a finite number ≥ 0 (got ${options.l2})`);
};

export const adapt = (init: Float64Array, task: Task, options: AdaptOptions, random: () => number): Float64Array => {
  checkTask(task, "adapt");
  checkAdaptOptions(options);
  if (init.length !== task.d + 1) throw new RangeError(`adapt: ${init.length} initial parameters for ${task.d} features (expected ${task.d + 1})`);
  const params = Float64Array.from(init);
  const { n } = task;
  if (n === 0 || options.steps === 0) return params;
  const update = optimizer(options.optimizer, options.lr, params.length);
  const grad = new Float64Array(params.length);
  const order = allRows(n);
  const shuffles = options.batchSize < n;
  let cursor = n;
  for (let s = 0; s < options.steps; s++) {
    if (cursor >= n) {
      if (shuffles) drawToFront(order, n, random);
      cursor = 0;
    }
    const end = Math.min(n, cursor + options.batchSize);
    logisticGradient(params, task, order.subarray(cursor, end), options.l2, grad);
    update.step(params, grad);
    cursor = end;
  }
  return params;
};
