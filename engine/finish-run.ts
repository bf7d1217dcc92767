/**
 * What every finished run does after its manifest is written, whichever executor ran it and whoever started it:
 * apply its promotion outputs to the model registry, then record it in the run history.
 */
import type { ContentStore } from "../artifacts/store.js";
import type { RunManifest } from "./manifest.js";
import { applyPromotions, type AppliedDecision } from "./promotions.js";
import { recordRun, type RunOrigin } from "./run-history.js";

export interface FinishedRun {
  readonly manifest: string;
  /** The run-history record. */
  readonly run: string;
  readonly decisions: readonly AppliedDecision[];
}

export const finishRun = async (store: ContentStore, manifestDigest: string, manifest: RunManifest, origin: RunOrigin): Promise<FinishedRun> => {
  const decisions = await applyPromotions(store, manifestDigest, manifest);
  const { digest } = recordRun(store, manifestDigest, manifest, decisions, origin);
  return { manifest: manifestDigest, run: digest, decisions };
};
