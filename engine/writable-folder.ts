import * as fs from "node:fs";
import * as path from "node:path";
import { StoreWriteError } from "../artifacts/errors.js";
import { UsageError } from "../dsl/errors.js";

/** The folder itself if it exists, else the nearest ancestor that does: where a missing folder would be made. */
const nearestExisting = (dir: string): string => {
  let at = dir;
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
};

/** Why a folder cannot be written (made if missing), as a phrase about `dir`, or undefined when it can. */
type FolderProblem = { readonly kind: "not-a-folder"; readonly problem: string } | { readonly kind: "not-writable"; readonly code: string; readonly problem: string };

const folderProblem = (dir: string): FolderProblem | undefined => {
  const existing = nearestExisting(dir);
  if (!fs.statSync(existing).isDirectory()) {
    return { kind: "not-a-folder", problem: existing === dir ? "is a file, not a folder" : `cannot be made: ${existing} is a file, not a folder` };
  }
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "EACCES";
    const where = existing === dir ? "" : ` (${existing}, where it would be made)`;
    return { kind: "not-writable", code, problem: code === "EROFS" ? `is on a read-only file system${where}` : `is not writable by this user${where}` };
  }
};

/**
 * Checks, before any work, that a folder a command writes into (--out, export --to) is a folder this user can
 * write or make, so a mistake is a usage error up front and never a failure after the run was recorded.
 */
export const requireWritableFolder = (flag: string, dir: string): string => {
  if (dir === "") throw new UsageError({ problem: `${flag} is empty; pass a folder to write into` });
  const absolute = path.resolve(dir);
  const found = folderProblem(absolute);
  if (found !== undefined) throw new UsageError({ problem: `${flag} ${absolute} ${found.problem}; pass a folder you can write (it is made if missing)` });
  return absolute;
};

const STORE_FOLDERS = ["tmp", "objects", "index", "refs"];

/**
 * Checks, before any work, that the store of a run can be written: a file given as --store is a usage error (exit
 * 2); a read-only or unwritable store is a StoreWriteError (exit 1). A run records its manifest, run record and
 * refs even when every node is cached, so a store it cannot write is refused before the first node, never midway.
 */
export const requireWritableStore = (flag: string | undefined, root: string): void => {
  if (flag === "") throw new UsageError({ problem: "--store is empty; pass the folder of a store (default .strata)" });
  // The store's own folders are checked too: one made read-only by hand fails the same way as the whole store.
  for (const dir of [root, ...STORE_FOLDERS.map((f) => path.join(root, f)).filter((f) => fs.existsSync(f))]) {
    const found = folderProblem(dir);
    if (found === undefined) continue;
    if (found.kind === "not-a-folder") throw new UsageError({ problem: `--store ${dir} ${found.problem}; pass the folder of a store (it is made if missing)` });
    throw new StoreWriteError({ path: dir, code: found.code, store: root });
  }
};
