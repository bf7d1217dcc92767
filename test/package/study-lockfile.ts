import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * A package-lock.json for a scaffolded study that pins every dependency to the version this repository installed
 * (its own package-lock.json, with resolved URLs and integrity hashes) and strata to the packed tarball. With it,
 * `npm install --offline` takes every package from the local npm cache without asking the registry for a
 * package's metadata, which the cache may not hold. npm drops the entries the study does not need.
 */
export const writeStudyLockfile = (studyDir: string, repoRoot: string, tarball: string): void => {
  const study = JSON.parse(fs.readFileSync(path.join(studyDir, "package.json"), "utf8")) as Record<string, unknown>;
  const repoLock = JSON.parse(fs.readFileSync(path.join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, Record<string, unknown>> };
  const strata = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as Record<string, unknown>;
  const packages: Record<string, unknown> = {
    "": { name: study.name, version: study.version, dependencies: study.dependencies, devDependencies: study.devDependencies },
    "node_modules/strata": {
      version: strata.version,
      resolved: `file:${tarball}`,
      integrity: `sha512-${createHash("sha512").update(fs.readFileSync(tarball)).digest("base64")}`,
      license: strata.license,
      dependencies: strata.dependencies,
      bin: strata.bin,
      engines: strata.engines,
    },
  };
  for (const [key, entry] of Object.entries(repoLock.packages)) {
    if (key.startsWith("node_modules/") && !("link" in entry)) packages[key] = entry;
  }
  const lock = { name: study.name, version: study.version, lockfileVersion: 3, requires: true, packages };
  fs.writeFileSync(path.join(studyDir, "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`);
};
