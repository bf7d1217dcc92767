/**
 * How many adaptation steps a meta-initialization gets on a new site, chosen on the meta-training tasks alone
 * (ours). Adapting on k rows adds variance: when the sites differ little, a fixed number of steps from 10 rows
 * makes the model worse than not adapting at all (the planted test's no-shift case, test/steps/train-meta-planted.test.ts).
 * So each candidate count is scored by the mean query loss after that many inner-loop steps (the rule of
 * meta-train.ts: full-batch gradient steps on the support set, rate `innerLr`) over `draws` support/query draws from
 * the training tasks, the same draws for every candidate (a paired comparison), and the lowest mean wins; ties go
 * to fewer steps. The held-out site is never looked at, so the count is fixed before its support set is seen.
 */
import { logisticLoss } from "./logistic.js";
import { innerLoop } from "./meta-train.js";
import { type Task, allRows, drawToFront, uniformIndex } from "./task.js";

export interface StepSelectionOptions {
  /** Step counts to choose from, ascending, distinct, each ≥ 0. */
  readonly candidates: readonly number[];
  readonly draws: number;
  readonly supportSize: number;
  readonly querySize: number;
  readonly innerLr: number;
  readonly l2: number;
}

export interface StepSelection {
  readonly steps: number;
  /** Mean query loss of each candidate, in the candidates' order. */
  readonly meanQueryLoss: readonly number[];
}

export const selectAdaptSteps = (init: Float64Array, tasks: readonly Task[], options: StepSelectionOptions, random: () => number): StepSelection => {
  const { candidates, supportSize, querySize } = options;
  if (candidates.length === 0) throw new RangeError("selectAdaptSteps: no candidate step counts");
  candidates.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || (i > 0 && c <= candidates[i - 1]!)) throw new RangeError(`selectAdaptSteps: candidates must be ascending distinct whole numbers ≥ 0 (got ${candidates.join(", ")})`);
  });
  if (!Number.isInteger(options.draws) || options.draws < 1) throw new RangeError(`selectAdaptSteps: draws must be a whole number ≥ 1 (got ${options.draws})`);
  tasks.forEach((task, t) => {
    if (task.n < supportSize + querySize) throw new RangeError(`selectAdaptSteps: task ${t} has ${task.n} rows; each draw needs ${supportSize + querySize}`);
  });
  const sums = new Float64Array(candidates.length);
  const orders = tasks.map((task) => allRows(task.n));
  const phi = new Float64Array(init.length);
  for (let draw = 0; draw < options.draws; draw++) {
    const t = uniformIndex(tasks.length, random);
    const task = tasks[t]!;
    const rows = drawToFront(orders[t]!, supportSize + querySize, random);
    const support = rows.subarray(0, supportSize);
    const query = rows.subarray(supportSize);
    phi.set(init);
    // Continues from the previous candidate's parameters, so one pass covers every candidate.
    candidates.forEach((steps, c) => {
      innerLoop(phi, task, support, steps - (c === 0 ? 0 : candidates[c - 1]!), options.innerLr, options.l2, phi);
      sums[c]! += logisticLoss(phi, task, query, options.l2);
    });
  }
  const meanQueryLoss = Array.from(sums, (s) => s / options.draws);
  let best = 0;
  for (let c = 1; c < candidates.length; c++) if (meanQueryLoss[c]! < meanQueryLoss[best]!) best = c;
  return { steps: candidates[best]!, meanQueryLoss };
};
