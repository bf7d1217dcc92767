/**
 * Training a tabular VAE on encoded rows: minibatch Adam on the loss of ./network.ts, float64, seeded.
 *
 * Randomness comes from three named streams: "vae/init" (initial weights), "vae/batches" (one Fisher–Yates
 * permutation of the rows per epoch, cut into batches of `batchSize` in order, the last one possibly smaller, as
 * PyTorch's DataLoader(shuffle = True, drop_last = False) does) and "vae/noise" (the reparameterization ε, row by
 * row in batch order). Every sum runs in a fixed order, so the same data, options and seed give the same weight
 * bytes in every process.
 *
 * As in TVAE (Xu et al. 2019): Adam with weight decay (PyTorch's, l2 · θ added to the gradient), the
 * reconstruction term weighted by `lossFactor`, σ of each gaussian block clamped to [0.01, 1] after every step.
 */
import { adam } from "../../train/meta/optimizers.js";
import { standardNormal } from "../../random-variates.js";
import { LOG_SIGMA_MAX, LOG_SIGMA_MIN, type VaeArchitecture, checkArchitecture, initialParameters, parameterMap } from "./architecture.js";
import { type VaeLayout, checkLayout } from "./layout.js";
import { type Batch, createWorkspace, lossAndGradient } from "./network.js";

export interface VaeData {
  /** n × layout.width encoded rows, row-major. */
  readonly x: Float64Array;
  readonly n: number;
  readonly layout: VaeLayout;
  /** The subgroup each row belongs to, one-hot into encoder and decoder; absent: unconditioned. */
  readonly condition?: { readonly levels: number; readonly index: Int32Array };
}

/** The optimizer's settings and the network's sizes (those of VaeArchitecture). */
export interface VaeOptions extends Pick<VaeArchitecture, "encoderHidden" | "latent" | "decoderHidden"> {
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly l2: number;
  readonly lossFactor: number;
}

/** The trained model: its architecture and one flat parameter vector (layout of ./architecture.ts). */
export interface VaeWeights {
  readonly architecture: VaeArchitecture;
  readonly params: Float64Array;
}

export interface TrainedVae {
  readonly weights: VaeWeights;
  /** Mean training loss per row of each epoch, in epoch order. */
  readonly epochLoss: Float64Array;
}

export type RandomStreams = (stream: string) => () => number;

const checkData = (data: VaeData): void => {
  checkLayout(data.layout);
  if (!Number.isInteger(data.n) || data.n < 1) throw new RangeError(`vae: needs at least one row (got ${data.n})`);
  if (data.x.length !== data.n * data.layout.width) throw new RangeError(`vae: x holds ${data.x.length} values, expected n × width = ${data.n * data.layout.width}`);
  const condition = data.condition;
  if (condition) {
    if (condition.index.length !== data.n) throw new RangeError(`vae: ${condition.index.length} condition levels for ${data.n} rows`);
    for (const level of condition.index) if (!(level >= 0 && level < condition.levels)) throw new RangeError(`vae: condition level ${level} outside 0 … ${condition.levels - 1}`);
  }
};

const checkOptions = (options: VaeOptions): void => {
  const whole = (name: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`vae: ${name} must be a whole number ≥ ${min} (got ${value})`);
  };
  whole("epochs", options.epochs, 0);
  whole("batchSize", options.batchSize, 1);
  for (const [name, value] of [["lr", options.lr], ["l2", options.l2], ["lossFactor", options.lossFactor]] as const)
    if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`vae: ${name} must be a finite number ≥ 0 (got ${value})`);
};

export const architectureOf = (data: VaeData, options: VaeOptions): VaeArchitecture => ({
  layout: data.layout,
  conditionLevels: data.condition?.levels ?? 0,
  encoderHidden: [...options.encoderHidden],
  latent: options.latent,
  decoderHidden: [...options.decoderHidden],
});

/** Fills `noise` with rows × latent standard normals from `random`. */
const drawNoise = (noise: Float64Array, count: number, random: () => number): void => {
  for (let k = 0; k < count; k++) noise[k] = standardNormal(random);
};

export const trainVae = (data: VaeData, options: VaeOptions, random: RandomStreams): TrainedVae => {
  checkData(data);
  checkOptions(options);
  const arch = architectureOf(data, options);
  checkArchitecture(arch);
  const map = parameterMap(arch);
  const params = initialParameters(map, random("vae/init"));
  const optimizer = adam(options.lr, map.size);
  const grad = new Float64Array(map.size);
  const width = data.layout.width;
  const batchRows = Math.min(options.batchSize, data.n);
  const ws = createWorkspace(arch, map, batchRows);
  const x = new Float64Array(batchRows * width);
  const condition = data.condition ? new Int32Array(batchRows) : null;
  const noise = new Float64Array(batchRows * arch.latent);
  const order = Int32Array.from({ length: data.n }, (_, i) => i);
  const shuffle = random("vae/batches");
  const noiseStream = random("vae/noise");
  const sigmaEnd = map.size;
  const epochLoss = new Float64Array(options.epochs);

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = data.n - 1; i > 0; i--) {
      const j = Math.floor(shuffle() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    let total = 0;
    for (let start = 0; start < data.n; start += batchRows) {
      const rows = Math.min(batchRows, data.n - start);
      for (let r = 0; r < rows; r++) {
        const row = order[start + r]!;
        x.set(data.x.subarray(row * width, (row + 1) * width), r * width);
        if (condition) condition[r] = data.condition!.index[row]!;
      }
      drawNoise(noise, rows * arch.latent, noiseStream);
      grad.fill(0);
      const batch: Batch = { rows, x, condition, noise };
      total += lossAndGradient(arch, map, params, batch, options.lossFactor, ws, grad).loss * rows;
      if (options.l2 > 0) for (let j = 0; j < map.size; j++) grad[j] = grad[j]! + options.l2 * params[j]!;
      optimizer.step(params, grad);
      for (let j = map.logSigma; j < sigmaEnd; j++) params[j] = Math.min(LOG_SIGMA_MAX, Math.max(LOG_SIGMA_MIN, params[j]!));
    }
    epochLoss[epoch] = total / data.n;
  }
  return { weights: { architecture: arch, params }, epochLoss };
};

/**
 * The negative ELBO per row of `data` under `weights` (lossFactor 1, one ε per row from `random`): the quantity
 * training lowers, estimated on every row in order.
 */
export const negativeElbo = (weights: VaeWeights, data: VaeData, random: () => number): number => {
  checkData(data);
  const arch = weights.architecture;
  const map = parameterMap(arch);
  const ws = createWorkspace(arch, map, data.n);
  const noise = new Float64Array(data.n * arch.latent);
  drawNoise(noise, noise.length, random);
  const batch: Batch = { rows: data.n, x: data.x, condition: data.condition?.index ?? null, noise };
  return lossAndGradient(arch, map, weights.params, batch, 1, ws, new Float64Array(map.size)).loss;
};
