/**
 * One minibatch of the VAE objective and its gradient, by hand-written backpropagation (Kingma & Welling 2014;
 * the loss as TVAE writes it, Xu et al. 2019). Per row, with encoder output (μ, log σ²_z), z = μ + σ_z ⊙ ε and
 * decoder output o:
 *   reconstruction = Σ_gaussian blocks [ (x − o)² / (2σ²) + log σ + ½ log 2π ] + Σ_softmax blocks [ logsumexp(o) − x·o ]
 *   KL             = ½ Σ_latent ( μ² + σ_z² − 1 − log σ_z² )
 *   loss           = (1/B) Σ_rows ( lossFactor · reconstruction + KL )
 * With lossFactor 1 the loss is the negative ELBO per row (a Monte-Carlo estimate with one ε per row).
 * ε is given (`noise`), so the loss is a deterministic function of the parameters.
 */
import type { VaeArchitecture, ParameterMap } from "./architecture.js";
import { denseBackward, denseForward, reluBackward } from "./dense.js";
import { blockLogSumExp } from "./softmax.js";

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

export interface Batch {
  readonly rows: number;
  /** rows × layout.width, the encoded rows. */
  readonly x: Float64Array;
  /** Condition level per row (0 … conditionLevels − 1), or null when unconditioned. */
  readonly condition: Int32Array | null;
  /** rows × latent standard normal draws. */
  readonly noise: Float64Array;
}

export interface BatchLoss {
  readonly loss: number;
  readonly reconstruction: number;
  readonly kl: number;
}

/** Buffers for batches of up to `maxRows` rows, reused across batches. */
export interface Workspace {
  readonly maxRows: number;
  readonly encoderInput: Float64Array;
  readonly encoderActivations: Float64Array[];
  readonly head: Float64Array;
  readonly latents: Float64Array;
  readonly decoderInput: Float64Array;
  readonly decoderActivations: Float64Array[];
  readonly output: Float64Array;
  readonly gradients: { readonly encoder: Float64Array[]; readonly head: Float64Array; readonly decoderInput: Float64Array; readonly decoder: Float64Array[]; readonly output: Float64Array };
}

export const createWorkspace = (arch: VaeArchitecture, map: ParameterMap, maxRows: number): Workspace => {
  const buffers = (layers: ParameterMap["encoder"]) => layers.map((l) => new Float64Array(maxRows * l.outputs));
  return {
    maxRows,
    encoderInput: new Float64Array(maxRows * (arch.layout.width + arch.conditionLevels)),
    encoderActivations: buffers(map.encoder),
    head: new Float64Array(maxRows * 2 * arch.latent),
    latents: new Float64Array(maxRows * arch.latent),
    decoderInput: new Float64Array(maxRows * (arch.latent + arch.conditionLevels)),
    decoderActivations: buffers(map.decoder),
    output: new Float64Array(maxRows * arch.layout.width),
    gradients: {
      encoder: buffers(map.encoder),
      head: new Float64Array(maxRows * 2 * arch.latent),
      decoderInput: new Float64Array(maxRows * (arch.latent + arch.conditionLevels)),
      decoder: buffers(map.decoder),
      output: new Float64Array(maxRows * arch.layout.width),
    },
  };
};

/** Writes [values of row r, one-hot condition of row r] rows into `out`. */
const withCondition = (values: Float64Array, width: number, condition: Int32Array | null, levels: number, rows: number, out: Float64Array): void => {
  const total = width + levels;
  for (let r = 0; r < rows; r++) {
    out.set(values.subarray(r * width, (r + 1) * width), r * total);
    if (condition) {
      out.fill(0, r * total + width, (r + 1) * total);
      out[r * total + width + condition[r]!] = 1;
    }
  }
};

/** Runs the decoder from ws.decoderInput (rows × (latent + levels)) to ws.output. */
export const decodeForward = (map: ParameterMap, params: Float64Array, ws: Workspace, rows: number): void => {
  let input = ws.decoderInput;
  for (const [l, layer] of map.decoder.entries()) {
    denseForward(layer, params, input, rows, ws.decoderActivations[l]!, true);
    input = ws.decoderActivations[l]!;
  }
  denseForward(map.decoderOutput, params, input, rows, ws.output, false);
};

/** Writes the decoder's input: latents (rows × latent) with the one-hot condition. */
export const setDecoderInput = (arch: VaeArchitecture, ws: Workspace, latents: Float64Array, condition: Int32Array | null, rows: number): void =>
  withCondition(latents, arch.latent, condition, arch.conditionLevels, rows, ws.decoderInput);

/**
 * The batch loss; adds its gradient into `grad` (length map.size; the caller zeroes it). ws must hold at least
 * batch.rows rows.
 */
export const lossAndGradient = (arch: VaeArchitecture, map: ParameterMap, params: Float64Array, batch: Batch, lossFactor: number, ws: Workspace, grad: Float64Array): BatchLoss => {
  const { rows, x, noise } = batch;
  const { layout, latent, conditionLevels } = arch;
  const width = layout.width;
  const g = ws.gradients;

  withCondition(x, width, batch.condition, conditionLevels, rows, ws.encoderInput);
  let input = ws.encoderInput;
  for (const [l, layer] of map.encoder.entries()) {
    denseForward(layer, params, input, rows, ws.encoderActivations[l]!, true);
    input = ws.encoderActivations[l]!;
  }
  const encoderLast = input;
  denseForward(map.encoderHead, params, encoderLast, rows, ws.head, false);

  const z = ws.latents;
  let kl = 0;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < latent; k++) {
      const mu = ws.head[r * 2 * latent + k]!;
      const logVar = ws.head[r * 2 * latent + latent + k]!;
      const std = Math.exp(0.5 * logVar);
      z[r * latent + k] = mu + std * noise[r * latent + k]!;
      kl += 0.5 * (mu * mu + std * std - 1 - logVar);
    }
  }
  setDecoderInput(arch, ws, z, batch.condition, rows);
  decodeForward(map, params, ws, rows);

  const o = ws.output;
  const dO = g.output;
  const scale = lossFactor / rows;
  let reconstruction = 0;
  for (let r = 0; r < rows; r++) {
    let sigmaIndex = 0;
    for (const block of layout.blocks) {
      const at = r * width + block.offset;
      if (block.kind === "gaussian") {
        const s = params[map.logSigma + sigmaIndex]!;
        const inverseSigma = Math.exp(-s);
        const residual = (x[at]! - o[at]!) * inverseSigma;
        reconstruction += 0.5 * residual * residual + s + HALF_LOG_TWO_PI;
        dO[at] = -scale * residual * inverseSigma;
        grad[map.logSigma + sigmaIndex] = grad[map.logSigma + sigmaIndex]! + scale * (1 - residual * residual);
        sigmaIndex++;
      } else {
        const logSum = blockLogSumExp(o, at, block.width);
        for (let i = 0; i < block.width; i++) {
          reconstruction += x[at + i]! * (logSum - o[at + i]!);
          dO[at + i] = scale * (Math.exp(o[at + i]! - logSum) - x[at + i]!);
        }
      }
    }
  }

  let dInput = dO;
  for (let l = map.decoder.length; l >= 0; l--) {
    const layer = l === map.decoder.length ? map.decoderOutput : map.decoder[l]!;
    const layerInput = l === 0 ? ws.decoderInput : ws.decoderActivations[l - 1]!;
    const dLayerInput = l === 0 ? g.decoderInput : g.decoder[l - 1]!;
    denseBackward(layer, params, layerInput, rows, dInput, grad, dLayerInput);
    if (l > 0) reluBackward(ws.decoderActivations[l - 1]!, dLayerInput, rows * layer.inputs);
    dInput = dLayerInput;
  }

  const dHead = g.head;
  const decoderWidth = latent + conditionLevels;
  const klScale = 1 / rows;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < latent; k++) {
      const mu = ws.head[r * 2 * latent + k]!;
      const logVar = ws.head[r * 2 * latent + latent + k]!;
      const dz = g.decoderInput[r * decoderWidth + k]!;
      const std = Math.exp(0.5 * logVar);
      dHead[r * 2 * latent + k] = dz + klScale * mu;
      dHead[r * 2 * latent + latent + k] = dz * noise[r * latent + k]! * 0.5 * std + klScale * 0.5 * (std * std - 1);
    }
  }
  dInput = dHead;
  for (let l = map.encoder.length; l >= 0; l--) {
    const layer = l === map.encoder.length ? map.encoderHead : map.encoder[l]!;
    const layerInput = l === 0 ? ws.encoderInput : ws.encoderActivations[l - 1]!;
    const dLayerInput = l === 0 ? null : g.encoder[l - 1]!;
    denseBackward(layer, params, layerInput, rows, dInput, grad, dLayerInput);
    if (dLayerInput) {
      reluBackward(ws.encoderActivations[l - 1]!, dLayerInput, rows * layer.inputs);
      dInput = dLayerInput;
    }
  }

  return { loss: (lossFactor * reconstruction + kl) / rows, reconstruction: reconstruction / rows, kl: kl / rows };
};
