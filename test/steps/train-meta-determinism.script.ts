/**
 * Run by train-meta.test.ts in fresh processes (node bin/run-ts.mjs): meta-trains with each method, adapts with Adam
 * (FLamby's settings) and SGD in minibatches of 4, and prints the sha256 of every parameter vector's bytes as one JSON line.
 */
import { sha256Hex } from "../../artifacts/digest.js";
import { seededRandom } from "../../engine/random.js";
import { FLAMBY_ADAPT_DEFAULTS, adapt } from "../../steps/train/meta/adapt.js";
import { type MetaMethod, metaTrain } from "../../steps/train/meta/meta-train.js";
import { logisticTask } from "./train-meta.fixtures.js";

const bytes = (a: Float64Array): string => sha256Hex(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

export const metaDigests = (): Record<string, string> => {
  const data = seededRandom(11, "tasks");
  const tasks = [0.5, -0.5, 1].map((shift) => logisticTask([1, -1, 0.5 + shift, 0], shift, 60, data));
  const out: Record<string, string> = {};
  for (const method of ["reptile", "fomaml", "maml"] as MetaMethod[]) {
    const options = { method, iterations: 50, tasksPerIteration: 3, innerSteps: 3, innerLr: 0.1, outerLr: 0.3, supportSize: 10, querySize: 10, l2: 0.01 };
    const init = metaTrain(tasks, options, seededRandom(5, method));
    out[method] = bytes(init);
    out[`${method}/adam`] = bytes(adapt(init, tasks[0]!, { ...FLAMBY_ADAPT_DEFAULTS, steps: 40 }, seededRandom(6, "adam")));
    out[`${method}/sgd`] = bytes(adapt(init, tasks[0]!, { steps: 40, lr: 0.01, batchSize: 4, optimizer: "sgd", l2: 0 }, seededRandom(6, "sgd")));
  }
  return out;
};

if (process.argv[1]?.endsWith("train-meta-determinism.script.ts")) {
  process.stdout.write(`${JSON.stringify(metaDigests())}\n`);
}
