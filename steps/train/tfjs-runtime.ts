/**
 * The one place Strata touches tfjs set-up: the wasm backend (initialised once per process or worker thread,
 * single-threaded, SIMD build pinned so every machine runs the same binary) and a seeded stand-in for Math.random
 * around training. The stored weight encoding is weights.ts: it does not depend on tfjs.
 *
 * tfjs is loaded by initTfjs, not when this module loads: a pipeline file imports every step module it uses, so a
 * top-level import would make every command (a warm run included, where nothing trains) pay about 0.6 s to load
 * tfjs. Steps `await initTfjs()` before they build a model; `tf` is a live binding that holds the module from then
 * on. Modules that need tfjs types use `import type * as TF from "@tensorflow/tfjs"`, which loads nothing.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as TF from "@tensorflow/tfjs";

const notLoaded = new Proxy({} as typeof TF, {
  get: (_, key) => {
    throw new Error(`tfjs is not loaded yet (tf.${String(key)}): await initTfjs() before using tf`);
  },
});

/** The tfjs module, once initTfjs() has resolved; before that, any use throws an error that says so. */
export let tf: typeof TF = notLoaded;

let ready: Promise<void> | undefined;

/**
 * Loads tfjs and initialises it on the wasm backend, once. The .wasm binaries are read from node_modules (never
 * downloaded). Threads are off and SIMD is pinned on (Node 20's V8 always has wasm SIMD): auto-detection could
 * otherwise pick a different binary on another machine, and a different binary may sum in a different order.
 */
export const initTfjs = (): Promise<void> => {
  ready ??= (async () => {
    const tfjs = await import("@tensorflow/tfjs");
    const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
    const require = createRequire(import.meta.url);
    const dist = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
    tfjs.env().set("WASM_HAS_SIMD_SUPPORT", true);
    tfjs.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    setWasmPaths(`${dist}${path.sep}`);
    const ok = await tfjs.setBackend("wasm");
    await tfjs.ready();
    if (!ok || tfjs.getBackend() !== "wasm") throw new Error(`tfjs: the wasm backend failed to initialise (backend is ${tfjs.getBackend()})`);
    tf = tfjs;
  })();
  return ready;
};

let seededDepth = 0;

/**
 * Runs `fn` with Math.random replaced by `rng`, then restores it (also on error). tfjs reads Math.random for
 * dropout masks (and for unseeded initialisers and fit's shuffle, which Strata does not use), so training draws
 * only from a ctx stream. Not re-entrant: two trainings interleaving in one thread would share one stream, so a
 * nested call is a defect and throws.
 */
export const withSeededMathRandom = async <T>(rng: () => number, fn: () => Promise<T> | T): Promise<T> => {
  if (seededDepth > 0) throw new Error("withSeededMathRandom: already active in this thread; trainings must not interleave");
  const original = Math.random;
  seededDepth++;
  Math.random = rng;
  try {
    return await fn();
  } finally {
    Math.random = original;
    seededDepth--;
  }
};

/** A non-zero 31-bit integer seed drawn from a ctx stream (tfjs treats seed 0 as "unseeded"). */
export const drawSeed = (rng: () => number): number => 1 + Math.floor(rng() * 0x7ffffffe);
