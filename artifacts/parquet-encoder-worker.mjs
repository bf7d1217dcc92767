// Entry of the Parquet encoder's helper thread (artifacts/parquet-encoder.ts). It loads only apache-arrow,
// parquet-wasm and the encoder's few modules, so it starts in a fraction of a step thread's time. From the sources
// apache-arrow is imported before the TypeScript hooks are registered (see runtime/preload.mjs); the installed
// package's bundles need no hooks.
import { isBundled } from "../runtime/preload.mjs";
import { registerTypeScript } from "../runtime/typescript.mjs";

if (!isBundled) {
  await import("apache-arrow");
  registerTypeScript();
}
const { serveEncodeRequests } = await import("./parquet-encoder-loop.js");
serveEncodeRequests();
