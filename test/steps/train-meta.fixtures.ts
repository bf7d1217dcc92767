/** Synthetic logistic tasks for the meta-learning tests: shared weights plus an optional per-task shift. */
import { seededRandom } from "../../engine/random.js";
import type { Task } from "../../steps/train/meta/task.js";

export const gaussian = (random: () => number): (() => number) => () => {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
};

/** Rows x ~ N(0, I_d), y ~ Bernoulli(σ(bias + w·x)). */
export const logisticTask = (weights: readonly number[], bias: number, n: number, random: () => number): Task => {
  const d = weights.length;
  const normal = gaussian(random);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = bias;
    for (let j = 0; j < d; j++) {
      const v = normal();
      x[i * d + j] = v;
      z += weights[j]! * v;
    }
    y[i] = random() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { x, y, n, d };
};

/** A linearly separable task: y = 1 exactly when x_0 + x_1 > 0, rows at least `margin` from the boundary. */
export const separableTask = (n: number, d: number, margin: number, seed: number): Task => {
  const random = seededRandom(seed, "separable");
  const normal = gaussian(random);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = normal();
    const s = x[i * d]! + x[i * d + 1]!;
    const push = s >= 0 ? margin : -margin;
    x[i * d] = x[i * d]! + push;
    y[i] = s >= 0 ? 1 : 0;
  }
  return { x, y, n, d };
};

/** Rows `from` … `to − 1` of a task as a task of their own (a copy; tests only). */
export const sliceTask = (task: Task, from: number, to: number): Task => ({
  x: task.x.slice(from * task.d, to * task.d),
  y: task.y.slice(from, to),
  n: to - from,
  d: task.d,
});

/** Concatenates tasks' rows (the pooled baseline's training set). */
export const poolTasks = (tasks: readonly Task[]): Task => {
  const d = tasks[0]!.d;
  const n = tasks.reduce((s, t) => s + t.n, 0);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  let at = 0;
  for (const t of tasks) {
    x.set(t.x, at * d);
    y.set(t.y, at);
    at += t.n;
  }
  return { x, y, n, d };
};
