/**
 * How a node's registry-channel input becomes a digest: the model set its candidate would replace in that channel
 * (artifacts/registry.ts), or, when the channel holds no other model yet, a small "no model" document naming the
 * channel. Either way the digest enters the node's cache key, so a gate decision is reused only against the same
 * champion.
 */
import { canonicalJsonBytes } from "../artifacts/canonical-json.js";
import { sha256Hex, type Digest } from "../artifacts/digest.js";
import { ModelRegistry, NO_MODEL_FORMAT } from "../artifacts/registry.js";
import type { ContentStore } from "../artifacts/store.js";

const noModelDocument = (channel: string) => canonicalJsonBytes({ format: NO_MODEL_FORMAT, channel });

export interface ResolvedChannel {
  readonly digest: Digest;
  /** The champion's model set, or null when there is none. */
  readonly model: Digest | null;
}

/** Resolves without writing anything (for `strata explain`). */
export const peekChannel = (store: ContentStore, channel: string, candidate: Digest): ResolvedChannel => {
  const model = new ModelRegistry(store).modelReplacedBy(channel, candidate);
  return { digest: model ?? sha256Hex(noModelDocument(channel)), model };
};

/** Resolves for a run: the "no model" document is stored so the step can read it like any input. */
export const resolveChannel = (store: ContentStore, channel: string, candidate: Digest): ResolvedChannel => {
  const resolved = peekChannel(store, channel, candidate);
  if (resolved.model === null) store.put(noModelDocument(channel));
  return resolved;
};
