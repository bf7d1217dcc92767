/**
 * After a run: carries out what the run's promotion gates decided (steps/evaluate/promotion-gate.ts), on the
 * model registry in the run's store. Steps only decide; the registry changes here, once per run, so a gate served
 * from the cache decides the same and applying it again changes nothing.
 */
import { ModelRegistry, type PromotionOutcome } from "../artifacts/registry.js";
import type { ContentStore } from "../artifacts/store.js";
import type { PromotionDecision } from "../steps/evaluate/promotion-gate.js";
import type { RunManifest } from "./manifest.js";

export const PROMOTION_GATE_STEP = "evaluate.promotion-gate";

/** What happened to one gate's decision: "kept" when the gate refused, otherwise the registry's outcome. */
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
  /** The gate's decision and Markdown report, in the store. */
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
    if (node.step !== PROMOTION_GATE_STEP) continue;
    const decisionDigest = node.outputs["decision"]!.digest;
    const d = JSON.parse(Buffer.from(store.get(decisionDigest)).toString("utf8")) as PromotionDecision;
    const status: AppliedStatus = d.promote
      ? (
          await registry.promote(d.channel, {
            model: d.candidate,
            manifest: manifestDigest,
            decision: decisionDigest,
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
      decision: decisionDigest,
      report: node.outputs["markdown"]?.digest ?? null,
    });
  }
  return applied;
};
