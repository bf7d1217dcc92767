import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is test/audit/support.ts). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = path.join(REPO, "bin", "strata.mjs");

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI (`node bin/strata.mjs ...`) in a child process, as a user would. */
export const strata = (args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
  new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (!("STRATA_STORE" in env)) delete childEnv["STRATA_STORE"];
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: childEnv, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });

export const json = <T = any>(r: CliResult): T => {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout (exit ${r.code}); stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
};

export const tempDir = (label: string): string => fs.mkdtempSync(path.join(os.tmpdir(), `strata-audit-${label}-`));

/**
 * A throwaway project holding what the audit fixture studies need (the DSL, the artifact codecs, the CSV ingest
 * step with the row-naming module it imports, and test/fixtures/audit) at the same relative paths, with package.json, package-lock.json and a symlink
 * to the repository's node_modules. Tests edit its files (step code, pipeline params) and `strata run` writes its
 * study.lock there, never in the repository.
 */
export const makeProject = (label: string): string => {
  const root = tempDir(label);
  for (const dir of ["dsl", "artifacts", "steps/ingest", "steps/row-reference.ts", "test/fixtures/audit"]) {
    fs.cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true, filter: (src) => path.basename(src) !== "study.lock" });
  }
  for (const f of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(REPO, f), path.join(root, f));
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"), "dir");
  return root;
};

export const LINE = "test/fixtures/audit/pipelines/line.ts";
export const NOISY = "test/fixtures/audit/pipelines/noisy.ts";
export const POINTS = "test/fixtures/audit/data/points.csv";

/** Every file under a folder with its size and mtime, to show that a command left a store untouched. */
export const snapshot = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.statSync(p);
        out[path.relative(dir, p)] = `${st.size}:${st.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return out;
};

/** Overwrites one byte in the middle of a stored object (objects are written read-only by nobody, but be safe). */
export const flipByte = (file: string): void => {
  fs.chmodSync(file, 0o644);
  const bytes = fs.readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0x20;
  fs.writeFileSync(file, bytes);
};

export const objectFile = (store: string, digest: string): string => path.join(store, "objects", digest.slice(0, 2), digest.slice(2));
