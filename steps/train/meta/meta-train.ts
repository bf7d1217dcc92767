/**
 * Meta-training a logistic model's initialization θ over tasks (docs/references.md, "Reptile and MAML").
 *
 * Each iteration samples `tasksPerIteration` tasks uniformly with replacement (Finn et al.'s T_i ~ p(T)), and from
 * each a support set of `supportSize` rows and, for the MAML variants, a disjoint query set of `querySize` rows
 * (uniform, without replacement). The inner loop is `innerSteps` full-batch gradient steps on the support set,
 *   φ_0 = θ,   φ_{k+1} = φ_k − α ∇L_S(φ_k),
 * and the outer update is each paper's own rule, with plain steps (no outer optimizer state):
 *   reptile (Nichol et al. 2018, batched):  θ ← θ + ε (1/B) Σ_i (φ_K,i − θ)
 *   fomaml  (Finn et al. 2017, first order): θ ← θ − β (1/B) Σ_i ∇L_Q(φ_K,i)
 *   maml    (Finn et al. 2017, exact):        θ ← θ − β (1/B) Σ_i Π_{k=0}^{K−1} (I − α ∇²L_S(φ_k,i)) ∇L_Q(φ_K,i)
 * with α = `innerLr` and ε, β = `outerLr` annealed linearly to zero, `outerLr` (1 − t/T) at iteration t of T (Nichol
 * et al.'s schedule for Reptile, ours for MAML: with plain outer steps the last iterate otherwise keeps the noise of
 * the last few tasks drawn). The logistic Hessian is closed-form, so the MAML meta-gradient is exact
 * (back-propagated through the K steps as Hessian–vector products, the product applied from k = K − 1 down to 0).
 * θ starts at zero. Reptile draws no query set: its update uses only what the inner loop trained on.
 */
import { logisticGradient, logisticHessianVector } from "./logistic.js";
import { type Task, allRows, checkTask, drawToFront, uniformIndex } from "./task.js";

export type MetaMethod = "reptile" | "fomaml" | "maml";

export interface MetaOptions {
  readonly method: MetaMethod;
  readonly iterations: number;
  readonly tasksPerIteration: number;
  readonly innerSteps: number;
  readonly innerLr: number;
  readonly outerLr: number;
  readonly supportSize: number;
  readonly querySize: number;
  readonly l2: number;
}

/** Rows a task needs for one meta-training draw under `options`. */
const rowsPerDraw = (options: Pick<MetaOptions, "method" | "supportSize" | "querySize">): number =>
  options.supportSize + (options.method === "reptile" ? 0 : options.querySize);

const checkWhole = (name: string, value: number, minimum: number): void => {
  if (!Number.isInteger(value) || value < minimum) throw new RangeError(`metaTrain: ${name} must be a whole number ≥ ${minimum} (got ${value})`);
};

const checkOptions = (options: MetaOptions): void => {
  checkWhole("iterations", options.iterations, 0);
  checkWhole("tasksPerIteration", options.tasksPerIteration, 1);
  checkWhole("innerSteps", options.innerSteps, 0);
  checkWhole("supportSize", options.supportSize, 1);
  checkWhole("querySize", options.querySize, options.method === "reptile" ? 0 : 1);
  for (const [name, value] of [["innerLr", options.innerLr], ["outerLr", options.outerLr]] as const) {
    if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`metaTrain: ${name} must be a finite number > 0 (got ${value})`);
  }
  if (!(options.l2 >= 0) || !Number.isFinite(options.l2)) throw new RangeError(`metaTrain: l2 must be a finite number ≥ 0 (got ${options.l2})`);
};

/** Scratch buffers of one inner loop, reused across tasks and iterations. */
interface InnerScratch {
  readonly phi: Float64Array;
  readonly grad: Float64Array;
  /** φ_0 … φ_{K−1}, kept only for the exact MAML backward pass. */
  readonly trajectory: Float64Array;
  readonly hv: Float64Array;
}

const scratchFor = (size: number, innerSteps: number, method: MetaMethod): InnerScratch => ({
  phi: new Float64Array(size),
  grad: new Float64Array(size),
  trajectory: new Float64Array(method === "maml" ? size * innerSteps : 0),
  hv: new Float64Array(size),
});

/** Writes φ_K into `phi`: `innerSteps` full-batch gradient steps on `support` from θ (`phi` may be `theta` itself, to continue from it). */
export const innerLoop = (
  theta: Float64Array,
  task: Task,
  support: Int32Array,
  innerSteps: number,
  innerLr: number,
  l2: number,
  phi: Float64Array,
  scratch: InnerScratch = scratchFor(theta.length, innerSteps, "fomaml"),
): void => {
  const size = theta.length;
  phi.set(theta);
  const keep = scratch.trajectory.length > 0;
  for (let k = 0; k < innerSteps; k++) {
    if (keep) scratch.trajectory.set(phi, k * size);
    logisticGradient(phi, task, support, l2, scratch.grad);
    for (let j = 0; j < size; j++) phi[j] = phi[j]! - innerLr * scratch.grad[j]!;
  }
};

/**
 * Writes one task's meta-gradient into `out`: ∇L_Q(φ_K) for fomaml, its exact pull-back through the inner loop for
 * maml (for reptile use φ_K − θ instead; it has no meta-gradient). Exported so tests can check it against finite
 * differences of θ ↦ L_Q(φ_K(θ)).
 */
export const metaGradient = (
  method: "fomaml" | "maml",
  theta: Float64Array,
  task: Task,
  support: Int32Array,
  query: Int32Array,
  options: Pick<MetaOptions, "innerSteps" | "innerLr" | "l2">,
  out: Float64Array,
  scratch: InnerScratch = scratchFor(theta.length, options.innerSteps, method),
): void => {
  const size = theta.length;
  innerLoop(theta, task, support, options.innerSteps, options.innerLr, options.l2, scratch.phi, scratch);
  logisticGradient(scratch.phi, task, query, options.l2, out);
  if (method === "fomaml") return;
  for (let k = options.innerSteps - 1; k >= 0; k--) {
    logisticHessianVector(scratch.trajectory.subarray(k * size, (k + 1) * size), task, support, options.l2, out, scratch.hv);
    for (let j = 0; j < size; j++) out[j] = out[j]! - options.innerLr * scratch.hv[j]!;
  }
};

export const metaTrain = (tasks: readonly Task[], options: MetaOptions, random: () => number): Float64Array => {
  checkOptions(options);
  if (tasks.length === 0) throw new RangeError("metaTrain: no tasks to meta-train on");
  const d = tasks[0]!.d;
  const needed = rowsPerDraw(options);
  tasks.forEach((task, t) => {
    checkTask(task, `metaTrain: task ${t}`);
    if (task.d !== d) throw new RangeError(`metaTrain: task ${t} has ${task.d} features, task 0 has ${d}`);
    if (task.n < needed) throw new RangeError(`metaTrain: task ${t} has ${task.n} rows; each draw needs ${needed} (support ${options.supportSize}${options.method === "reptile" ? "" : ` + query ${options.querySize}`})`);
  });
  const size = d + 1;
  const theta = new Float64Array(size);
  const sum = new Float64Array(size);
  const taskUpdate = new Float64Array(size);
  const orders = tasks.map((task) => allRows(task.n));
  const scratch = scratchFor(size, options.innerSteps, options.method);
  const B = options.tasksPerIteration;
  for (let it = 0; it < options.iterations; it++) {
    sum.fill(0);
    for (let b = 0; b < B; b++) {
      const t = uniformIndex(tasks.length, random);
      const task = tasks[t]!;
      const drawn = drawToFront(orders[t]!, needed, random);
      const support = drawn.subarray(0, options.supportSize);
      if (options.method === "reptile") {
        innerLoop(theta, task, support, options.innerSteps, options.innerLr, options.l2, taskUpdate, scratch);
        for (let j = 0; j < size; j++) sum[j]! += taskUpdate[j]! - theta[j]!;
      } else {
        metaGradient(options.method, theta, task, support, drawn.subarray(options.supportSize), options, taskUpdate, scratch);
        for (let j = 0; j < size; j++) sum[j]! += taskUpdate[j]!;
      }
    }
    const rate = options.outerLr * (1 - it / options.iterations);
    const step = options.method === "reptile" ? rate / B : -rate / B;
    for (let j = 0; j < size; j++) theta[j] = theta[j]! + step * sum[j]!;
  }
  return theta;
};
