import { spawn } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository this test suite belongs to. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `strata` command in a child process, as a user would. */
export const strata = (args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> => {
  const cwd = options.cwd ?? repoRoot;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(cwd, "bin/strata.mjs"), ...args], {
      cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
};

/** Parses the single JSON object a `--json` command prints. */
export const jsonOf = <T = Record<string, unknown>>(r: CliResult): T => {
  if (r.code !== 0) throw new Error(`strata exited ${r.code}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};
