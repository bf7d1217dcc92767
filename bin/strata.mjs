#!/usr/bin/env node
// The strata command. Pipelines and steps are TypeScript, so the TypeScript hooks are registered first. In this
// repository the command runs from the TypeScript sources; in the installed package (no sources, see "files" in
// package.json) it runs the compiled modules in dist/, which sit at the same relative paths.
import * as fs from "node:fs";

const fromSources = fs.existsSync(new URL("../cli/main.ts", import.meta.url));
const base = fromSources ? "../" : "../dist/";
const argv = process.argv.slice(2);
// Commands that load a pipeline file get its loader thread started now, so its startup overlaps with this one's.
if (["run", "explain", "schedule"].includes(argv[0])) (await import(`${base}runtime/study-loader.mjs`)).startStudyLoader();
const { preloadPackages } = await import(`${base}runtime/preload.mjs`);
const { registerTypeScript } = await import(`${base}runtime/typescript.mjs`);

const wantsHelp = argv[0] === undefined || ["--help", "-h", "help"].includes(argv[0]);
// The command list (cli/main.ts prints it for the same words) needs none of the packages every command loads.
if (!wantsHelp) await preloadPackages();
registerTypeScript();
// `strata runs list | head`: a reader that stops early is not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import(fromSources ? "../cli/main.ts" : "../dist/cli/main.js");
process.exitCode = await main(argv);
