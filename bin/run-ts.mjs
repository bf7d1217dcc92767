#!/usr/bin/env node
// Runs a TypeScript file (a benchmark or a script) with the same module hooks the strata command uses.
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { registerTypeScript } from "../runtime/typescript.mjs";

registerTypeScript();
const [file, ...rest] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node bin/run-ts.mjs <file.ts> [args...]\n");
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(file), ...rest];
await import(pathToFileURL(path.resolve(file)).href);
