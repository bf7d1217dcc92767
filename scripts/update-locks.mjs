#!/usr/bin/env node
// `npm run locks`: reruns every reference study cold in a throwaway store and rewrites its study.lock, so an
// intended change of results is accepted in one command; then commit the locks it names.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { REFERENCE_STUDIES } from "./reference-studies.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const store = fs.mkdtempSync(path.join(os.tmpdir(), "strata-locks-"));
try {
  for (const pipeline of REFERENCE_STUDIES) {
    process.stderr.write(`== strata run ${pipeline} (cold, store ${store})\n`);
    const run = spawnSync(process.execPath, [path.join(root, "bin", "strata.mjs"), "run", pipeline, "--store", store, "--out", path.join(store, "reports")], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (run.status !== 0) {
      process.stderr.write(`locks: ${pipeline} failed (exit ${run.status ?? run.signal}); its lock was not written\n`);
      process.exit(1);
    }
  }
  const changed = spawnSync("git", ["status", "--porcelain", "--", "*study.lock"], { cwd: root, encoding: "utf8" }).stdout.trim();
  process.stderr.write(changed === "" ? "locks: every study.lock already holds these results\n" : `locks: changed, review and commit:\n${changed}\n`);
} finally {
  fs.rmSync(store, { recursive: true, force: true });
}
