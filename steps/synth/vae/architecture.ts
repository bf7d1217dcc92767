/**
 * Where each tensor of a VAE lives in its one flat float64 parameter vector (so Adam, weight decay and the weights
 * document treat all parameters alike), and their initialization.
 *
 * Order: encoder hidden layers, encoder head (2·latent outputs: μ then log σ²), decoder hidden layers, decoder
 * output (one value per encoded column: a Gaussian mean or a softmax logit), then log σ of each gaussian block.
 * A dense layer stores W (out × in, row-major) then b (out).
 */
import { gaussianCount, type VaeLayout } from "./layout.js";

export interface VaeArchitecture {
  readonly layout: VaeLayout;
  /** Number of condition levels, one-hot concatenated to the encoder's and the decoder's input (0: unconditioned). */
  readonly conditionLevels: number;
  readonly encoderHidden: readonly number[];
  readonly latent: number;
  readonly decoderHidden: readonly number[];
}

export interface DenseLayer {
  readonly inputs: number;
  readonly outputs: number;
  /** Offset of W (outputs × inputs, row-major); b follows at weights + outputs · inputs. */
  readonly weights: number;
  readonly bias: number;
}

export interface ParameterMap {
  readonly encoder: readonly DenseLayer[];
  readonly encoderHead: DenseLayer;
  readonly decoder: readonly DenseLayer[];
  readonly decoderOutput: DenseLayer;
  /** Offset of the log σ of the gaussian blocks, in block order. */
  readonly logSigma: number;
  readonly size: number;
}

/** TVAE's σ starts at 0.1 and is kept in [0.01, 1] (Xu et al. 2019, the reference implementation). */
export const LOG_SIGMA_INITIAL = Math.log(0.1);
export const LOG_SIGMA_MIN = Math.log(0.01);
export const LOG_SIGMA_MAX = 0;

export const parameterMap = (arch: VaeArchitecture): ParameterMap => {
  let size = 0;
  const dense = (inputs: number, outputs: number): DenseLayer => {
    const layer = { inputs, outputs, weights: size, bias: size + inputs * outputs };
    size += inputs * outputs + outputs;
    return layer;
  };
  const chain = (inputs: number, hidden: readonly number[]): { layers: DenseLayer[]; last: number } => {
    const layers: DenseLayer[] = [];
    let width = inputs;
    for (const h of hidden) {
      layers.push(dense(width, h));
      width = h;
    }
    return { layers, last: width };
  };
  const encoder = chain(arch.layout.width + arch.conditionLevels, arch.encoderHidden);
  const encoderHead = dense(encoder.last, 2 * arch.latent);
  const decoder = chain(arch.latent + arch.conditionLevels, arch.decoderHidden);
  const decoderOutput = dense(decoder.last, arch.layout.width);
  const logSigma = size;
  size += gaussianCount(arch.layout);
  return { encoder: encoder.layers, encoderHead, decoder: decoder.layers, decoderOutput, logSigma, size };
};

export const checkArchitecture = (arch: VaeArchitecture): void => {
  const whole = (value: number, min: number) => Number.isInteger(value) && value >= min;
  if (!whole(arch.latent, 1)) throw new RangeError(`vae: latent must be a whole number ≥ 1 (got ${arch.latent})`);
  if (!whole(arch.conditionLevels, 0) || arch.conditionLevels === 1) throw new RangeError(`vae: a condition needs at least 2 levels (got ${arch.conditionLevels})`);
  for (const h of [...arch.encoderHidden, ...arch.decoderHidden]) if (!whole(h, 1)) throw new RangeError(`vae: hidden layer sizes must be whole numbers ≥ 1 (got ${h})`);
};

/**
 * PyTorch's nn.Linear initialization, W and b uniform in ±1/√inputs, drawn layer by layer in parameter order from
 * `random`; log σ starts at log 0.1.
 */
export const initialParameters = (map: ParameterMap, random: () => number): Float64Array => {
  const params = new Float64Array(map.size);
  for (const layer of [...map.encoder, map.encoderHead, ...map.decoder, map.decoderOutput]) {
    const bound = 1 / Math.sqrt(layer.inputs);
    const end = layer.bias + layer.outputs;
    for (let j = layer.weights; j < end; j++) params[j] = (2 * random() - 1) * bound;
  }
  params.fill(LOG_SIGMA_INITIAL, map.logSigma);
  return params;
};
