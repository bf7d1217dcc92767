/**
 * A digest of a table's schema and values that does not depend on its encoding. It hashes each column's dense
 * buffers whole (see dense-column.ts: one contiguous buffer per column, null slots zeroed or empty), so its cost is
 * that of sha256 over the column bytes, not of a hash update per cell:
 *
 *   canonical JSON {format, rows, schema: [[name, type, nullCount]...]}, then per column in schema order:
 *   the validity bitmap (only when nullCount > 0), then float64 / int32 values little-endian (floats as IEEE-754
 *   bit patterns, so NaN payloads and -0 are distinguished), bool values as a bitmap, or for strings the int32
 *   offsets followed by the UTF-8 bytes.
 *
 * The digest is written "logical/2:<64 hex>". Digests recorded before this format are untagged 64 hex characters
 * (one hash update per cell); the two never compare equal, and an untagged digest is recomputed, not compared.
 */
import { createHash } from "node:crypto";
import * as os from "node:os";
import { Schema } from "effect";
import { canonicalJson } from "./canonical-json.js";
import type { DenseColumn } from "./dense-column.js";

const TAG = "logical/2:";

if (os.endianness() !== "LE") throw new Error("Strata's logical digests hash little-endian column buffers; this machine is big-endian");

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export const logicalDigestOfColumns = (rows: number, columns: readonly DenseColumn[]): string => {
  const hash = createHash("sha256");
  hash.update(canonicalJson({ format: TAG.slice(0, -1), rows, schema: columns.map((c) => [c.name, c.type, c.nullCount]) }));
  for (const col of columns) {
    if (col.nullCount > 0) hash.update(col.valid!);
    if (col.offsets !== undefined) hash.update(bytesOf(col.offsets));
    hash.update(bytesOf(col.values));
  }
  return TAG + hash.digest("hex");
};

/** A logical digest as recorded in manifests: the current tagged format, or an untagged one from older runs. */
export const LogicalDigestSchema = Schema.String.check(Schema.isPattern(/^(logical\/2:)?[0-9a-f]{64}$/));

/** Whether a recorded logical digest is in the format `logicalDigest` computes (and so can be compared with it). */
export const isCurrentLogicalDigest = (digest: string): boolean => digest.startsWith(TAG);
