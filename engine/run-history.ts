/**
 * The run history: one record per finished run (local or Temporal, by hand or by a schedule), with its manifest,
 * the digest of the data it read, what ran, and what its promotion gates decided. Records are content-addressed
 * objects; refs/runs/<study>/<time>-<manifest> points at each, so listing is a directory walk in time order.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Schema } from "effect";
import { canonicalJsonBytes } from "../artifacts/canonical-json.js";
import { digestOfJson, DigestSchema } from "../artifacts/digest.js";
import type { ContentStore } from "../artifacts/store.js";
import type { AppliedDecision } from "./promotions.js";
import type { RunManifest } from "./manifest.js";


export const RunRecordSchema = Schema.Struct({
  format: Schema.Literal("strata-run/1"),
  study: Schema.String,
  pipeline: Schema.String,
  manifest: DigestSchema,
  executor: Schema.Literals(["local", "temporal"]),
  workflowId: Schema.NullOr(Schema.String),
  scheduleId: Schema.NullOr(Schema.String),
  startedAt: Schema.String,
  seconds: Schema.Number,
  /** sha256 over the sorted (path, digest) pairs of every raw file or folder the run read. */
  data: DigestSchema,
  nodes: Schema.Number,
  cached: Schema.Number,
  /** Ids of the nodes that executed (not served from the cache). */
  ran: Schema.Array(Schema.String),
  decisions: Schema.Array(
    Schema.Struct({
      node: Schema.String,
      channel: Schema.String,
      candidate: DigestSchema,
      champion: Schema.NullOr(DigestSchema),
      promote: Schema.Boolean,
      status: Schema.Literals(["kept", "promoted", "unchanged", "superseded", "rolled-back-earlier"]),
      reason: Schema.String,
      blockedBy: Schema.Array(Schema.String),
      decision: DigestSchema,
      report: Schema.NullOr(DigestSchema),
    }),
  ),
  /** Report outputs of the run, by node id. */
  reports: Schema.Record(Schema.String, DigestSchema),
});
export type RunRecord = typeof RunRecordSchema.Type;

export interface RunOrigin {
  readonly workflowId: string | null;
  readonly scheduleId: string | null;
}

/** The data a run read, as one digest: equal when every raw input had the same bytes. */
export const dataDigest = (manifest: RunManifest): string => {
  const pairs = new Map<string, string>();
  for (const n of manifest.nodes) for (const s of Object.values(n.sources)) pairs.set(s.path, s.digest);
  return digestOfJson([...pairs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
};

/** Stores the record and its ref; returns the record's digest. */
export const recordRun = (
  store: ContentStore,
  manifestDigest: string,
  manifest: RunManifest,
  decisions: readonly AppliedDecision[],
  origin: RunOrigin,
): { digest: string; record: RunRecord } => {
  const record: RunRecord = {
    format: "strata-run/1",
    study: manifest.study,
    pipeline: manifest.pipeline,
    manifest: manifestDigest,
    executor: manifest.executor,
    workflowId: origin.workflowId,
    scheduleId: origin.scheduleId,
    startedAt: manifest.startedAt,
    seconds: manifest.seconds,
    data: dataDigest(manifest),
    nodes: manifest.nodes.length,
    cached: manifest.nodes.filter((n) => n.cached).length,
    ran: manifest.nodes.filter((n) => !n.cached).map((n) => n.id),
    decisions: [...decisions],
    reports: Object.fromEntries(manifest.nodes.flatMap((n) => Object.values(n.outputs).filter((o) => o.kind === "report").map((o) => [n.id, o.digest]))),
  };
  const digest = store.put(canonicalJsonBytes(record));
  // ISO time without colons (ref names are file names), then the manifest: unique, and sorted by time.
  store.writeRef(`runs/${manifest.study}/${manifest.startedAt.replaceAll(":", "-")}-${manifestDigest.slice(0, 12)}`, digest);
  return { digest, record };
};

/** A run record that could not be read: named, and left out of listings rather than failing them. */
export interface UnreadableRun {
  readonly ref: string;
  readonly problem: string;
}

/**
 * Every recorded run (of one study, or all), oldest first. A record that cannot be read (a bad ref, a missing or
 * corrupt object, a document that is not a run record) is passed to `onUnreadable` and skipped: one bad record
 * never hides the others.
 */
export const listRuns = (store: ContentStore, study?: string, onUnreadable: (u: UnreadableRun) => void = () => {}): { digest: string; record: RunRecord }[] => {
  const root = path.join(store.root, "refs", "runs");
  if (!fs.existsSync(root)) return [];
  const studies = study === undefined ? fs.readdirSync(root).sort() : fs.existsSync(path.join(root, study)) ? [study] : [];
  const runs: { digest: string; record: RunRecord }[] = [];
  for (const s of studies) {
    for (const name of fs.readdirSync(path.join(root, s)).sort()) {
      const ref = `runs/${s}/${name}`;
      try {
        const digest = store.readRef(ref)!;
        const record = Schema.decodeUnknownSync(RunRecordSchema)(JSON.parse(Buffer.from(store.get(digest)).toString("utf8")));
        runs.push({ digest, record });
      } catch (e) {
        const problem = e instanceof Error ? e.message.split("\n")[0]! : String(e);
        onUnreadable({ ref: path.join(root, s, name), problem });
      }
    }
  }
  return runs.sort((a, b) => (a.record.startedAt < b.record.startedAt ? -1 : a.record.startedAt > b.record.startedAt ? 1 : a.digest < b.digest ? -1 : 1));
};

/** The newest recorded run whose manifest lists `digest` among its outputs, for registry entries made by hand. */
export const manifestProducing = (store: ContentStore, digest: string): string | null => {
  for (const { record } of listRuns(store).reverse()) {
    const manifest = JSON.parse(Buffer.from(store.get(record.manifest)).toString("utf8")) as RunManifest;
    if (manifest.nodes.some((n) => Object.values(n.outputs).some((o) => o.digest === digest))) return record.manifest;
  }
  return null;
};
