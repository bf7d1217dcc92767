import * as fs from "node:fs";
import * as path from "node:path";
import { ContentStore } from "../../artifacts/store.js";
import { UsageError } from "../../dsl/errors.js";
import { lastManifestRef, type RunManifest } from "../manifest.js";
import { LOCK_FILE, LOCK_FORMAT, lockEntryFromManifest, readLock, renderLock } from "./lock.js";
import { manifestReferences } from "./references.js";

export interface BundleResult {
  readonly dir: string;
  readonly objects: number;
  readonly bytes: number;
  readonly lockFile: string;
}

/**
 * Writes a self-contained bundle of one run: a folder with the store layout (objects/, refs/) holding the
 * manifest, the plan and every object the run references (raw source files, inputs, outputs), plus a study.lock
 * naming the manifest. Every object is read through the store's digest check, so a corrupt object stops the
 * export with its name instead of travelling. `strata replay DIR/study.lock` (or `<digest> --store DIR`) then
 * replays from the bundle, wherever it was copied.
 */
export const exportBundle = (store: ContentStore, manifestDigest: string, manifest: RunManifest, dir: string): BundleResult => {
  const target = path.resolve(dir);
  if (target === store.root) throw new UsageError({ problem: `strata export: --to ${dir} is the store being exported; choose another folder` });
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0 && !fs.existsSync(path.join(target, "objects"))) {
    throw new UsageError({ problem: `strata export: ${target} exists, is not empty and is not a Strata store; choose an empty or new folder` });
  }
  const bundle = new ContentStore(target);
  let bytes = 0;
  const refs = manifestReferences(store, manifestDigest, manifest);
  for (const ref of refs) {
    const data = store.get(ref.digest);
    bundle.put(data);
    bytes += data.length;
  }
  bundle.writeRef(lastManifestRef(manifest.study), manifestDigest);
  const lockFile = path.join(target, LOCK_FILE);
  const existing = readLock(lockFile);
  const lock = { format: LOCK_FORMAT, studies: { ...(existing?.studies ?? {}), [manifest.pipeline]: { ...lockEntryFromManifest(manifest), manifest: manifestDigest } } } as const;
  fs.writeFileSync(lockFile, renderLock(lock));
  // The store's in-flight folder is left empty after atomic writes; a bundle does not need it.
  const tmp = path.join(target, "tmp");
  if (fs.existsSync(tmp) && fs.readdirSync(tmp).length === 0) fs.rmdirSync(tmp);
  return { dir: target, objects: refs.length, bytes, lockFile };
};
