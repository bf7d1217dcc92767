#!/usr/bin/env node
// Builds the installable package into dist/: tsc writes the .d.ts files (tsconfig.build.json), esbuild bundles the
// TypeScript modules into JavaScript at the same paths, sharing chunks (bin/bundle-modules.mjs: fast start-up, one
// instance per module), and the files that are not TypeScript but are loaded beside the compiled modules (module
// hooks, the step-worker entry, the Temporal setup script, the `strata init` templates) are copied to the same
// places under dist/, so every relative URL in the code resolves the same way in the sources and in dist/.
// This repository itself runs from the sources; dist/ is only what `npm pack` ships (see "files" in package.json).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleModules, moduleEntries } from "./bundle-modules.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
// Every .mjs module of these folders (tsc does not emit them), so a new worker entry or hook cannot be left out.
const MODULE_FOLDERS = ["runtime", "engine", "workers", "cli", "dsl", "steps", "artifacts"];
const modules = MODULE_FOLDERS.flatMap((folder) =>
  fs.readdirSync(path.join(root, folder), { recursive: true }).map(String).filter((f) => f.endsWith(".mjs")).map((f) => path.join(folder, f)),
);
// The folders of tsconfig.build.json's "include" that hold modules.
/** dist/'s folder of the workflow code that Temporal workers bundle (workers/bundle.ts reads it from there). */
const WORKFLOW_SOURCES = "workflow-sources";
const BUNDLED_FOLDERS = ["cli", "dsl", "engine", "steps", "workers", "artifacts"];
const COPIED = [...modules, "workers/setup-temporal.sh", "templates"];

fs.rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json"), "--emitDeclarationOnly"], { stdio: "inherit", cwd: root });
const esbuild = await import("esbuild");
await bundleModules(esbuild, { root, entries: moduleEntries(root, BUNDLED_FOLDERS), outdir: dist });
for (const part of COPIED) fs.cpSync(path.join(root, part), path.join(dist, part), { recursive: true });
// A Temporal worker bundles the workflow code itself (workers/bundle.ts: bundleWorkflowCode, webpack), which must
// not read the bundles above: they run in Temporal's sandbox, where the chunks' Node imports are refused, and its
// loader compiles no TypeScript under node_modules. So the workflow module and its own imports ship as one plain
// JavaScript file of their own (the SDK's packages left as imports).
await esbuild.build({
  absWorkingDir: root,
  entryPoints: ["workers/workflows.ts"],
  outfile: path.join(dist, WORKFLOW_SOURCES, "workflows.js"),
  bundle: true,
  format: "esm",
  platform: "neutral",
  external: ["@temporalio/*"],
  logLevel: "warning",
});
process.stdout.write(`built ${path.relative(process.cwd(), dist) || "."}\n`);
