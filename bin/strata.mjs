#!/usr/bin/env node
// The strata command. In this repository it runs from the TypeScript sources, so the TypeScript hooks are
// registered first; in the installed package (no sources, see "files" in package.json) it runs dist/, where every
// module sits at the same relative path as its source, bundled with effect and apache-arrow into shared chunks
// (bin/bundle-modules.mjs).
import * as fs from "node:fs";

const fromSources = fs.existsSync(new URL("../cli/main.ts", import.meta.url));
const base = fromSources ? "../" : "../dist/";
const argv = process.argv.slice(2);
// Commands that load a pipeline file get its loader thread started now, so its startup overlaps with this one's.
if (["run", "explain", "schedule"].includes(argv[0])) (await import(`${base}runtime/study-loader.mjs`)).startStudyLoader(argv.slice(1));
const { preloadPackages } = await import(`${base}runtime/preload.mjs`);

const wantsHelp = argv[0] === undefined || ["--help", "-h", "help"].includes(argv[0]);
// The command list (cli/main.ts prints it for the same words) needs none of the packages every command loads.
if (!wantsHelp) await preloadPackages();
// Installed, this thread runs only compiled modules: a pipeline file is imported in the study-loader thread and
// steps run in step-worker threads, and each of those registers the hooks itself. Without them Node's own loader
// reads the bundles, with no round trip to a hooks thread per module.
if (fromSources) (await import("../runtime/typescript.mjs")).registerTypeScript();
// `strata runs list | head`: a reader that stops early is not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import(fromSources ? "../cli/main.ts" : "../dist/cli/main.js");
process.exitCode = await main(argv);
