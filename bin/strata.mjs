#!/usr/bin/env node
// The strata command. Pipelines and steps are TypeScript, so the project's TypeScript hooks are registered first.
import { register } from "node:module";
import { preloadPackages } from "./preload.mjs";

await preloadPackages();
register("./ts-hooks.mjs", import.meta.url);
process.setSourceMapsEnabled(true);
const { main } = await import("../engine/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
