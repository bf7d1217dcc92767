// The worker thread that imports a pipeline file (engine/study-loader-worker.mjs). The strata command starts it
// at launch, before its own startup: the worker's startup (effect, apache-arrow, the TypeScript hooks) then
// overlaps with the main thread's instead of following it, which keeps a warm run about as fast as loading the
// pipeline in the main thread. Unreferenced until taken, so a command that never loads a study exits as usual.
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { hasCachedPlan } from "./plan-cache.mjs";

const ENTRY = new URL("../engine/study-loader-worker.mjs", import.meta.url);
let started;

/**
 * The TypeScript files among the command's arguments, absolute: the pipeline it will most likely load, so the
 * worker can prefetch that pipeline's Strata modules and register its hooks before the command has parsed its
 * arguments and sends the file it really loads. A guess only: a wrong one costs its prefetch, nothing else.
 */
const likelyPipelines = (args) =>
  args.filter((a) => !a.startsWith("-") && /\.[cm]?ts$/.test(a) && fs.statSync(a, { throwIfNoEntry: false })?.isFile()).map((a) => path.resolve(a));

/**
 * Starts the worker now; `args` (the command's arguments) name the pipeline it will probably be sent. A pipeline
 * whose plan is cached (runtime/plan-cache.mjs) needs no worker, so none is started for it.
 */
export const startStudyLoader = (args = []) => {
  const likely = likelyPipelines(args);
  if (likely.some(hasCachedPlan)) return;
  started ??= new Worker(ENTRY, { workerData: { likelyPipelines: likely } });
  started.unref();
};

/** The worker started at launch, or a new one; each loads one pipeline file. */
export const takeStudyLoader = () => {
  const worker = started ?? new Worker(ENTRY, { workerData: { likelyPipelines: [] } });
  started = undefined;
  worker.ref();
  return worker;
};
