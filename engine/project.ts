import * as fs from "node:fs";
import * as path from "node:path";

/** The project root of a file: the nearest folder above it that holds package.json. */
export const findProjectRoot = (file: string): string => {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.dirname(path.resolve(file));
    dir = parent;
  }
};

/** A path relative to the root, with forward slashes: the only form paths take in plans, keys and manifests. */
export const toProjectPath = (root: string, absolute: string): string =>
  path.relative(root, absolute).split(path.sep).join("/");

export const fromProjectPath = (root: string, projectPath: string): string => path.resolve(root, ...projectPath.split("/"));

/** Resolved versions of installed packages, from the root package-lock.json (npm lockfile v3). */
export const readLockfileVersions = (root: string): ReadonlyMap<string, string> => {
  const file = path.join(root, "package-lock.json");
  const versions = new Map<string, string>();
  if (!fs.existsSync(file)) return versions;
  const lock = JSON.parse(fs.readFileSync(file, "utf8")) as { packages?: Record<string, { version?: string }> };
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    const marker = key.lastIndexOf("node_modules/");
    // Only top-level installs: those are what first-party code resolves to.
    if (marker === 0 && entry.version) versions.set(key.slice("node_modules/".length), entry.version);
  }
  return versions;
};
