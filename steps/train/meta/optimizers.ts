/**
 * The first-order optimizers of the adaptation step, updating float64 parameters in place.
 *   SGD:  θ ← θ − α g
 *   Adam (Kingma & Ba 2015, Algorithm 1; β1 = 0.9, β2 = 0.999, ε = 1e-8, PyTorch's defaults, which FLamby uses):
 *     m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,  θ ← θ − α m̂ / (√v̂ + ε),  m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t)
 * β^t is kept as a running product rather than Math.pow, so it is exact to the last bit everywhere.
 */
export type OptimizerName = "adam" | "sgd";

export interface Optimizer {
  /** One update of `params` from the gradient `grad`. */
  readonly step: (params: Float64Array, grad: Float64Array) => void;
}

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

export const sgd = (lr: number): Optimizer => ({
  step: (params, grad) => {
    for (let j = 0; j < params.length; j++) params[j] = params[j]! - lr * grad[j]!;
  },
});

export const adam = (lr: number, size: number): Optimizer => {
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  let beta1Power = 1;
  let beta2Power = 1;
  return {
    step: (params, grad) => {
      beta1Power *= ADAM_BETA1;
      beta2Power *= ADAM_BETA2;
      const c1 = 1 - beta1Power;
      const c2 = 1 - beta2Power;
      for (let j = 0; j < size; j++) {
        const g = grad[j]!;
        m[j] = ADAM_BETA1 * m[j]! + (1 - ADAM_BETA1) * g;
        v[j] = ADAM_BETA2 * v[j]! + (1 - ADAM_BETA2) * g * g;
        params[j] = params[j]! - (lr * (m[j]! / c1)) / (Math.sqrt(v[j]! / c2) + ADAM_EPSILON);
      }
    },
  };
};

export const optimizer = (name: OptimizerName, lr: number, size: number): Optimizer => (name === "adam" ? adam(lr, size) : sgd(lr));
