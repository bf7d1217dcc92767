/**
 * A dense layer over a row-major batch, float64, in one fixed loop order (rows, then outputs, then inputs), so
 * every sum is formed in the same order in every process.
 */
import type { DenseLayer } from "./architecture.js";

/** out[r, j] = b[j] + Σ_i input[r, i] · W[j, i]; with `relu`, max(0, ·). */
export const denseForward = (layer: DenseLayer, params: Float64Array, input: Float64Array, rows: number, out: Float64Array, relu: boolean): void => {
  const { inputs: ni, outputs: no } = layer;
  const w = params.subarray(layer.weights, layer.bias);
  const b = params.subarray(layer.bias, layer.bias + no);
  for (let r = 0; r < rows; r++) {
    const inRow = r * ni;
    const outRow = r * no;
    for (let j = 0; j < no; j++) {
      let sum = b[j]!;
      const wRow = j * ni;
      for (let i = 0; i < ni; i++) sum += input[inRow + i]! * w[wRow + i]!;
      out[outRow + j] = relu && sum < 0 ? 0 : sum;
    }
  }
};

/**
 * Accumulates the layer's gradient into `grad` from dOut (the loss gradient at its pre-activation) and, when
 * `dInput` is given, writes the gradient at its input.
 */
export const denseBackward = (layer: DenseLayer, params: Float64Array, input: Float64Array, rows: number, dOut: Float64Array, grad: Float64Array, dInput: Float64Array | null): void => {
  const { inputs: ni, outputs: no } = layer;
  const w = params.subarray(layer.weights, layer.bias);
  const gw = grad.subarray(layer.weights, layer.bias);
  const gb = grad.subarray(layer.bias, layer.bias + no);
  if (dInput) dInput.fill(0, 0, rows * ni);
  for (let r = 0; r < rows; r++) {
    const inRow = r * ni;
    for (let j = 0; j < no; j++) {
      const g = dOut[r * no + j]!;
      if (g === 0) continue;
      gb[j] = gb[j]! + g;
      const wRow = j * ni;
      if (dInput) {
        for (let i = 0; i < ni; i++) {
          gw[wRow + i] = gw[wRow + i]! + g * input[inRow + i]!;
          dInput[inRow + i] = dInput[inRow + i]! + g * w[wRow + i]!;
        }
      } else for (let i = 0; i < ni; i++) gw[wRow + i] = gw[wRow + i]! + g * input[inRow + i]!;
    }
  }
};

/** Zeroes the gradient where the ReLU output was 0 (the unit was inactive). */
export const reluBackward = (activation: Float64Array, gradient: Float64Array, count: number): void => {
  for (let k = 0; k < count; k++) if (activation[k]! <= 0) gradient[k] = 0;
};
