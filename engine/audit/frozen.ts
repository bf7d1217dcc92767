import * as path from "node:path";
import { shortDigest } from "../../artifacts/digest.js";
import type { ContentStore } from "../../artifacts/store.js";
import type { StudyPlan } from "../../dsl/plan.js";
import type { LoadedStudy } from "../load-study.js";
import { lockPathFor, planNodeDigests, readLock } from "./lock.js";
import { diffPlans, renderPlanDifference, type PlanDifference } from "./plan-diff.js";

export interface FrozenMismatch {
  readonly lockFile: string;
  readonly reason: "no-lock" | "no-entry" | "plan-changed";
  readonly lockedPlan?: string;
  readonly currentPlan: string;
  /** Field-level differences when the locked plan is in the store; node-level ones otherwise. */
  readonly differences: readonly PlanDifference[];
  readonly message: string;
}

const readPlan = (store: ContentStore, digest: string): StudyPlan | undefined => {
  if (store.check(digest) !== undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(store.get(digest))) as StudyPlan;
  } catch {
    return undefined;
  }
};

/**
 * `strata run --frozen`, before running: the study's plan must be exactly the one its study.lock names (after the
 * run, engine/audit/run-lock.ts holds every output to the lock too). Returns undefined when it is, otherwise what
 * differs and how to accept the change.
 */
export const checkFrozen = (study: LoadedStudy, store: ContentStore): FrozenMismatch | undefined => {
  const lockFile = lockPathFor(path.join(study.root, study.pipeline));
  const shownLock = path.relative(process.cwd(), lockFile) || lockFile;
  const accept = `To accept the current plan, run \`strata run ${study.pipeline}\` without --frozen (it rewrites ${shownLock}), then commit the lock.`;
  const lock = readLock(lockFile);
  const entry = lock?.studies[study.pipeline];
  if (!lock || !entry) {
    const reason = lock ? "no-entry" : "no-lock";
    const what = lock ? `${shownLock} has no entry for ${study.pipeline}` : `there is no ${shownLock}`;
    return { lockFile, reason, currentPlan: study.planDigest, differences: [], message: `strata run --frozen: ${what}, so there is no accepted plan to hold the study to.\n${accept}` };
  }
  if (entry.planDigest === study.planDigest) return undefined;

  const locked = readPlan(store, entry.planDigest);
  let differences: PlanDifference[];
  let note = "";
  if (locked) differences = diffPlans(locked, study.plan);
  else {
    const lockedIds = Object.keys(entry.planNodes ?? entry.nodes);
    const ids = study.plan.nodes.map((n) => n.id);
    const current = planNodeDigests(study.plan);
    const changed = entry.planNodes === undefined ? [] : ids.filter((id) => lockedIds.includes(id) && entry.planNodes![id] !== current[id]);
    differences = [
      ...lockedIds.filter((id) => !ids.includes(id)).map((id) => ({ node: id, field: "node", before: id, after: "removed" })),
      ...ids.filter((id) => !lockedIds.includes(id)).map((id) => ({ node: id, field: "node", before: "absent", after: `added ${id}` })),
      ...changed.map((id) => ({ node: id, field: "step, params, inputs or seed", before: `entry ${shortDigest(entry.planNodes![id]!)}`, after: `entry ${shortDigest(current[id]!)}` })),
    ];
    const named = entry.planNodes === undefined ? "only added and removed nodes can be named" : "changed nodes are named but not their fields";
    note = `  (the locked plan ${shortDigest(entry.planDigest)} is not in ${store.root}, so ${named}; pass --store with a store that ran it to compare field by field)\n`;
  }
  const lines = differences.length > 0 ? differences.map((d) => `    ${renderPlanDifference(d)}\n`).join("") : "    (same nodes; params, inputs or seeds differ)\n";
  return {
    lockFile,
    reason: "plan-changed",
    lockedPlan: entry.planDigest,
    currentPlan: study.planDigest,
    differences,
    message:
      `strata run --frozen: the plan of ${study.pipeline} no longer matches ${shownLock}\n` +
      `  locked plan  ${entry.planDigest}\n` +
      `  current plan ${study.planDigest}\n` +
      `  what differs:\n${lines}${note}${accept}`,
  };
};
