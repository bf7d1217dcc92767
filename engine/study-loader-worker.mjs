// Worker-thread entry that imports one pipeline file (sent as a message) and posts back its plan as plain data, or the reason it could
// not. Loading in a thread lets the main thread give up on a pipeline that never finishes loading (an endless loop
// in the builder cannot be interrupted in the thread that runs it) and keeps a process.exit in the pipeline from
// ending the command silently.
import { parentPort, workerData } from "node:worker_threads";
import { isBundled, preloadPackages } from "../runtime/preload.mjs";
import { strataImportsOf } from "../runtime/strata-imports.mjs";
import { registerTypeScript } from "../runtime/typescript.mjs";

// The file to load arrives once this thread is ready: runtime/study-loader.mjs starts it before it is known.
const request = new Promise((resolve) => parentPort.once("message", resolve));
await preloadPackages();
const modules = () => Promise.all([import("./study-import.js"), import("./wire-errors.js"), import("../dsl/errors.js")]);
let loaded;
if (isBundled) {
  // The installed package's bundles need no hooks, so they are imported before them (Node's own loader reads them
  // faster): the engine's modules, then the Strata modules the pipeline imports, the same instances it will get.
  // The pipeline named on the command line (runtime/study-loader.mjs) needs no wait for the command to send it.
  loaded = await modules();
  const likely = workerData?.likelyPipelines ?? [];
  const files = likely.length > 0 ? likely : [(await request).absolute];
  for (const url of new Set(files.flatMap(strataImportsOf))) await import(url).catch(() => undefined);
}
registerTypeScript();
const [{ importStudy }, { toWireError }, { PipelineError }] = loaded ?? (await modules());
const { absolute, pipeline, root } = await request;
const fail = (e) => parentPort.postMessage({ type: "error", error: toWireError(e) });
process.exit = (code) => {
  throw new PipelineError({ file: pipeline, problem: `the pipeline called process.exit(${code ?? ""}) while loading; a pipeline file only builds its study (throw an Error to stop with a message)` });
};
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
try {
  parentPort.postMessage({ type: "study", study: await importStudy(absolute, pipeline, root) });
} catch (e) {
  fail(e);
}
