/**
 * The fast engine's network: blocks of Linear → BatchNorm → (+ side bias) → ReLU → Dropout and a Linear head
 * (sigmoid with binary cross-entropy, or softmax with cross-entropy), trained by Adam, all in float32 on the
 * WebAssembly kernels of kernels.ts. It computes what the tfjs networks of train.mlp, train.dcp and
 * train.conditional-bias compute, step for step: the same initial weights (Glorot-uniform from the same seeds),
 * the same dropout masks (from the same Math.random stand-in), BatchNorm and Adam as tfjs defines them.
 *
 * A side input feeds one of the last blocks: its rows go through their own Linear + ReLU and the result is added to
 * the block's pre-activation after BatchNorm (conditional bias modulation's bias vectors).
 *
 * Memory: everything lives in the thread's arena (kernels.ts); a network is valid inside the withArena call that
 * built it.
 */
import { fillDropoutMask, glorotUniform } from "./alea.js";
import type { Arena, Kernels } from "./kernels.js";

export interface FastNetworkSpec {
  readonly inputs: number;
  /** Units of each hidden block. */
  readonly blocks: readonly number[];
  readonly dropout: number;
  /** tfjs conventions: momentum 0.9 keeps 90 % of the moving statistics per step. */
  readonly batchNorm: { readonly momentum: number; readonly epsilon: number };
  readonly head: { readonly units: number; readonly activation: "sigmoid" | "softmax" };
  /** Widths of the side inputs; side k feeds block blocks.length − sides.length + k. */
  readonly sides: readonly number[];
  /** Glorot-uniform seeds: one per block's linear layer, the head's, one per side map. */
  readonly seeds: { readonly blocks: readonly number[]; readonly head: number; readonly sides: readonly number[] };
}

/** A float32 matrix resident in the arena (row-major). */
export interface Matrix {
  readonly ptr: number;
  readonly rows: number;
  readonly cols: number;
}

interface Dense {
  readonly inputs: number;
  readonly units: number;
  /** Offsets (in floats) into the trainable parameters. */
  readonly kernel: number;
  readonly bias: number;
}

interface Block {
  readonly linear: Dense;
  readonly gamma: number;
  readonly beta: number;
  /** Offsets (in floats) into the moving statistics. */
  readonly movingMean: number;
  readonly movingVariance: number;
  readonly side: Dense | undefined;
}

/** The tfjs Adam defaults (tf.train.adam(lr)) and the epsilon of tfjs' log loss, as float32. */
const BETA1 = Math.fround(0.9);
const BETA2 = Math.fround(0.999);
const ADAM_EPSILON = Math.fround(1e-7);
const LOG_LOSS_EPSILON = Math.fround(1e-7);

export class FastNetwork {
  private readonly blocks: Block[] = [];
  private readonly head: Dense;
  /** Number of trainable parameters (one contiguous array) and of moving statistics. */
  private readonly size: number;
  private readonly statsSize: number;
  private readonly theta: number;
  private readonly stats: number;

  constructor(
    private readonly arena: Arena,
    private readonly k: Kernels,
    readonly spec: FastNetworkSpec,
  ) {
    let offset = 0;
    let statsOffset = 0;
    const dense = (inputs: number, units: number): Dense => {
      const d = { inputs, units, kernel: offset, bias: offset + inputs * units };
      offset += inputs * units + units;
      return d;
    };
    const firstSide = spec.blocks.length - spec.sides.length;
    let width = spec.inputs;
    spec.blocks.forEach((units) => {
      const linear = dense(width, units);
      const gamma = offset;
      const beta = offset + units;
      offset += 2 * units;
      this.blocks.push({ linear, gamma, beta, movingMean: statsOffset, movingVariance: statsOffset + units, side: undefined });
      statsOffset += 2 * units;
      width = units;
    });
    this.head = dense(width, spec.head.units);
    spec.sides.forEach((w, s) => {
      const block = this.blocks[firstSide + s]!;
      this.blocks[firstSide + s] = { ...block, side: dense(w, block.linear.units) };
    });
    this.size = offset;
    this.statsSize = statsOffset;
    this.theta = arena.alloc(this.size);
    this.stats = arena.alloc(this.statsSize);

    const theta = () => arena.f32(this.theta, this.size);
    const stats = () => arena.f32(this.stats, this.statsSize);
    this.blocks.forEach((b, i) => {
      theta().set(glorotUniform(b.linear.inputs, b.linear.units, spec.seeds.blocks[i]!), b.linear.kernel);
      theta().fill(1, b.gamma, b.gamma + b.linear.units);
      stats().fill(1, b.movingVariance, b.movingVariance + b.linear.units);
    });
    theta().set(glorotUniform(this.head.inputs, this.head.units, spec.seeds.head), this.head.kernel);
    this.sideMaps().forEach((d, s) => theta().set(glorotUniform(d.inputs, d.units, spec.seeds.sides[s]!), d.kernel));
  }

  private sideMaps(): Dense[] {
    return this.blocks.flatMap((b) => (b.side === undefined ? [] : [b.side]));
  }

  /**
   * Every weight in the stored order: per block kernel, bias, γ, β, moving mean, moving variance; the head's kernel
   * and bias; per side map kernel and bias. Copies.
   */
  weights(): Float32Array[] {
    const theta = this.arena.f32(this.theta, this.size);
    const stats = this.arena.f32(this.stats, this.statsSize);
    const dense = (d: Dense) => [theta.slice(d.kernel, d.kernel + d.inputs * d.units), theta.slice(d.bias, d.bias + d.units)];
    return [
      ...this.blocks.flatMap((b) => {
        const u = b.linear.units;
        return [
          ...dense(b.linear),
          theta.slice(b.gamma, b.gamma + u),
          theta.slice(b.beta, b.beta + u),
          stats.slice(b.movingMean, b.movingMean + u),
          stats.slice(b.movingVariance, b.movingVariance + u),
        ];
      }),
      ...dense(this.head),
      ...this.sideMaps().flatMap(dense),
    ];
  }

  /** Writes weights in the order of weights() (a stored model, or a snapshot of the best epoch). */
  setWeights(values: readonly Float32Array[]): void {
    const theta = this.arena.f32(this.theta, this.size);
    const stats = this.arena.f32(this.stats, this.statsSize);
    let i = 0;
    const next = (into: Float32Array, at: number, length: number) => {
      const v = values[i++];
      if (v === undefined || v.length !== length) throw new Error(`fast MLP: weight ${i - 1} has ${v?.length ?? "no"} values, expected ${length}`);
      into.set(v, at);
    };
    const dense = (d: Dense) => {
      next(theta, d.kernel, d.inputs * d.units);
      next(theta, d.bias, d.units);
    };
    for (const b of this.blocks) {
      const u = b.linear.units;
      dense(b.linear);
      next(theta, b.gamma, u);
      next(theta, b.beta, u);
      next(stats, b.movingMean, u);
      next(stats, b.movingVariance, u);
    }
    dense(this.head);
    this.sideMaps().forEach(dense);
    if (i !== values.length) throw new Error(`fast MLP: ${values.length} weights given, the network has ${i}`);
  }

  /** Copies `values` (rows × cols, row-major) into the arena. */
  upload(values: ArrayLike<number>, rows: number, cols: number): Matrix {
    if (values.length !== rows * cols) throw new Error(`fast MLP: ${values.length} values for a ${rows} × ${cols} matrix`);
    return { ptr: this.arena.floats(values), rows, cols };
  }

  /**
   * Inference (moving statistics, no dropout) on all rows of x, with the side inputs' rows: the head's
   * probabilities (rows × units) and the outputs after ReLU of the blocks listed in `capture`. Copies.
   */
  infer(x: Matrix, sides: readonly Matrix[] = [], capture: readonly number[] = []): { readonly prob: Float32Array; readonly hidden: Float32Array[] } {
    const { arena, k, spec } = this;
    const mark = arena.mark();
    try {
      const n = x.rows;
      const widest = Math.max(spec.inputs, spec.head.units, ...spec.blocks);
      const bufA = arena.alloc(n * widest);
      const bufB = arena.alloc(n * widest);
      const t = arena.alloc(n * widest);
      const out = arena.alloc(n * spec.head.units);
      const hidden: Float32Array[] = [];
      let input = x.ptr;
      let side = 0;
      this.blocks.forEach((b, i) => {
        const z = input === bufA ? bufB : bufA;
        const u = b.linear.units;
        k.gemm(input, b.linear.inputs, 1, this.param(b.linear.kernel), z, this.param(b.linear.bias), n, b.linear.inputs, u);
        k.batchNormInfer(z, this.param(b.gamma), this.param(b.beta), this.stat(b.movingMean), this.stat(b.movingVariance), n, u, spec.batchNorm.epsilon);
        if (b.side !== undefined) {
          const s = sides[side++]!;
          k.gemm(s.ptr, s.cols, 1, this.param(b.side.kernel), t, this.param(b.side.bias), n, s.cols, u);
          k.reluDropout(t, t, 0, n * u);
          k.addInPlace(z, t, n * u);
        }
        k.reluDropout(z, z, 0, n * u);
        if (capture.includes(i)) hidden.push(arena.f32(z, n * u).slice());
        input = z;
      });
      k.gemm(input, this.head.inputs, 1, this.param(this.head.kernel), out, this.param(this.head.bias), n, this.head.inputs, spec.head.units);
      if (spec.head.activation === "sigmoid") k.sigmoid(out, n * spec.head.units);
      else k.softmax(out, n, spec.head.units);
      return { prob: arena.f32(out, n * spec.head.units).slice(), hidden };
    } finally {
      arena.release(mark);
    }
  }

  private param(offset: number): number {
    return this.theta + 4 * offset;
  }

  private stat(offset: number): number {
    return this.stats + 4 * offset;
  }

  /**
   * A trainer for minibatches of up to `maxRows` rows of `x` (and the side inputs' same rows); targets are
   * 0/1 labels (sigmoid head) or class indices (softmax head), one per row of x. `sampleWeights`, one per row of x,
   * weight a sigmoid head's loss (the mean over the batch of w_i · loss_i); undefined is the unweighted loss.
   * Allocates its buffers and a fresh Adam state once; each call trains one step on the given rows.
   */
  trainer(
    x: Matrix,
    targets: ArrayLike<number>,
    sides: readonly Matrix[],
    maxRows: number,
    learningRate: number,
    mathRandom: () => number,
    sampleWeights?: ArrayLike<number>,
  ): (batch: readonly number[]) => void {
    const { arena, k, spec } = this;
    if (sampleWeights !== undefined && spec.head.activation === "softmax") throw new Error("fast MLP: sample weights apply to a sigmoid head only");
    const L = this.blocks.length;
    const widest = Math.max(spec.inputs, spec.head.units, ...spec.blocks);
    const perBlock = (f: () => number) => this.blocks.map(f);
    const idx = arena.alloc(maxRows);
    const xb = arena.alloc(maxRows * spec.inputs);
    const sideB = sides.map((s) => arena.alloc(maxRows * s.cols));
    const z = this.blocks.map((b) => arena.alloc(maxRows * b.linear.units));
    const xhat = this.blocks.map((b) => arena.alloc(maxRows * b.linear.units));
    const invStd = this.blocks.map((b) => arena.alloc(b.linear.units));
    const h = this.blocks.map((b) => arena.alloc(maxRows * b.linear.units));
    const t = this.blocks.map((b) => (b.side === undefined ? 0 : arena.alloc(maxRows * b.linear.units)));
    const mask = spec.dropout > 0 ? this.blocks.map((b) => arena.alloc(maxRows * b.linear.units)) : perBlock(() => 0);
    const out = arena.alloc(maxRows * spec.head.units);
    const dOut = arena.alloc(maxRows * spec.head.units);
    const yb = arena.alloc(maxRows);
    // 0 tells the loss kernel the rows are unweighted.
    const wb = sampleWeights === undefined ? 0 : arena.alloc(maxRows);
    const dA = arena.alloc(maxRows * widest);
    const dB = arena.alloc(maxRows * widest);
    const dT = arena.alloc(maxRows * widest);
    const wT = arena.alloc(widest * widest);
    const grad = arena.alloc(this.size);
    const state = { m: arena.alloc(this.size), v: arena.alloc(this.size), acc1: BETA1, acc2: BETA2 };
    const lr = Math.fround(learningRate);
    const c1 = Math.fround(1 - 0.9);
    const c2 = Math.fround(1 - 0.999);
    const decay = Math.fround(1 - spec.batchNorm.momentum);
    const g = (offset: number) => grad + 4 * offset;
    const softmaxHead = spec.head.activation === "softmax";

    return (batch) => {
      const n = batch.length;
      arena.i32(idx, n).set(batch);
      k.gatherRows(x.ptr, idx, xb, n, spec.inputs);
      sides.forEach((s, i) => k.gatherRows(s.ptr, idx, sideB[i]!, n, s.cols));
      if (softmaxHead) {
        const cls = arena.i32(yb, n);
        batch.forEach((r, i) => (cls[i] = targets[r]!));
      } else {
        const y = arena.f32(yb, n);
        batch.forEach((r, i) => (y[i] = targets[r]!));
      }
      if (sampleWeights !== undefined) {
        const w = arena.f32(wb, n);
        batch.forEach((r, i) => (w[i] = sampleWeights[r]!));
      }

      // Forward, keeping what the backward pass needs.
      let input = xb;
      let side = 0;
      this.blocks.forEach((b, i) => {
        const u = b.linear.units;
        k.gemm(input, b.linear.inputs, 1, this.param(b.linear.kernel), z[i]!, this.param(b.linear.bias), n, b.linear.inputs, u);
        k.batchNormTrain(z[i]!, xhat[i]!, invStd[i]!, this.param(b.gamma), this.param(b.beta), this.stat(b.movingMean), this.stat(b.movingVariance), n, u, spec.batchNorm.epsilon, decay);
        if (b.side !== undefined) {
          const s = sides[side]!;
          k.gemm(sideB[side]!, s.cols, 1, this.param(b.side.kernel), t[i]!, this.param(b.side.bias), n, s.cols, u);
          k.reluDropout(t[i]!, t[i]!, 0, n * u);
          k.addInPlace(z[i]!, t[i]!, n * u);
          side++;
        }
        if (mask[i] !== 0) fillDropoutMask(arena.f32(mask[i]!, n * u), spec.dropout, mathRandom);
        k.reluDropout(z[i]!, h[i]!, mask[i]!, n * u);
        input = h[i]!;
      });
      k.gemm(input, this.head.inputs, 1, this.param(this.head.kernel), out, this.param(this.head.bias), n, this.head.inputs, spec.head.units);
      if (softmaxHead) k.softmaxCrossEntropyGrad(out, yb, dOut, n, spec.head.units);
      else k.sigmoidLogLossGrad(out, yb, wb, dOut, n, LOG_LOSS_EPSILON);

      // Backward: dW = inputᵀ·dZ, db = column sums of dZ, dInput = dZ·Wᵀ (not for the network's input).
      const backDense = (d: Dense, inputPtr: number, dz: number, dInput: number) => {
        k.gemm(inputPtr, 1, d.inputs, dz, g(d.kernel), 0, d.inputs, n, d.units);
        k.columnSums(dz, g(d.bias), n, d.units);
        if (dInput !== 0) {
          k.transpose(this.param(d.kernel), wT, d.inputs, d.units);
          k.gemm(dz, d.units, 1, wT, dInput, 0, n, d.units, d.inputs);
        }
      };
      let dh = dA;
      backDense(this.head, L === 0 ? xb : h[L - 1]!, dOut, L === 0 ? 0 : dh);
      side = sides.length;
      for (let i = L - 1; i >= 0; i--) {
        const b = this.blocks[i]!;
        const u = b.linear.units;
        k.reluDropoutBackward(dh, z[i]!, mask[i]!, dh, n * u);
        if (b.side !== undefined) {
          side--;
          k.reluDropoutBackward(dh, t[i]!, 0, dT, n * u);
          backDense(b.side, sideB[side]!, dT, 0);
        }
        k.batchNormBackward(dh, xhat[i]!, invStd[i]!, this.param(b.gamma), dh, g(b.gamma), g(b.beta), n, u);
        const dPrev = dh === dA ? dB : dA;
        backDense(b.linear, i === 0 ? xb : h[i - 1]!, dh, i === 0 ? 0 : dPrev);
        dh = dPrev;
      }

      k.adam(this.theta, grad, state.m, state.v, this.size, lr, BETA1, BETA2, c1, c2, Math.fround(1 - state.acc1), Math.fround(1 - state.acc2), ADAM_EPSILON);
      state.acc1 = Math.fround(state.acc1 * BETA1);
      state.acc2 = Math.fround(state.acc2 * BETA2);
    };
  }
}
