#!/usr/bin/env node
// The strata command. Pipelines and steps are TypeScript, so the project's TypeScript hooks are registered first.
import { preloadPackages } from "../runtime/preload.mjs";
import { registerTypeScript } from "../runtime/typescript.mjs";

await preloadPackages();
registerTypeScript();
// `strata runs list | head`: a reader that stops early is not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
