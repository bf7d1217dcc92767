import * as path from "node:path";
import { ContentStore, resolveStoreRoot } from "../../artifacts/store.js";
import { UsageError } from "../../dsl/errors.js";
import type { LoadedStudy } from "../load-study.js";
import type { RunManifest } from "../manifest.js";
import { checkFrozen } from "./frozen.js";
import { changedOutputs, lockEntryForRun, lockPathFor, readLock, recordLock } from "./lock.js";

/**
 * The two hooks `strata run` needs (kept here so every executor can call them the same way).
 *
 * Before running, with --frozen: undefined when the plan matches the pipeline's study.lock, otherwise the message
 * to print (what differs, how to accept it); the run must then stop with a non-zero exit.
 */
export const frozenGate = (study: LoadedStudy, storeFlag: string | undefined): string | undefined =>
  checkFrozen(study, new ContentStore(resolveStoreRoot(storeFlag)))?.message.concat("\n");

/** What the lock step after a run says on stderr, and whether the run must end with exit 1 (--frozen mismatch). */
export interface LockOutcome {
  readonly message: string;
  readonly failed: boolean;
}

/**
 * After a successful run: records its results in study.lock beside the pipeline (unless `write` is false), or
 * with --frozen leaves the lock alone and fails when any output digest differs from the locked one, naming each
 * node and output with both digests.
 */
export const lockAfterRun = (study: LoadedStudy, manifest: RunManifest, options: { readonly frozen: boolean; readonly write: boolean }): LockOutcome => {
  const pipelineFile = path.join(study.root, study.pipeline);
  const lockFile = lockPathFor(pipelineFile);
  const entry = lockEntryForRun(study.plan, manifest);
  const shown = path.relative(process.cwd(), lockFile) || lockFile;
  if (options.frozen) {
    const locked = readLock(lockFile)?.studies[study.pipeline] ?? { ...entry, nodes: {} };
    const changed = changedOutputs(locked, entry);
    if (changed.length === 0) return { message: `strata: outputs match ${shown} (--frozen: lock not written)\n`, failed: false };
    const lines = changed.map((c) => `    node ${c.node}, output ${c.output}: locked ${c.locked ?? "(absent)"}, now ${c.now ?? "(absent)"}\n`).join("");
    return {
      failed: true,
      message:
        `strata run --frozen: ${changed.length} output${changed.length === 1 ? "" : "s"} of ${study.pipeline} differ from ${shown} (the plan matches; the lock was not written):\n${lines}` +
        `  If the change is intended, run \`strata run ${study.pipeline}\` without --frozen (it rewrites ${shown}) and commit the lock.\n`,
    };
  }
  if (!options.write) return { message: "", failed: false };
  let recorded: ReturnType<typeof recordLock>;
  try {
    recorded = recordLock(pipelineFile, study.pipeline, entry);
  } catch (e) {
    // The run itself succeeded and is stored; a lock file that cannot be read is left as it is, with a warning.
    if (!(e instanceof UsageError)) throw e;
    return { message: `strata: warning: study.lock not updated: ${e.message}\n`, failed: false };
  }
  const { update } = recorded;
  return {
    message: update === "unchanged" ? `strata: ${shown} unchanged (same plan and outputs)\n` : `strata: ${update} ${shown} (commit it to accept this run)\n`,
    failed: false,
  };
};
