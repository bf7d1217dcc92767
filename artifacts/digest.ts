import { createHash } from "node:crypto";
import { Schema } from "effect";
import { canonicalJson } from "./canonical-json.js";

/** A sha256 digest as 64 lowercase hex characters. */
export type Digest = string;

export const sha256Hex = (data: Uint8Array | string): Digest => createHash("sha256").update(data).digest("hex");

/** Digest of a value's canonical JSON: the one way Strata hashes structured data (keys, plans, manifests). */
export const digestOfJson = (value: unknown): Digest => sha256Hex(canonicalJson(value));

/** A sha256 digest at a boundary (manifests, locks, registry entries, run records). */
export const DigestSchema = Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/));

export const isDigest = (s: string): boolean => /^[0-9a-f]{64}$/.test(s);

export const shortDigest = (d: Digest): string => d.slice(0, 12);
