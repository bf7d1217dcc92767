import { digestOfJson } from "../artifacts/digest.js";
import type { JsonValue } from "../dsl/step.js";

/** Bump when the way keys are built changes, so old index entries can never be mistaken for new ones. */
export const KEY_VERSION = 1;

/** Everything a node's cache key is built from. Recorded in manifests so `explain` can say what changed. */
export interface KeyComponents {
  readonly keyVersion: number;
  readonly step: string;
  readonly codeDigest: string;
  readonly params: JsonValue;
  readonly inputs: { readonly [name: string]: string | readonly string[] };
  readonly envDigest: string;
  readonly seed: number;
}

export const cacheKey = (components: KeyComponents): string => digestOfJson(components);
