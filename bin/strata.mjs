#!/usr/bin/env node
// The strata command. Pipelines are TypeScript files, so the tsx loader is registered before anything loads.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../engine/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
