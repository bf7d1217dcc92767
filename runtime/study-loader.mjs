// The worker thread that imports a pipeline file (engine/study-loader-worker.mjs). The strata command starts it
// at launch, before its own startup: the worker's startup (effect, apache-arrow, the TypeScript hooks) then
// overlaps with the main thread's instead of following it, which keeps a warm run about as fast as loading the
// pipeline in the main thread. Unreferenced until taken, so a command that never loads a study exits as usual.
import { Worker } from "node:worker_threads";

const ENTRY = new URL("../engine/study-loader-worker.mjs", import.meta.url);
let started;

export const startStudyLoader = () => {
  started ??= new Worker(ENTRY);
  started.unref();
};

/** The worker started at launch, or a new one; each loads one pipeline file. */
export const takeStudyLoader = () => {
  const worker = started ?? new Worker(ENTRY);
  started = undefined;
  worker.ref();
  return worker;
};
