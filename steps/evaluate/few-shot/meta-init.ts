/**
 * A meta-initialization as a few-shot cell reads it: train.meta's `strata-meta-init/1` document
 * (steps/train/meta/init-document.ts), checked against the cell it is wired into (same features in the same order,
 * the same held-out site).
 */
import { Schema } from "effect";
import type { Standardizer } from "../../preprocess/standardize.js";
import type { AdaptOptions } from "../../train/meta/adapt.js";
import { MetaInitSchema, adaptOptionsOf, initParams } from "../../train/meta/init-document.js";

export interface MetaInit {
  readonly method: string;
  readonly standardizer: Standardizer;
  readonly params: Float64Array;
  /** How to adapt it on a support set of n rows: the document's own rule (adaptOptionsOf). */
  readonly adaptOptions: (supportRows: number) => AdaptOptions;
}

export const readMetaInit = (json: unknown, cell: { readonly site: string; readonly features: readonly string[] }, fail: (problem: string) => never): MetaInit => {
  const decoded = Schema.decodeUnknownExit(MetaInitSchema)(json);
  if (decoded._tag === "Failure") return fail("expected a strata-meta-init/1 document (the init output of train.meta)");
  const doc = decoded.value;
  if (doc.heldOutSite !== cell.site) fail(`the ${doc.method} initialization was meta-trained with ${JSON.stringify(doc.heldOutSite)} held out, not ${JSON.stringify(cell.site)}; wire each site's own initializations`);
  if (doc.features.join("\u0000") !== cell.features.join("\u0000")) {
    fail(`the ${doc.method} initialization has the features ${doc.features.join(", ")}; the cell uses ${cell.features.join(", ")} (same names, same order)`);
  }
  const { means, sds } = doc.standardization;
  return { method: doc.method, standardizer: { columns: doc.features, mean: means, sd: sds }, params: initParams(doc), adaptOptions: (n) => adaptOptionsOf(doc, n) };
};
