/**
 * After a run: carries out every promotion output of the run (artifacts/promotion-decision.ts) on the model
 * registry in the run's store, whichever step made it. Steps only decide; the registry changes here, once per run,
 * so a decision served from the cache decides the same and applying it again changes nothing.
 */
import { decodePromotionDecision } from "../artifacts/promotion-decision.js";
import { ModelRegistry, type PromotionOutcome } from "../artifacts/registry.js";
import type { ContentStore } from "../artifacts/store.js";
import type { RunManifest } from "./manifest.js";

/** What happened to one decision: "kept" when it refused, otherwise the registry's outcome. */
export type AppliedStatus = "kept" | PromotionOutcome["status"];

export interface AppliedDecision {
  readonly node: string;
  readonly channel: string;
  readonly candidate: string;
  readonly champion: string | null;
  readonly promote: boolean;
  readonly status: AppliedStatus;
  readonly reason: string;
  readonly blockedBy: readonly string[];
  /** The decision, and the first report output (by name) of the node that made it, in the store. */
  readonly decision: string;
  readonly report: string | null;
}

const what: Record<AppliedStatus, string> = {
  kept: "champion kept",
  promoted: "promoted",
  unchanged: "already the champion",
  superseded: "not promoted: another run changed the channel meanwhile (the next run compares with the new champion)",
  "rolled-back-earlier": "not promoted: this model was rolled back out of the channel; promote it by hand with `strata models promote` if wanted",
};

/** One line for people: "heart-retrain/logreg:champion: promoted (…reason…)". */
export const describeDecision = (d: AppliedDecision): string => `${d.channel}: ${what[d.status]} (${d.reason})`;

export const applyPromotions = async (store: ContentStore, manifestDigest: string, manifest: RunManifest): Promise<AppliedDecision[]> => {
  const registry = new ModelRegistry(store);
  const applied: AppliedDecision[] = [];
  for (const node of manifest.nodes) {
    const outputs = Object.entries(node.outputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const report = outputs.find(([, o]) => o.kind === "report")?.[1].digest ?? null;
    for (const [name, output] of outputs) {
      if (output.kind !== "promotion") continue;
      const d = decodePromotionDecision(store.get(output.digest), `output ${node.id}.${name} (${output.digest}) of ${manifest.study}`);
      const status: AppliedStatus = d.promote
        ? (
            await registry.promote(d.channel, {
              model: d.candidate,
              manifest: manifestDigest,
              decision: output.digest,
              by: `gate ${manifest.study}/${node.id}`,
              note: d.reason,
              expected: d.champion,
              respectRollbacks: true,
            })
          ).status
        : "kept";
      applied.push({
        node: node.id,
        channel: d.channel,
        candidate: d.candidate,
        champion: d.champion,
        promote: d.promote,
        status,
        reason: d.reason,
        blockedBy: d.blockedBy,
        decision: output.digest,
        report,
      });
    }
  }
  return applied;
};
