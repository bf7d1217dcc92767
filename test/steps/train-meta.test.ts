import { execFile } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../engine/random.js";
import { adapt } from "../../steps/train/meta/adapt.js";
import { logisticGradient, logisticHessianVector, logisticLoss, predictLogistic } from "../../steps/train/meta/logistic.js";
import { adam } from "../../steps/train/meta/optimizers.js";
import { innerLoop, metaGradient, metaTrain } from "../../steps/train/meta/meta-train.js";
import { selectAdaptSteps } from "../../steps/train/meta/select-steps.js";
import { type Task, allRows, drawToFront, uniformIndex } from "../../steps/train/meta/task.js";
import { metaDigests } from "./train-meta-determinism.script.js";
import { logisticTask, separableTask } from "./train-meta.fixtures.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);

const task = logisticTask([0.8, -1.2, 0.3, 0, 2], -0.4, 40, seededRandom(1, "fd"));
const theta = Float64Array.from([0.3, -0.2, 0.5, 0.1, -0.7, 0.25]);
const rows = allRows(task.n);
const l2 = 0.05;

/** Central finite differences of f at θ, coordinate by coordinate. */
const numericGradient = (f: (p: Float64Array) => number, at: Float64Array, h = 1e-5): Float64Array => {
  const g = new Float64Array(at.length);
  for (let j = 0; j < at.length; j++) {
    const plus = Float64Array.from(at);
    const minus = Float64Array.from(at);
    plus[j] = plus[j]! + h;
    minus[j] = minus[j]! - h;
    g[j] = (f(plus) - f(minus)) / (2 * h);
  }
  return g;
};

const maxAbsDiff = (a: Float64Array, b: Float64Array): number => a.reduce((m, v, j) => Math.max(m, Math.abs(v - b[j]!)), 0);

describe("logistic model of the meta-learning trainers", () => {
  it("has a gradient equal to finite differences of its loss", () => {
    const grad = new Float64Array(theta.length);
    logisticGradient(theta, task, rows, l2, grad);
    const numeric = numericGradient((p) => logisticLoss(p, task, rows, l2), theta);
    expect(maxAbsDiff(grad, numeric)).toBeLessThan(1e-8);
    expect(Math.max(...grad.map(Math.abs))).toBeGreaterThan(1e-2);
  });

  it("has a Hessian–vector product equal to finite differences of its gradient", () => {
    const v = Float64Array.from([1, -0.5, 0.25, 2, -1, 0.75]);
    const hv = new Float64Array(theta.length);
    logisticHessianVector(theta, task, rows, l2, v, hv);
    const h = 1e-5;
    const gPlus = new Float64Array(theta.length);
    const gMinus = new Float64Array(theta.length);
    logisticGradient(theta.map((t, j) => t + h * v[j]!), task, rows, l2, gPlus);
    logisticGradient(theta.map((t, j) => t - h * v[j]!), task, rows, l2, gMinus);
    const numeric = gPlus.map((g, j) => (g - gMinus[j]!) / (2 * h));
    expect(maxAbsDiff(hv, numeric)).toBeLessThan(1e-8);
  });

  it("predicts σ(b + w·x) and rejects mismatched sizes", () => {
    const prob = predictLogistic(theta, task.x, task.n, task.d);
    const x0 = Array.from(task.x.subarray(0, task.d));
    const z = theta[task.d]! + x0.reduce((s, v, j) => s + v * theta[j]!, 0);
    expect(prob[0]).toBeCloseTo(1 / (1 + Math.exp(-z)), 14);
    expect(() => predictLogistic(theta.subarray(1), task.x, task.n, task.d)).toThrow(/expected 6/);
  });
});

describe("meta-gradients", () => {
  const support = Int32Array.from([0, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  const query = Int32Array.from([20, 22, 24, 26, 28, 30, 32, 34, 36, 38]);
  const options = { innerSteps: 4, innerLr: 0.5, l2 };
  const outer = (p: Float64Array): number => {
    const phi = new Float64Array(p.length);
    innerLoop(p, task, support, options.innerSteps, options.innerLr, l2, phi);
    return logisticLoss(phi, task, query, l2);
  };

  it("second-order MAML's meta-gradient equals finite differences of the query loss after the inner loop", () => {
    const exact = new Float64Array(theta.length);
    metaGradient("maml", theta, task, support, query, options, exact);
    const numeric = numericGradient(outer, theta);
    expect(maxAbsDiff(exact, numeric)).toBeLessThan(1e-8);
  });

  it("first-order MAML's is the query gradient at the adapted parameters (and differs from the exact one)", () => {
    const first = new Float64Array(theta.length);
    metaGradient("fomaml", theta, task, support, query, options, first);
    const phi = new Float64Array(theta.length);
    innerLoop(theta, task, support, options.innerSteps, options.innerLr, l2, phi);
    expect(maxAbsDiff(first, numericGradient((p) => logisticLoss(p, task, query, l2), phi))).toBeLessThan(1e-8);
    expect(maxAbsDiff(first, numericGradient(outer, theta))).toBeGreaterThan(1e-3);
  });
});

describe("Adam", () => {
  it("moves each parameter by lr · sign(g) on its first step and follows Kingma & Ba's bias-corrected moments after", () => {
    const params = Float64Array.from([1, -2, 0.5]);
    const g1 = Float64Array.from([0.3, -4, 1e-3]);
    const g2 = Float64Array.from([-0.1, 2, 1e-3]);
    const opt = adam(0.01, 3);
    opt.step(params, g1);
    [1 - 0.01, -2 + 0.01, 0.5 - 0.01].forEach((v, j) => expect(params[j]).toBeCloseTo(v, 6));
    const after1 = Float64Array.from(params);
    opt.step(params, g2);
    g2.forEach((g, j) => {
      const m = (0.9 * 0.1 * g1[j]! + 0.1 * g) / (1 - 0.9 ** 2);
      const v = (0.999 * 0.001 * g1[j]! ** 2 + 0.001 * g * g) / (1 - 0.999 ** 2);
      expect(params[j]).toBeCloseTo(after1[j]! - (0.01 * m) / (Math.sqrt(v) + 1e-8), 12);
    });
  });
});

describe("adapt", () => {
  it("drives the training loss of a separable task to about zero (Adam, minibatches)", () => {
    const sep = separableTask(80, 3, 0.5, 2);
    const init = new Float64Array(4);
    const before = logisticLoss(init, sep, allRows(sep.n), 0);
    const params = adapt(init, sep, { steps: 3000, lr: 0.1, batchSize: 4, optimizer: "adam", l2: 0 }, seededRandom(3, "adapt"));
    expect(before).toBeCloseTo(Math.log(2), 12);
    expect(logisticLoss(params, sep, allRows(sep.n), 0)).toBeLessThan(1e-3);
    const prob = predictLogistic(params, sep.x, sep.n, sep.d);
    expect(prob.every((p, i) => (p > 0.5 ? 1 : 0) === sep.y[i])).toBe(true);
  });

  it("with SGD on a full batch is plain gradient descent and draws nothing from the stream", () => {
    let draws = 0;
    const counting = () => {
      draws++;
      return 0.5;
    };
    const params = adapt(theta, task, { steps: 3, lr: 0.2, batchSize: task.n, optimizer: "sgd", l2 }, counting);
    const expected = new Float64Array(theta.length);
    innerLoop(theta, task, rows, 3, 0.2, l2, expected);
    expect(draws).toBe(0);
    expect(Array.from(params)).toEqual(Array.from(expected));
  });

  it("returns the initialization unchanged for an empty support set or zero steps, never aliasing it", () => {
    const empty: Task = { x: new Float64Array(0), y: new Float64Array(0), n: 0, d: task.d };
    const options = { steps: 10, lr: 0.01, batchSize: 4, optimizer: "adam", l2: 0 } as const;
    const out = adapt(theta, empty, options, seededRandom(1, "x"));
    expect(Array.from(out)).toEqual(Array.from(theta));
    expect(out).not.toBe(theta);
    expect(Array.from(adapt(theta, task, { ...options, steps: 0 }, seededRandom(1, "x")))).toEqual(Array.from(theta));
    expect(() => adapt(theta, task, { ...options, batchSize: 0 }, seededRandom(1, "x"))).toThrow(/batchSize/);
  });
});

describe("metaTrain", () => {
  const data = seededRandom(4, "tasks");
  const tasks = [0, 1, 2].map((t) => logisticTask([1, -1, t - 1], 0.5 * t, 50, data));
  const base = { iterations: 30, tasksPerIteration: 2, innerSteps: 3, innerLr: 0.2, outerLr: 0.5, supportSize: 10, querySize: 10, l2: 0 };

  it("gives identical bytes from the same stream, different ones from another seed", () => {
    for (const method of ["reptile", "fomaml", "maml"] as const) {
      const a = metaTrain(tasks, { ...base, method }, seededRandom(1, "meta"));
      const b = metaTrain(tasks, { ...base, method }, seededRandom(1, "meta"));
      const c = metaTrain(tasks, { ...base, method }, seededRandom(2, "meta"));
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
      expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
    }
  });

  it("Reptile's first iteration with one task, all its rows and ε = 1 is gradient descent on that task", () => {
    const one = tasks[0]!;
    const init = metaTrain([one], { ...base, method: "reptile", iterations: 1, tasksPerIteration: 1, innerSteps: 5, outerLr: 1, supportSize: one.n }, seededRandom(1, "r"));
    const expected = new Float64Array(one.d + 1);
    innerLoop(new Float64Array(one.d + 1), one, allRows(one.n), 5, base.innerLr, 0, expected);
    expect(maxAbsDiff(init, expected)).toBeLessThan(1e-15);
  });

  it("anneals the outer step linearly to zero: the last iteration's update is (1 − (T − 1)/T) of the first's", () => {
    const one = tasks[0]!;
    const options = { ...base, method: "reptile" as const, tasksPerIteration: 1, innerSteps: 1, outerLr: 1, supportSize: one.n };
    // Two iterations: θ_1 = φ(0) (ε = 1), θ_2 = θ_1 + ½ (φ(θ_1) − θ_1).
    const two = metaTrain([one], { ...options, iterations: 2 }, seededRandom(1, "r"));
    const first = new Float64Array(one.d + 1);
    innerLoop(new Float64Array(one.d + 1), one, allRows(one.n), 1, base.innerLr, 0, first);
    const phi = new Float64Array(one.d + 1);
    innerLoop(first, one, allRows(one.n), 1, base.innerLr, 0, phi);
    expect(maxAbsDiff(two, first.map((t, j) => t + 0.5 * (phi[j]! - t)))).toBeLessThan(1e-15);
  });

  it("each method lowers the meta-objective: the query loss after the inner loop, from its init rather than from zero", () => {
    const r = seededRandom(8, "objective");
    const shifted = [0, 1, 2, 3].map((t) => logisticTask([1.5, -1, 0.5], t - 1.5, 80, r));
    const objective = (init: Float64Array) =>
      selectAdaptSteps(init, shifted, { candidates: [base.innerSteps], draws: 300, supportSize: 10, querySize: 10, innerLr: base.innerLr, l2: 0 }, seededRandom(3, "score")).meanQueryLoss[0]!;
    const zero = objective(new Float64Array(4));
    for (const method of ["reptile", "fomaml", "maml"] as const) {
      const init = metaTrain(shifted, { ...base, method, iterations: 300 }, seededRandom(1, method));
      expect(objective(init), method).toBeLessThan(zero - 0.05);
    }
  });

  it("names the task that is too small for a draw", () => {
    const small = { ...tasks[1]!, n: 12, x: tasks[1]!.x.slice(0, 36), y: tasks[1]!.y.slice(0, 12) };
    expect(() => metaTrain([tasks[0]!, small], { ...base, method: "maml" }, seededRandom(1, "m"))).toThrow(/task 1 has 12 rows; each draw needs 20/);
  });

  it("meta-trains 1,000 iterations × 4 tasks × 5 inner steps over ~500 rows and 14 features in under 2 s", () => {
    const r = seededRandom(9, "speed");
    const weights = Array.from({ length: 14 }, (_, j) => (j % 3) - 1);
    const sites = [200, 150, 100, 50].map((n, t) => logisticTask(weights.map((w) => w + 0.3 * t), t - 1, n, r));
    for (const method of ["reptile", "fomaml", "maml"] as const) {
      const started = performance.now();
      metaTrain(sites, { method, iterations: 1000, tasksPerIteration: 4, innerSteps: 5, innerLr: 0.1, outerLr: 0.1, supportSize: 20, querySize: 20, l2: 0 }, seededRandom(1, method));
      expect(performance.now() - started, method).toBeLessThan(2000);
    }
  });
});

describe("selectAdaptSteps", () => {
  const tasks = [0, 1].map((t) => logisticTask([1, -1, t], t - 0.5, 40, seededRandom(t, "select")));
  const options = { candidates: [0, 2, 5], draws: 1, supportSize: 10, querySize: 10, innerLr: 0.5, l2: 0 };

  it("scores every candidate on the same draw, continuing one pass exactly as separate runs from the init would", () => {
    const init = Float64Array.from([0.2, -0.1, 0.3, 0]);
    const selection = selectAdaptSteps(init, tasks, options, seededRandom(1, "s"));
    // The same draw, replayed: the task, then its support and query rows.
    const random = seededRandom(1, "s");
    const t = uniformIndex(tasks.length, random);
    const rows = drawToFront(allRows(tasks[t]!.n), 20, random);
    const expected = options.candidates.map((steps) => {
      const phi = new Float64Array(init.length);
      innerLoop(init, tasks[t]!, rows.subarray(0, 10), steps, options.innerLr, 0, phi);
      return logisticLoss(phi, tasks[t]!, rows.subarray(10), 0);
    });
    expect(selection.meanQueryLoss).toEqual(expected);
    const best = expected.indexOf(Math.min(...expected));
    expect(selection.steps).toBe(options.candidates[best]);
  });

  it("refuses candidates out of order and tasks too small for a draw", () => {
    const init = new Float64Array(4);
    expect(() => selectAdaptSteps(init, tasks, { ...options, candidates: [2, 1] }, seededRandom(1, "s"))).toThrow(/ascending/);
    expect(() => selectAdaptSteps(init, tasks, { ...options, querySize: 31 }, seededRandom(1, "s"))).toThrow(/task 0 has 40 rows; each draw needs 41/);
  });
});

describe("determinism across processes", () => {
  it("gives bit-identical meta-initializations and adapted parameters in two fresh processes and in this one", async () => {
    const once = async () => (await run(process.execPath, ["bin/run-ts.mjs", "test/steps/train-meta-determinism.script.ts"], { cwd: root })).stdout.trim();
    const [first, second] = await Promise.all([once(), once()]);
    expect(first).toBe(second);
    expect(JSON.parse(first)).toEqual(metaDigests());
  }, 60_000);
});
