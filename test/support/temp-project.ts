import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "./cli.js";

/** Folders of the project that a study needs at run time. */
const PROJECT_PARTS = ["package.json", "package-lock.json", "tsconfig.json", "bin", "runtime", "cli", "dsl", "artifacts", "engine", "steps", "pipelines", "workers", "data", "test/fixtures", "test/support"];

/**
 * A throwaway copy of this project (node_modules symlinked), so a test can edit a step's code or data the way a
 * user would, without touching the repository.
 */
export const makeTempProject = (prefix = "strata-project-"): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const part of PROJECT_PARTS) {
    const from = path.join(repoRoot, part);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, part), { recursive: true });
  }
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
};

export const makeTempDir = (prefix = "strata-test-"): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Flips one byte in the middle of a file. */
export const flipByte = (file: string): void => {
  const bytes = fs.readFileSync(file);
  const i = Math.floor(bytes.length / 2);
  bytes[i] = bytes[i]! ^ 0xff;
  fs.writeFileSync(file, bytes);
};
