import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ContentStore } from "../../artifacts/store.js";
import { shortDigest } from "../../artifacts/digest.js";
import type { JsonValue } from "../../dsl/step.js";
import { CodeDigests } from "../code-digest.js";
import type { ManifestNode, RunManifest } from "../manifest.js";
import type { OutputRecord, StepTask, TaskInput } from "../step-host.js";
import { StepPool } from "../step-pool.js";
import { compareOutput, describeComparison, type ComparisonLevel, type OutputComparison } from "./compare.js";
import { keyCheck, type KeyCheck } from "./key-check.js";
import { checkReferences, folderSourceFiles, manifestReferences, type StoreProblem } from "./references.js";

/** What went wrong with a node on replay, most serious first in `SEVERITY`. */
export type DivergenceKind =
  | "none" // every output byte-identical
  | "encoding" // bytes differ, values equal
  | "values" // values differ
  | "extra-output"
  | "missing-output"
  | "corrupt-object" // a recorded output in the store no longer matches its digest
  | "failed" // the step failed on replay
  | "input-unavailable"; // a recorded input is corrupt or missing, so the node could not be replayed

const SEVERITY: readonly DivergenceKind[] = ["input-unavailable", "failed", "corrupt-object", "missing-output", "extra-output", "values", "encoding", "none"];

const kindOf = (level: ComparisonLevel): DivergenceKind =>
  level === "identical" ? "none" : level === "recorded-unreadable" ? "corrupt-object" : level;

export interface NodeReplay {
  readonly id: string;
  readonly step: string;
  readonly kind: DivergenceKind;
  /** One readable line per problem. */
  readonly detail: string;
  readonly seconds: number;
  readonly outputs: readonly OutputComparison[];
  /** Store objects of this node (inputs or recorded outputs) that are corrupt or missing. */
  readonly objects: readonly StoreProblem[];
}

export interface Verdict {
  /** true only when every output of every node is byte-identical and every referenced object verifies */
  readonly ok: boolean;
  readonly summary: string;
  readonly identical: number;
  readonly divergent: number;
  readonly firstDivergent: {
    readonly node: string;
    readonly step: string;
    readonly kind: DivergenceKind;
    readonly detail: string;
    /** why, as far as the key check can tell */
    readonly diagnosis: string;
  } | null;
  readonly storeProblems: readonly StoreProblem[];
}

export interface ReplayReport {
  readonly manifest: string;
  readonly study: string;
  readonly pipeline: string;
  readonly planDigest: string;
  readonly store: string;
  readonly project: string;
  readonly keyCheck: KeyCheck;
  readonly storeProblems: readonly StoreProblem[];
  readonly nodes: readonly NodeReplay[];
  readonly verdict: Verdict;
}

export interface ReplayEvents {
  keyChecked(check: KeyCheck, problems: readonly StoreProblem[]): void;
  started(node: ManifestNode): void;
  log(node: ManifestNode, message: string): void;
  progress(node: ManifestNode, done: number, total: number): void;
  finished(result: NodeReplay, done: number, total: number): void;
}

export interface ReplayOptions {
  /** The project whose step code is replayed (the folder holding package.json). */
  readonly root: string;
  /** The audited store. Replay only reads it: no objects, index entries or refs are written. */
  readonly store: ContentStore;
  readonly concurrency: number;
  readonly events: ReplayEvents;
  /** Parent folder of the scratch store; default the system temp folder. */
  readonly scratchParent?: string;
}

const flat = (v: string | readonly string[]): readonly string[] => (typeof v === "string" ? [v] : v);

interface ReplayContext {
  readonly root: string;
  readonly store: ContentStore;
  readonly scratch: ContentStore;
  readonly pool: StepPool;
  readonly problems: ReadonlyMap<string, StoreProblem>;
  readonly events: ReplayEvents;
  /** Waits for the node that produced `digest` to replay; true when the scratch store now holds it intact. */
  readonly restore: (digest: string) => Promise<boolean>;
}

/**
 * Re-executes one node from its recorded inputs in the scratch store, with its recorded params and seed, and
 * compares each output with the recorded one. Upstream nodes are not consulted: every node is replayed in
 * isolation, so a divergence shows where it starts rather than everywhere downstream.
 */
const replayNode = async (
  node: ManifestNode,
  ctx: ReplayContext,
): Promise<Omit<NodeReplay, "seconds"> & { seconds?: number }> => {
  const base = { id: node.id, step: node.step };
  // A folder source's files are inputs too: the step reads them through the listing.
  const inputDigests = [...Object.values(node.components.inputs).flatMap(flat), ...folderSourceFiles(ctx.store, node).map((f) => f.digest)];
  const badInputs = [...new Set(inputDigests)].flatMap((d) => {
    const p = ctx.problems.get(d);
    return p ? [p] : [];
  });
  // A corrupt input that an upstream replay reproduced bit for bit is taken from the scratch store, so one
  // tampered object does not hide whether the rest of the study still reproduces.
  const restored = new Set<string>();
  for (const p of badInputs) if (await ctx.restore(p.digest)) restored.add(p.digest);
  const lost = badInputs.filter((p) => !restored.has(p.digest));
  if (lost.length > 0) {
    return { ...base, kind: "input-unavailable", outputs: [], objects: lost, detail: `cannot replay from the recorded inputs: ${lost.map((p) => p.message).join("; ")}` };
  }
  for (const d of new Set(inputDigests)) if (!restored.has(d)) ctx.scratch.put(ctx.store.get(d));

  const inputs: Record<string, TaskInput | TaskInput[]> = {};
  for (const [name, v] of Object.entries(node.components.inputs)) {
    inputs[name] = typeof v === "string" ? { digest: v } : v.map((digest) => ({ digest }));
  }
  const task: StepTask = {
    root: ctx.root,
    storeRoot: ctx.scratch.root,
    module: node.module,
    nodeId: node.id,
    step: node.step,
    params: node.components.params as JsonValue,
    seed: node.components.seed,
    inputs,
    sourcePaths: Object.fromEntries(Object.entries(node.sources).map(([name, src]) => [name, src.path])),
    nodeKey: node.key,
    // One thread, the step's own order: a step with units replays through its derived run (same bytes).
    phase: { kind: "whole" },
  };
  ctx.events.started(node);
  const t0 = performance.now();
  let replayed: Record<string, OutputRecord>;
  try {
    replayed = await ctx.pool.outputs(task, { log: (m) => ctx.events.log(node, m), progress: (d, t) => ctx.events.progress(node, d, t) });
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    return { ...base, kind: "failed", outputs: [], objects: [], detail: `the step failed on replay: ${message}`, seconds: (performance.now() - t0) / 1000 };
  }
  const seconds = (performance.now() - t0) / 1000;

  const names = [...new Set([...Object.keys(node.outputs), ...Object.keys(replayed)])].sort();
  const outputs = names.map((name) => {
    const rec = node.outputs[name];
    const rep = replayed[name];
    return compareOutput(name, rec, rep, () => ctx.store.get(rec!.digest), () => ctx.scratch.get(rep!.digest));
  });
  const objects: StoreProblem[] = [];
  const details: string[] = [];
  let kind: DivergenceKind = "none";
  const worse = (k: DivergenceKind) => {
    if (SEVERITY.indexOf(k) < SEVERITY.indexOf(kind)) kind = k;
  };
  for (const c of outputs) {
    const problem = c.recorded ? ctx.problems.get(c.recorded) : undefined;
    if (problem) {
      objects.push(problem);
      worse("corrupt-object");
      details.push(
        c.level === "identical"
          ? `${problem.message}; the replay reproduced the recorded digest, so the stored copy was altered after the run`
          : `${problem.message}; the replay gives ${c.replayed ? shortDigest(c.replayed) : "no such output"}`,
      );
      continue;
    }
    if (c.level === "identical") continue;
    worse(kindOf(c.level));
    details.push(describeComparison(c));
  }
  if (restored.size > 0) details.push(`replayed from ${restored.size} corrupt input${restored.size === 1 ? "" : "s"} restored by the replay of ${restored.size === 1 ? "its producer" : "their producers"} (${[...restored].map(shortDigest).join(", ")})`);
  return { ...base, kind, outputs, objects, seconds, detail: details.length ? details.join("; ") : `${outputs.length} output${outputs.length === 1 ? "" : "s"} identical` };
};

const diagnose = (n: NodeReplay, check: KeyCheck): string => {
  const k = check.nodes.find((x) => x.id === n.id);
  if (n.kind === "corrupt-object" || n.kind === "input-unavailable") return "the store was altered or is incomplete: an object no longer matches its digest (or is gone)";
  if (k && k.status !== "unchanged") {
    return `its key changed since the run: ${k.changes.map((c) => `${c.component} ${c.detail}`).join("; ")}`;
  }
  return "its code, environment, params, seed and inputs are exactly as recorded, so the step is not deterministic (it reads a clock, Math.random, unordered iteration or something outside its inputs)";
};

const verdictOf = (nodes: readonly NodeReplay[], check: KeyCheck, problems: readonly StoreProblem[]): Verdict => {
  const divergent = nodes.filter((n) => n.kind !== "none");
  const first = divergent[0];
  const outputs = nodes.reduce((s, n) => s + n.outputs.length, 0);
  const ok = divergent.length === 0 && problems.length === 0;
  const drifted = check.nodes.filter((k) => k.status !== "unchanged").length;
  let summary: string;
  if (ok) {
    summary = `all ${nodes.length} nodes reproduced bit for bit (${outputs} outputs identical)`;
    if (drifted > 0 || check.environment.changes.length > 0) summary += `; code or environment drifted (${drifted} node${drifted === 1 ? "" : "s"}) without changing any output`;
  } else if (first) {
    summary = `first divergence: node ${first.id} (${first.step}): ${first.kind}: ${first.detail}`;
    if (divergent.length > 1) summary += ` (${divergent.length} of ${nodes.length} nodes diverge)`;
  } else {
    summary = `every node reproduced, but ${problems.length} stored object${problems.length === 1 ? " is" : "s are"} corrupt or missing: ${problems.map((p) => p.message).join("; ")}`;
  }
  return {
    ok,
    summary,
    identical: nodes.length - divergent.length,
    divergent: divergent.length,
    firstDivergent: first ? { node: first.id, step: first.step, kind: first.kind, detail: first.detail, diagnosis: diagnose(first, check) } : null,
    storeProblems: problems,
  };
};

/**
 * Replays a recorded run in three stages: the key check (code and environment drift, before anything runs); an
 * isolated replay of every node from its recorded input digests with the cache off, in a scratch store so the
 * audited store, its index and its refs are never touched; and a verdict naming the first divergent node in
 * topological order. Every object the manifest references is also checked against its digest (tampering).
 */
export const replayRun = async (options: ReplayOptions, manifestDigest: string, manifest: RunManifest): Promise<ReplayReport> => {
  const { store, root, events } = options;
  const refs = manifestReferences(store, manifestDigest, manifest).filter((r) => r.role !== "manifest");
  const problems = checkReferences(store, refs);
  const check = await keyCheck(root, manifest, new CodeDigests(root));
  events.keyChecked(check, problems);

  const parent = options.scratchParent ?? os.tmpdir();
  fs.mkdirSync(parent, { recursive: true });
  const scratchRoot = fs.mkdtempSync(path.join(parent, "strata-replay-"));
  const pool = new StepPool(Math.max(1, Math.min(options.concurrency, manifest.nodes.length)));
  const byDigest = new Map(problems.map((p) => [p.digest, p]));
  let done = 0;
  try {
    const scratch = new ContentStore(scratchRoot);
    const producer = new Map<string, string>();
    for (const n of manifest.nodes) for (const o of Object.values(n.outputs)) if (!producer.has(o.digest)) producer.set(o.digest, n.id);
    const running = new Map<string, Promise<NodeReplay>>();
    const restore = async (digest: string): Promise<boolean> => {
      const from = producer.get(digest);
      const replay = from === undefined ? undefined : running.get(from);
      if (!replay) return false;
      await replay;
      return scratch.check(digest) === undefined;
    };
    const ctx: ReplayContext = { root, store, scratch, pool, problems: byDigest, events, restore };
    // Declaration order is topological, so a producer's promise exists before any consumer asks for it.
    for (const n of manifest.nodes) {
      running.set(
        n.id,
        replayNode(n, ctx).then((r) => {
          const result: NodeReplay = { ...r, seconds: r.seconds ?? 0 };
          events.finished(result, ++done, manifest.nodes.length);
          return result;
        }),
      );
    }
    const nodes = await Promise.all(running.values());
    return {
      manifest: manifestDigest,
      study: manifest.study,
      pipeline: manifest.pipeline,
      planDigest: manifest.planDigest,
      store: store.root,
      project: root,
      keyCheck: check,
      storeProblems: problems,
      nodes,
      verdict: verdictOf(nodes, check, problems),
    };
  } finally {
    await pool.close();
    fs.rmSync(scratchRoot, { recursive: true, force: true });
  }
};
