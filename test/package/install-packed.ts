import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { writeStudyLockfile } from "./study-lockfile.js";

// Strata as a user gets it: `npm pack` (which builds dist/), the tarball installed with `npm install --offline`
// into a study repository that `strata init` scaffolded outside this repository. Shared by the package tests and
// bench/startup.ts.

export interface ShResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const sh = (command: string, args: readonly string[], cwd: string): ShResult => {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: "false" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

export const ok = (r: ShResult): ShResult => {
  if (r.code !== 0) throw new Error(`exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
};

/** Packs `repoRoot` into `work`, scaffolds `work/<name>` with `strata init` and installs it offline; returns the study folder. */
export const installPackedStrata = (repoRoot: string, work: string, name = "my-study"): string => {
  ok(sh("npm", ["pack", "--pack-destination", work], repoRoot));
  const tarball = path.join(work, fs.readdirSync(work).find((f) => f.endsWith(".tgz"))!);
  ok(sh(process.execPath, [path.join(repoRoot, "bin/strata.mjs"), "init", name, "--strata", `file:${tarball}`], work));
  const study = path.join(work, name);
  writeStudyLockfile(study, repoRoot, tarball);
  ok(sh("npm", ["install", "--offline", "--no-audit", "--no-fund"], study));
  return study;
};

/**
 * Copies this repository's heart-disease study (its pipeline files and data) into an installed study, its imports
 * rewritten to the package's names ("strata", "strata/steps/…"). Returns the pipeline's path inside the study.
 */
export const copyHeartDisease = (repoRoot: string, study: string): string => {
  for (const file of ["heart-disease.ts", "heart-common.ts"]) {
    const text = fs
      .readFileSync(path.join(repoRoot, "pipelines", file), "utf8")
      .replace(/"\.\.\/dsl\/[a-z-]+\.js"/g, '"strata"')
      .replace(/"\.\.\/steps\/([^"]+)\.js"/g, '"strata/steps/$1"');
    fs.writeFileSync(path.join(study, "pipelines", file), text);
  }
  fs.cpSync(path.join(repoRoot, "data/heart-cleveland"), path.join(study, "data/heart-cleveland"), { recursive: true });
  return "pipelines/heart-disease.ts";
};
