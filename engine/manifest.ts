import { Schema } from "effect";
import { canonicalJsonBytes } from "../artifacts/canonical-json.js";
import { DigestSchema, isDigest } from "../artifacts/digest.js";
import { LogicalDigestSchema } from "../artifacts/logical-digest.js";
import type { ContentStore } from "../artifacts/store.js";
import { UsageError } from "../dsl/errors.js";
import { HANDLE_KINDS } from "../dsl/handles.js";

const Json = Schema.Unknown;

const OutputRecordSchema = Schema.Struct({
  kind: Schema.Literals(HANDLE_KINDS),
  digest: DigestSchema,
  logicalDigest: Schema.optional(LogicalDigestSchema),
});

const KeyComponentsSchema = Schema.Struct({
  keyVersion: Schema.Number,
  step: Schema.String,
  codeDigest: DigestSchema,
  params: Json,
  inputs: Schema.Record(Schema.String, Schema.Union([DigestSchema, Schema.Array(DigestSchema)])),
  envDigest: DigestSchema,
  seed: Schema.Number,
});

export const ManifestNodeSchema = Schema.Struct({
  id: Schema.String,
  step: Schema.String,
  module: Schema.String,
  key: DigestSchema,
  components: KeyComponentsSchema,
  code: Schema.Struct({ files: Schema.Record(Schema.String, DigestSchema), packages: Schema.Record(Schema.String, Schema.String) }),
  sources: Schema.Record(Schema.String, Schema.Struct({ path: Schema.String, digest: DigestSchema })),
  channels: Schema.optional(Schema.Record(Schema.String, Schema.Struct({ channel: Schema.String, model: Schema.NullOr(DigestSchema) }))),
  cached: Schema.Boolean,
  outputs: Schema.Record(Schema.String, OutputRecordSchema),
  /** Absent in manifests written before nodes recorded their start. */
  startedAt: Schema.optional(Schema.String),
  seconds: Schema.Number,
  units: Schema.optional(Schema.Struct({ total: Schema.Number, ran: Schema.Number })),
});

export const RunManifestSchema = Schema.Struct({
  format: Schema.Literal("strata-manifest/1"),
  study: Schema.String,
  pipeline: Schema.String,
  planDigest: DigestSchema,
  executor: Schema.Literals(["local", "temporal"]),
  environment: Schema.Struct({
    digest: DigestSchema,
    components: Schema.Struct({
      node: Schema.String,
      tfjs: Schema.String,
      tfjsBackend: Schema.String,
      parquetWriter: Schema.String,
      // Absent in manifests written before SQL steps existed.
      duckdb: Schema.optional(Schema.String),
    }),
  }),
  host: Schema.Struct({ hostname: Schema.String, platform: Schema.String, node: Schema.String }),
  startedAt: Schema.String,
  seconds: Schema.Number,
  nodes: Schema.Array(ManifestNodeSchema),
});

/** The record of one run: per node every key component, hit or miss, output digests and timing. */
export type RunManifest = typeof RunManifestSchema.Type;
export type ManifestNode = typeof ManifestNodeSchema.Type;

/** Stores a manifest (content-addressed, canonical JSON) and points the study's "last" ref at it. */
export const writeManifest = (store: ContentStore, manifest: RunManifest): string => {
  const digest = store.put(canonicalJsonBytes(manifest));
  store.writeRef(lastManifestRef(manifest.study), digest);
  return digest;
};

export const lastManifestRef = (studyName: string): string => `studies/${studyName}/last-manifest`;

/** Reads and validates a manifest by digest (or a unique digest prefix of at least 8 characters). */
export const readManifest = (store: ContentStore, digestOrPrefix: string): { digest: string; manifest: RunManifest } => {
  const digest = resolveDigest(store, digestOrPrefix);
  const raw = JSON.parse(new TextDecoder().decode(store.get(digest))) as unknown;
  try {
    return { digest, manifest: Schema.decodeUnknownSync(RunManifestSchema)(raw) };
  } catch (e) {
    throw new UsageError({ problem: `object ${digest} is not a run manifest: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` });
  }
};

export const resolveDigest = (store: ContentStore, digestOrPrefix: string): string => {
  if (isDigest(digestOrPrefix)) return digestOrPrefix;
  if (!/^[0-9a-f]{8,63}$/.test(digestOrPrefix)) {
    throw new UsageError({ problem: `"${digestOrPrefix}" is not a digest; expected 64 hex characters or a prefix of at least 8` });
  }
  const matches = store.listObjects().filter((d) => d.startsWith(digestOrPrefix));
  if (matches.length === 1) return matches[0]!;
  throw new UsageError({
    problem: matches.length === 0
      ? `no object in ${store.root} starts with ${digestOrPrefix}; pass --store to point at the right store`
      : `${matches.length} objects start with ${digestOrPrefix}; give more characters`,
  });
};
