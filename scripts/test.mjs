#!/usr/bin/env node
// `npm test`: typechecks, makes sure the two programs the suites drive are on this machine, then runs every
// suite (arguments are passed to vitest). Nothing is downloaded except through package managers: the Temporal
// CLI is found or built once from Go modules (workers/setup-temporal.sh), Chromium is Debian's package.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Where Debian's chromium package puts the browser; test/report/browser.test.ts launches this path. */
const CHROMIUM = "/usr/bin/chromium";

const fail = (message) => {
  process.stderr.write(`npm test: ${message}\n`);
  process.exit(1);
};

/** Runs a command with its output on this terminal; exits with its status when it fails. */
const run = (command, args, env = process.env) => {
  const r = spawnSync(command, args, { cwd: root, stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const step = (what) => process.stderr.write(`== ${what}\n`);

step("typecheck");
run(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "."]);

step("Temporal CLI for the durable-execution suite");
// The script prints only the path on stdout; its search and build progress go to stderr.
const temporal = spawnSync("bash", [path.join(root, "workers", "setup-temporal.sh")], { cwd: root, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
if (temporal.status !== 0) fail("no Temporal CLI (see above); the durable-execution suite needs it and never skips");
const temporalBin = temporal.stdout.trim();
process.stderr.write(`temporal: ${temporalBin}\n`);

step("Chromium for the report browser test");
if (!fs.existsSync(CHROMIUM)) {
  const aptGet = spawnSync("sh", ["-c", "command -v apt-get"], { encoding: "utf8" }).stdout.trim();
  if (process.getuid?.() !== 0 || aptGet === "") {
    fail(`the browser test needs Debian's Chromium at ${CHROMIUM}; install it with: sudo apt-get install -y chromium`);
  }
  process.stderr.write("installing Debian's chromium package with apt-get (once)...\n");
  run(aptGet, ["update", "-qq"]);
  run(aptGet, ["install", "-y", "-qq", "chromium"], { ...process.env, DEBIAN_FRONTEND: "noninteractive" });
}
const version = spawnSync(CHROMIUM, ["--version"], { encoding: "utf8" });
if (version.status !== 0) fail(`${CHROMIUM} does not start (${(version.stderr || "").trim()}); reinstall it with: sudo apt-get install --reinstall -y chromium`);
process.stderr.write(`chromium: ${version.stdout.trim()}\n`);

step("vitest run");
run(process.execPath, [path.join(root, "node_modules", "vitest", "vitest.mjs"), "run", ...process.argv.slice(2)], { ...process.env, STRATA_TEMPORAL_BIN: temporalBin });
