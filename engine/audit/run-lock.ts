import * as path from "node:path";
import { ContentStore, resolveStoreRoot } from "../../artifacts/store.js";
import { UsageError } from "../../dsl/errors.js";
import type { LoadedStudy } from "../load-study.js";
import type { RunManifest } from "../manifest.js";
import { checkFrozen } from "./frozen.js";
import { changedOutputs, lockEntryFromManifest, lockPathFor, readLock, recordLock } from "./lock.js";

/**
 * The two hooks `strata run` needs (kept here so every executor can call them the same way).
 *
 * Before running, with --frozen: undefined when the plan matches the pipeline's study.lock, otherwise the message
 * to print (what differs, how to accept it); the run must then stop with a non-zero exit.
 */
export const frozenGate = (study: LoadedStudy, storeFlag: string | undefined): string | undefined =>
  checkFrozen(study, new ContentStore(resolveStoreRoot(storeFlag)))?.message.concat("\n");

/**
 * After a successful run: records it in study.lock beside the pipeline (unless `write` is false), or with --frozen
 * leaves the lock alone and says whether the outputs still match it. Returns one line for stderr.
 */
export const lockAfterRun = (
  study: LoadedStudy,
  manifestDigest: string,
  manifest: RunManifest,
  store: ContentStore,
  options: { readonly frozen: boolean; readonly write: boolean },
): string => {
  const pipelineFile = path.join(study.root, study.pipeline);
  const entry = lockEntryFromManifest(manifestDigest, manifest);
  const shown = (file: string) => path.relative(process.cwd(), file) || file;
  if (options.frozen) {
    const locked = readLock(lockPathFor(pipelineFile))?.studies[study.pipeline];
    const changed = locked ? changedOutputs(locked, entry) : [];
    return changed.length === 0
      ? `strata: outputs match ${shown(lockPathFor(pipelineFile))} (--frozen: lock not written)\n`
      : `strata: warning: --frozen: the plan matches the lock but ${changed.length} output${changed.length === 1 ? "" : "s"} differ from it (${changed.slice(0, 5).join(", ")}${changed.length > 5 ? ", ..." : ""}); the lock was not written. \`strata replay ${shown(lockPathFor(pipelineFile))}\` tells why.\n`;
  }
  if (!options.write) return "";
  let recorded: ReturnType<typeof recordLock>;
  try {
    recorded = recordLock(pipelineFile, study.pipeline, entry, (d) => store.has(d));
  } catch (e) {
    // The run itself succeeded and is stored; a lock file that cannot be read is left as it is, with a warning.
    if (!(e instanceof UsageError)) throw e;
    return `strata: warning: study.lock not updated: ${e.message}\n`;
  }
  const { file, update } = recorded;
  return update === "unchanged" ? `strata: ${shown(file)} unchanged (same plan and outputs)\n` : `strata: ${update} ${shown(file)} (commit it to accept this run)\n`;
};
