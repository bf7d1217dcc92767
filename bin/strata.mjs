#!/usr/bin/env node
// The strata command. Pipelines and steps are TypeScript, so the project's TypeScript hooks are registered first.
import { preloadPackages } from "../runtime/preload.mjs";
import { startStudyLoader } from "../runtime/study-loader.mjs";
import { registerTypeScript } from "../runtime/typescript.mjs";

// Commands that load a pipeline file get its loader thread started now, so its startup overlaps with this one's.
if (["run", "explain", "schedule"].includes(process.argv[2])) startStudyLoader();
await preloadPackages();
registerTypeScript();
// `strata runs list | head`: a reader that stops early is not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
