import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { digestOfJson, sha256Hex } from "../artifacts/digest.js";

/** An installed package as code digests name it: its package.json name and version, and a digest of its files. */
export interface InstalledPackage {
  readonly root: string;
  readonly name: string;
  readonly version: string;
}

/** The package a file belongs to: the nearest folder above it with a package.json, or undefined when none is. */
export const packageOfFile = (file: string): InstalledPackage | undefined => {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string; version?: string };
      return { root: dir, name: pkg.name ?? path.basename(dir), version: pkg.version ?? "unversioned" };
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
};

/** Strata itself: this repository when run from its sources, or the installed package when run from dist/. */
export const STRATA_PACKAGE: InstalledPackage = packageOfFile(fileURLToPath(import.meta.url)) ?? { root: "", name: "strata", version: "unknown" };

const contentDigests = new Map<string, string>();

/**
 * The sha256 of every file of an installed package (paths and bytes, its own node_modules left out), computed
 * once per process: an installed Strata rebuilt or patched under the same version still gets new cache keys.
 * Type declarations (.d.ts) are left out too: Node never loads them, so they cannot change what a step computes,
 * and they are a third of the files whose reading makes up this digest's cost on every run.
 */
export const packageContentDigest = (pkg: InstalledPackage): string => {
  let digest = contentDigests.get(pkg.root);
  if (digest === undefined) {
    const files: [string, string][] = [];
    const walk = (dir: string, rel: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (entry.name === "node_modules") continue;
        const child = path.join(dir, entry.name);
        const childRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
        if (entry.isDirectory()) walk(child, childRel);
        else if (entry.isFile() && !entry.name.endsWith(".d.ts")) files.push([childRel, sha256Hex(fs.readFileSync(child))]);
      }
    };
    walk(pkg.root, "");
    digest = digestOfJson(files);
    contentDigests.set(pkg.root, digest);
  }
  return digest;
};

/** How a code digest names an installed package: `name@version` and its content digest, e.g. "0.1.0 sha256:ab12…". */
export const installedPackageKey = (pkg: InstalledPackage): string => `${pkg.version} sha256:${packageContentDigest(pkg)}`;

/**
 * Computes Strata's own content digest ahead of need when it runs as an installed package (every code digest of
 * its steps names it): called while this thread would otherwise only wait, e.g. for the pipeline's loader thread.
 */
export const prepareInstalledStrataDigest = (): void => {
  if (STRATA_PACKAGE.root.split(path.sep).includes("node_modules")) packageContentDigest(STRATA_PACKAGE);
};
