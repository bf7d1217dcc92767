/**
 * The fast engine's training loop, the same schedule as fitEarlyStopping in ../mlp-toolkit.ts: Adam, minibatches of a
 * seeded shuffle each epoch (a trailing batch of one row is skipped: BatchNorm has no batch variance), and early
 * stopping on the valid loss (the weights of the best epoch are restored; training stops after `patience` epochs
 * without a lower one). Dropout masks draw from `mathRandom` exactly where tfjs would call Math.random.
 */
import { shuffled } from "../../split/split-table.js";
import type { TrainingRecord } from "../model-set.js";
import type { FastNetwork, Matrix } from "./network.js";

export interface FastRun {
  readonly learningRate: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly patience: number;
  readonly x: Matrix;
  /** Per row of x: the 0/1 label (sigmoid head) or the class index (softmax head). */
  readonly targets: ArrayLike<number>;
  /** Sample weights of a sigmoid head's loss, one per row of x; undefined for the unweighted loss. */
  readonly sampleWeights?: ArrayLike<number>;
  /** Side inputs, one matrix per side of the network, rows aligned with x. */
  readonly sides?: readonly Matrix[];
  /** The inference-mode loss on the valid rows; undefined when there are none (all epochs run, last weights kept). */
  readonly validLoss: (() => number) | undefined;
  readonly orderRng: () => number;
  readonly mathRandom: () => number;
}

export const fitFast = (net: FastNetwork, run: FastRun): TrainingRecord => {
  const rows = run.x.rows;
  const step = net.trainer(run.x, run.targets, run.sides ?? [], Math.min(run.batchSize, Math.max(rows, 1)), run.learningRate, run.mathRandom, run.sampleWeights);
  let best = Number.POSITIVE_INFINITY;
  let bestWeights: Float32Array[] | undefined;
  let bestEpoch = 0;
  let epochsRun = 0;
  let wait = 0;
  const rowIndices = Array.from({ length: rows }, (_, i) => i);
  for (let epoch = 1; epoch <= run.epochs; epoch++) {
    const order = shuffled(rowIndices, run.orderRng);
    for (let start = 0; start < order.length; start += run.batchSize) {
      const batch = order.slice(start, start + run.batchSize);
      if (batch.length < 2 && order.length >= 2) continue;
      step(batch);
    }
    epochsRun = epoch;
    if (run.validLoss === undefined) continue;
    const loss = run.validLoss();
    if (loss < best) {
      best = loss;
      bestEpoch = epoch;
      bestWeights = net.weights();
      wait = 0;
    } else if (++wait >= run.patience) {
      break;
    }
  }
  if (bestWeights !== undefined) net.setWeights(bestWeights);
  return {
    epochsRun,
    bestEpoch: bestWeights === undefined ? epochsRun : bestEpoch,
    validLoss: bestWeights === undefined ? null : best,
  };
};
