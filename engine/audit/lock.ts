import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { Schema } from "effect";
import { digestOfJson, DigestSchema } from "../../artifacts/digest.js";
import { canonicalJson } from "../../artifacts/canonical-json.js";
import type { ContentStore } from "../../artifacts/store.js";
import { UsageError } from "../../dsl/errors.js";
import type { StudyPlan } from "../../dsl/plan.js";
import { readManifest, type RunManifest } from "../manifest.js";
import { listRuns } from "../run-history.js";

/**
 * study.lock: the accepted results of every study in a folder, meant to be committed (like dvc.lock). One file per
 * folder, so pipelines/heart-disease.ts and pipelines/heart-bias-modulation.ts share pipelines/study.lock, each
 * under its own pipeline path. It holds only what reproduces on any machine: the plan digest, each node's plan
 * entry digest and every node's output digests (no manifest, timings, hosts or dates), with sorted keys and one
 * field per line, so a diff shows exactly which node changed and an unchanged rerun anywhere leaves the file
 * byte-identical.
 */
export const LOCK_FORMAT = "strata-lock/1";
export const LOCK_FILE = "study.lock";

const LockEntrySchema = Schema.Struct({
  study: Schema.String,
  planDigest: DigestSchema,
  /**
   * The run that produced these results, only in the lock of an exported bundle, which travels with its store.
   * A committed lock leaves it out (a manifest records timings and hosts); replay finds the run in the store.
   */
  manifest: Schema.optional(DigestSchema),
  /** node id -> output name -> file digest */
  nodes: Schema.Record(Schema.String, Schema.Record(Schema.String, DigestSchema)),
  /**
   * node id -> digest of the node's plan entry (step, module, params, inputs, outputs, seed), written by `strata
   * run`: --frozen names the changed nodes from it when the locked plan itself is not in the store (a fresh CI
   * store). A bundle's lock leaves it out; the bundle holds the plan.
   */
  planNodes: Schema.optional(Schema.Record(Schema.String, DigestSchema)),
});

const StudyLockSchema = Schema.Struct({
  format: Schema.Literal(LOCK_FORMAT),
  /** keyed by the pipeline file, relative to the project root */
  studies: Schema.Record(Schema.String, LockEntrySchema),
});

export type LockEntry = typeof LockEntrySchema.Type;
export type StudyLock = typeof StudyLockSchema.Type;

/** The lock file that belongs to a pipeline: study.lock in the pipeline's folder. */
export const lockPathFor = (pipelineFile: string): string => path.join(path.dirname(path.resolve(pipelineFile)), LOCK_FILE);

/** The reproducible results of a run: its plan digest and every node's output digests. */
export const lockEntryFromManifest = (manifest: RunManifest): LockEntry => ({
  study: manifest.study,
  planDigest: manifest.planDigest,
  nodes: Object.fromEntries(manifest.nodes.map((n) => [n.id, Object.fromEntries(Object.entries(n.outputs).map(([k, o]) => [k, o.digest]))])),
});

/** Digest of each node's plan entry, by node id. */
export const planNodeDigests = (plan: StudyPlan): Record<string, string> => Object.fromEntries(plan.nodes.map((n) => [n.id, digestOfJson(n)]));

/** What `strata run` records: the run's results and the digest of each node of the plan it ran. */
export const lockEntryForRun = (plan: StudyPlan, manifest: RunManifest): LockEntry => ({ ...lockEntryFromManifest(manifest), planNodes: planNodeDigests(plan) });

const sortDeep = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
};

/** Sorted keys, two-space indent (so one field per line), newline at the end: stable and diff-friendly. */
export const renderLock = (lock: StudyLock): string => JSON.stringify(sortDeep(lock), null, 2) + "\n";

/** undefined when there is no lock file; a UsageError naming the file when it is not a valid lock. */
export const readLock = (file: string): StudyLock | undefined => {
  if (!fs.existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError({ problem: `${file} is not valid JSON (${e instanceof Error ? e.message : String(e)}); restore it from git or delete it and rerun the study` });
  }
  try {
    return Schema.decodeUnknownSync(StudyLockSchema)(raw);
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split("\n").slice(0, 2).join(" ");
    throw new UsageError({ problem: `${file} is not a ${LOCK_FORMAT} lock file: ${first}` });
  }
};

const writeAtomic = (file: string, text: string): void => {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
};

/** Same study, plan and output digests (planNodes follow from the plan; a bundle's manifest field aside). */
export const sameResults = (a: LockEntry, b: LockEntry): boolean =>
  a.study === b.study && a.planDigest === b.planDigest && canonicalJson(a.nodes) === canonicalJson(b.nodes);

export type LockUpdate = "created" | "updated" | "unchanged";

/**
 * Records a successful run in the pipeline's study.lock. When the file already says exactly this (the same
 * results, on this machine or another, from any store) it is not touched, so the lock changes only when results
 * change. Other studies in the file are kept; the file is re-read right before the atomic write.
 */
export const recordLock = (pipelineFile: string, pipeline: string, entry: LockEntry): { file: string; update: LockUpdate } => {
  const file = lockPathFor(pipelineFile);
  return withFileLock(`${file}.lck`, () => {
    const existing = readLock(file);
    const text = renderLock({ format: LOCK_FORMAT, studies: { ...(existing?.studies ?? {}), [pipeline]: entry } });
    if (existing && fs.readFileSync(file, "utf8") === text) return { file, update: "unchanged" as const };
    writeAtomic(file, text);
    return { file, update: existing?.studies[pipeline] ? ("updated" as const) : ("created" as const) };
  });
};

/**
 * The manifest of the run a lock entry records: the bundle's own, or the newest run in the store with the locked
 * plan and exactly the locked outputs. A UsageError saying how to make one when the store has none.
 */
export const manifestForLockEntry = (store: ContentStore, pipeline: string, entry: LockEntry, lockFile: string): string => {
  if (entry.manifest !== undefined) return entry.manifest;
  for (const { record } of listRuns(store, entry.study).reverse()) {
    const { manifest } = readManifest(store, record.manifest);
    if (sameResults(entry, lockEntryFromManifest(manifest))) return record.manifest;
  }
  throw new UsageError({
    problem:
      `no run in ${store.root} produced the results ${lockFile} locks for ${pipeline}; ` +
      `run \`strata run ${pipeline}\` with this store first (or pass --store with the store that ran it)`,
  });
};

/**
 * Serialises read-modify-write of one lock file across processes (two pipelines of one folder finishing at
 * once): an exclusive-create marker file, retried for a few seconds, taken over if it is older than a minute.
 */
const withFileLock = <A>(marker: string, f: () => A): A => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(marker, "wx"));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const age = (() => {
        try {
          return Date.now() - fs.statSync(marker).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if (age > 60_000) fs.rmSync(marker, { force: true });
      else if (Date.now() > deadline) throw new Error(`could not lock ${marker} for 10 s; if no strata run is writing it, delete it`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
    }
  }
  try {
    return f();
  } finally {
    fs.rmSync(marker, { force: true });
  }
};

/** One output whose digest differs between a locked entry and a new one (undefined: the output is absent). */
export interface ChangedOutput {
  readonly node: string;
  readonly output: string;
  readonly locked: string | undefined;
  readonly now: string | undefined;
}

/** Every output whose digest differs between a locked entry and a new one, sorted by node and output. */
export const changedOutputs = (locked: LockEntry, now: LockEntry): ChangedOutput[] => {
  const names = new Map<string, readonly [string, string]>();
  for (const side of [locked.nodes, now.nodes]) {
    for (const [node, outs] of Object.entries(side)) for (const o of Object.keys(outs)) names.set(`${node}\u0000${o}`, [node, o]);
  }
  return [...names.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, [node, output]]) => ({ node, output, locked: locked.nodes[node]?.[output], now: now.nodes[node]?.[output] }))
    .filter((c) => c.locked !== c.now);
};
