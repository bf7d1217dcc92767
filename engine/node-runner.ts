import { setMaxListeners } from "node:events";
import { Effect } from "effect";
import { isStoreError, type StoreError, UnreadableObjectError } from "../artifacts/errors.js";
import type { ContentStore } from "../artifacts/store.js";
import { DataError, isUserError, type UserError } from "../dsl/errors.js";
import { inputRefs, isChannelInput, isNodeInput, type PlanInputRef, type PlanNode } from "../dsl/plan.js";
import { resolveChannel } from "./channel-input.js";
import { decodeIndexEntry, decodeUnitEntry, encodeIndexEntry, encodeUnitEntry, unitKey } from "./cache-index.js";
import { cacheKey, KEY_VERSION, type KeyComponents } from "./cache-key.js";
import type { CodeComponents, CodeDigests } from "./code-digest.js";
import type { EnvironmentComponents } from "./environment.js";
import { readSource, type SourceContent } from "./source-input.js";
import type { OutputRecord, StepEvents, StepPhase, StepTask, TaskInput } from "./step-host.js";
import type { StepPool } from "./step-pool.js";

/** What the node runner needs from its surroundings; the same for the local and the Temporal executor. */
export interface EngineContext {
  readonly root: string;
  readonly store: ContentStore;
  readonly codeDigests: CodeDigests;
  readonly environment: { readonly components: EnvironmentComponents; readonly digest: string };
  readonly pool: StepPool;
}

export interface NodeEvents {
  started(node: PlanNode): void;
  log(node: PlanNode, message: string): void;
  progress(node: PlanNode, done: number, total: number): void;
  warn(node: PlanNode, message: string): void;
}

export const silentEvents: NodeEvents = { started: () => {}, log: () => {}, progress: () => {}, warn: () => {} };

export interface NodeResult {
  readonly id: string;
  readonly step: string;
  readonly module: string;
  readonly key: string;
  readonly components: KeyComponents;
  readonly code: CodeComponents;
  readonly sources: { readonly [input: string]: { readonly path: string; readonly digest: string } };
  /** Registry-channel inputs: which channel, and the champion model it resolved to (null: none yet). */
  readonly channels?: { readonly [input: string]: ChannelRecord };
  readonly cached: boolean;
  readonly outputs: { readonly [name: string]: OutputRecord };
  /** When the node started (ISO 8601, wall clock): recorded for provenance, never part of a key. */
  readonly startedAt: string;
  readonly seconds: number;
  /** A step with units that ran: how many it has, and how many ran here (the rest were stored by an earlier run). */
  readonly units?: UnitCounts;
}

export interface UnitCounts {
  readonly total: number;
  readonly ran: number;
}

/** Output digests of nodes that already ran, by node id then output name. */
export type UpstreamOutputs = (nodeId: string, output: string) => string;

export interface ChannelRecord {
  readonly channel: string;
  readonly model: string | null;
}

export type NodeFailure = UserError | StoreError;

interface ResolvedInputs {
  readonly digests: { [name: string]: string | string[] };
  readonly task: { [name: string]: TaskInput | TaskInput[] };
  readonly sources: { [name: string]: SourceContent & { path: string } };
  readonly channels: { [name: string]: ChannelRecord };
}

/** Reads sources, files or folders (hashing them once), and looks up upstream digests for every input of a node. */
const resolveInputs = (ctx: EngineContext, node: PlanNode, upstream: UpstreamOutputs): ResolvedInputs => {
  const resolved: ResolvedInputs = { digests: {}, task: {}, sources: {}, channels: {} };
  for (const [name, input] of Object.entries(node.inputs)) {
    const one = (ref: PlanInputRef): TaskInput => {
      if (isNodeInput(ref)) return { digest: upstream(ref.node, ref.output) };
      if (isChannelInput(ref)) {
        // load-study checked that the candidate slot is one node output.
        const candidate = node.inputs[ref.candidate] as { readonly node: string; readonly output: string };
        const channel = resolveChannel(ctx.store, ref.channel, upstream(candidate.node, candidate.output));
        resolved.channels[name] = { channel: ref.channel, model: channel.model };
        return { digest: channel.digest };
      }
      const source = readSource(ctx.root, ref.source);
      if ("problem" in source) throw new DataError({ file: ref.source, node: node.id, step: node.step, field: `inputs.${name}`, problem: source.problem });
      resolved.sources[name] = { ...source, path: ref.source };
      return { digest: source.digest, bytes: source.bytes, files: source.files };
    };
    if (Array.isArray(input)) {
      const list = inputRefs(input).map(one);
      resolved.task[name] = list;
      resolved.digests[name] = list.map((i) => i.digest);
    } else {
      const single = one(input as PlanInputRef);
      resolved.task[name] = single;
      resolved.digests[name] = single.digest;
    }
  }
  return resolved;
};

/**
 * A cache entry is served only if it decodes and matches the node (engine/cache-index.ts) and every object it names
 * is present and still hashes to its name. A damaged entry is reported and removed, and the node recomputed; an
 * object that cannot be read at all (permissions, a folder in its place) fails the node with its path.
 */
const verifiedEntry = (ctx: EngineContext, node: PlanNode, key: string, events: NodeEvents): { readonly outputs: { readonly [name: string]: OutputRecord } } | undefined => {
  const raw = ctx.store.readIndex(key);
  if (raw === undefined) return undefined;
  const entry = decodeIndexEntry(raw, key, node);
  if ("problem" in entry) {
    events.warn(node, `the cache entry ${ctx.store.indexPath(key)} cannot be trusted: ${entry.problem}. Recomputing node "${node.id}".`);
    ctx.store.removeIndex(key);
    return undefined;
  }
  const bad = Object.values(entry.outputs)
    .map((o) => ctx.store.check(o.digest))
    .filter((e) => e !== undefined);
  if (bad.length === 0) return entry;
  // An object that exists but cannot be read would fail the same way when recomputed: the user has to fix it.
  const unreadable = bad.find((e) => e instanceof UnreadableObjectError);
  if (unreadable !== undefined) throw unreadable;
  for (const e of bad) events.warn(node, `${e.message} Recomputing node "${node.id}".`);
  return undefined;
};

const asNodeFailure = (e: unknown): NodeFailure | undefined =>
  isUserError(e) || isStoreError(e) ? e : undefined;

/** Runs an async action; user and store errors become typed failures, anything else a defect with its stack. */
const attempt = <A>(f: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, NodeFailure> =>
  Effect.tryPromise({ try: f, catch: (e) => e }).pipe(
    Effect.catch((e) => {
      const failure = asNodeFailure(e);
      return failure ? Effect.fail(failure) : Effect.die(e);
    }),
  );

export interface RunNodeOptions {
  /** false for replay: always execute, never read the cache index (results are still stored). */
  readonly useCache: boolean;
  readonly events: NodeEvents;
}

/** A node with its cache key computed and its inputs resolved: what every phase of running it starts from. */
interface KeyedNode {
  readonly node: PlanNode;
  readonly key: string;
  /** The step task for one phase. */
  task(phase: StepPhase): StepTask;
  /** The node's result once it has outputs. */
  result(cached: boolean, outputs: { readonly [name: string]: OutputRecord }, units?: UnitCounts): NodeResult;
  /** Stores the raw source files the node read (with the run that reads them, so lineage reaches them). */
  storeSources(): void;
}

/** Computes a node's cache key from code, params, input digests, environment and seed. */
const keyNode = async (ctx: EngineContext, node: PlanNode, upstream: UpstreamOutputs): Promise<KeyedNode> => {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const inputs = resolveInputs(ctx, node, upstream);
  const code = await ctx.codeDigests.of(node.module);
  const components: KeyComponents = {
    keyVersion: KEY_VERSION,
    step: node.step,
    codeDigest: code.digest,
    params: node.params,
    inputs: inputs.digests,
    envDigest: ctx.environment.digest,
    seed: node.seed,
  };
  const key = cacheKey(components);
  const sources = Object.fromEntries(Object.entries(inputs.sources).map(([n, s]) => [n, { path: s.path, digest: s.digest }]));
  const sourcePaths = Object.fromEntries(Object.entries(inputs.sources).map(([n, s]) => [n, s.path]));
  return {
    node,
    key,
    task: (phase) => ({
      root: ctx.root,
      storeRoot: ctx.store.root,
      module: node.module,
      nodeId: node.id,
      step: node.step,
      params: node.params,
      seed: node.seed,
      inputs: inputs.task,
      sourcePaths,
      nodeKey: key,
      phase,
    }),
    result: (cached, outputs, units) => ({
      id: node.id,
      step: node.step,
      module: node.module,
      key,
      components,
      code: code.components,
      sources,
      ...(Object.keys(inputs.channels).length > 0 ? { channels: inputs.channels } : {}),
      cached,
      outputs,
      startedAt,
      seconds: (performance.now() - started) / 1000,
      ...(units ? { units } : {}),
    }),
    storeSources: () => {
      for (const s of Object.values(inputs.sources)) for (const o of s.objects) ctx.store.put(o);
    },
  };
};

const stepEvents = (events: NodeEvents, node: PlanNode): StepEvents => ({
  log: (m) => events.log(node, m),
  progress: (d, t) => events.progress(node, d, t),
});

/** The node's verified cache entry as its result, or undefined when it must run. */
const cachedResult = (ctx: EngineContext, keyed: KeyedNode, events: NodeEvents): NodeResult | undefined => {
  const hit = verifiedEntry(ctx, keyed.node, keyed.key, events);
  if (!hit) return undefined;
  keyed.storeSources();
  return keyed.result(true, hit.outputs);
};

/** Runs the step's plan phase: a step without units runs whole and gives its outputs, one with units its count. */
const planNode = async (
  ctx: EngineContext,
  keyed: KeyedNode,
  events: NodeEvents,
  signal?: AbortSignal,
): Promise<{ readonly outputs: Record<string, OutputRecord> } | { readonly units: number }> => {
  const planned = await ctx.pool.run(keyed.task({ kind: "plan" }), stepEvents(events, keyed.node), signal);
  if (planned.kind === "outputs") return { outputs: planned.outputs };
  if (planned.kind === "units") return { units: planned.count };
  throw new Error(`step ${keyed.node.step} answered its plan phase with a unit result`);
};

/** The result object of unit `index` if an earlier run stored it (verified), else undefined. */
const storedUnit = (ctx: EngineContext, keyed: KeyedNode, index: number, events: NodeEvents): string | undefined => {
  const key = unitKey(keyed.key, index);
  const raw = ctx.store.readIndex(key);
  if (raw === undefined) return undefined;
  const entry = decodeUnitEntry(raw, keyed.key, index);
  const bad = "problem" in entry ? undefined : ctx.store.check(entry.result);
  // As for node entries: an object that exists but cannot be read would fail the rerun too.
  if (bad instanceof UnreadableObjectError) throw bad;
  const problem = "problem" in entry ? entry.problem : bad?.message;
  if (problem === undefined && "result" in entry) return entry.result;
  events.warn(keyed.node, `the unit entry ${ctx.store.indexPath(key)} cannot be trusted: ${problem}. Rerunning unit ${index} of node "${keyed.node.id}".`);
  ctx.store.removeIndex(key);
  return undefined;
};

const storedUnits = (ctx: EngineContext, keyed: KeyedNode, count: number, events: NodeEvents): (string | undefined)[] =>
  Array.from({ length: count }, (_, index) => storedUnit(ctx, keyed, index, events));

/** Runs one unit and records it at once, so a run killed later keeps it. */
const runUnit = async (ctx: EngineContext, keyed: KeyedNode, index: number, events: NodeEvents, signal?: AbortSignal): Promise<string> => {
  const ran = await ctx.pool.run(keyed.task({ kind: "unit", index }), stepEvents(events, keyed.node), signal);
  if (ran.kind !== "unit") throw new Error(`step ${keyed.node.step} answered unit ${index} with ${ran.kind}`);
  ctx.store.writeIndex(unitKey(keyed.key, index), encodeUnitEntry(keyed.key, index, ran.digest));
  return ran.digest;
};

/**
 * Combines the unit results (in unit order) into the node's outputs; then no thread needs the node's prepared
 * state any more (at 10^6 rows, a cohort's columns per thread), so every thread is told to drop it.
 */
const combineUnits = async (ctx: EngineContext, keyed: KeyedNode, results: readonly string[], events: NodeEvents, signal?: AbortSignal): Promise<Record<string, OutputRecord>> => {
  try {
    return await ctx.pool.outputs(keyed.task({ kind: "combine", results }), stepEvents(events, keyed.node), signal);
  } finally {
    ctx.pool.release(keyed.key);
  }
};

/** Records a node that produced its outputs: its raw inputs, then its index entry. A failure leaves neither. */
const recordNode = (ctx: EngineContext, keyed: KeyedNode, outputs: Record<string, OutputRecord>, units?: UnitCounts): NodeResult => {
  keyed.storeSources();
  ctx.store.writeIndex(keyed.key, encodeIndexEntry(keyed.key, keyed.node.step, outputs));
  return keyed.result(false, outputs, units);
};

/**
 * Runs units, at most `limit` at a time, in the order given; the first unit that fails stops the others and fails
 * the node. Each unit's pool task listens to the one signal, so the signal allows that many listeners.
 */
const runUnitsTogether = async <A>(indices: readonly number[], limit: number, signal: AbortSignal, run: (index: number, signal: AbortSignal) => Promise<A>): Promise<A[]> => {
  const units = new AbortController();
  setMaxListeners(indices.length + 1, units.signal);
  const stop = () => units.abort();
  signal.addEventListener("abort", stop, { once: true });
  const results = new Array<A>(indices.length);
  let next = 0;
  const runner = async (): Promise<void> => {
    for (let k = next++; k < indices.length && !units.signal.aborted; k = next++) results[k] = await run(indices[k]!, units.signal);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, indices.length) }, runner));
    return results;
  } catch (e) {
    units.abort();
    throw e;
  } finally {
    signal.removeEventListener("abort", stop);
  }
};

/** Runs the units an earlier run did not store, reporting units done of units in all. */
const runMissingUnits = async (ctx: EngineContext, keyed: KeyedNode, results: (string | undefined)[], events: NodeEvents, signal: AbortSignal): Promise<string[]> => {
  const missing = results.flatMap((r, i) => (r === undefined ? [i] : []));
  let done = results.length - missing.length;
  events.progress(keyed.node, done, results.length);
  // All queued at once: the pool, shared with the other nodes running, hands them to its threads as they free up.
  await runUnitsTogether(missing, missing.length, signal, async (index, units) => {
    results[index] = await runUnit(ctx, keyed, index, events, units);
    events.progress(keyed.node, ++done, results.length);
  });
  return results as string[];
};

/**
 * Runs one plan node: serves a verified cache entry if there is one; otherwise runs the step in the worker pool
 * (a step with units unit by unit, across the pool, resuming from the units already stored) and records it.
 */
export const runNode = (
  ctx: EngineContext,
  node: PlanNode,
  upstream: UpstreamOutputs,
  options: RunNodeOptions,
): Effect.Effect<NodeResult, NodeFailure> =>
  attempt(async (signal) => {
    const { events } = options;
    const keyed = await keyNode(ctx, node, upstream);
    const hit = options.useCache ? cachedResult(ctx, keyed, events) : undefined;
    if (hit) return hit;
    events.started(node);
    const planned = await planNode(ctx, keyed, events, signal);
    if ("outputs" in planned) return recordNode(ctx, keyed, planned.outputs);
    const stored = options.useCache ? storedUnits(ctx, keyed, planned.units, events) : new Array<string | undefined>(planned.units).fill(undefined);
    const ran = stored.filter((r) => r === undefined).length;
    const results = await runMissingUnits(ctx, keyed, stored, events, signal);
    const outputs = await combineUnits(ctx, keyed, results, events, signal);
    return recordNode(ctx, keyed, outputs, { total: planned.units, ran });
  });

/**
 * The node's units still to run, for an executor that runs them elsewhere (one Temporal activity each): how many
 * there are, and the result object of each unit already stored (null: to run).
 */
export interface PendingUnits {
  readonly total: number;
  readonly stored: readonly (string | null)[];
}

/**
 * The first part of a node run that fans its units out: a cached node or a step without units gives its result
 * (as runNode would); a step with units gives its pending units, to run with runNodeUnits and then combineNode.
 */
export const planNodeRun = (ctx: EngineContext, node: PlanNode, upstream: UpstreamOutputs, events: NodeEvents): Effect.Effect<NodeResult | PendingUnits, NodeFailure> =>
  attempt(async (signal) => {
    const keyed = await keyNode(ctx, node, upstream);
    const hit = cachedResult(ctx, keyed, events);
    if (hit) return hit;
    events.started(node);
    const planned = await planNode(ctx, keyed, events, signal);
    if ("outputs" in planned) return recordNode(ctx, keyed, planned.outputs);
    return { total: planned.units, stored: storedUnits(ctx, keyed, planned.units, events).map((r) => r ?? null) };
  });

/** Hears about each unit of a batch that runs here (not the ones an earlier attempt stored). */
export interface UnitBatchEvents {
  unitStarted(index: number): void;
  unitFinished(index: number, seconds: number): void;
}

/**
 * Runs the given units of a node (those not stored already), as many at a time as the pool has threads, recording
 * each the moment it finishes, so an attempt killed in the middle of a batch leaves the finished ones to its retry. The result
 * object's digest of each unit, in the order given.
 */
export const runNodeUnits = (
  ctx: EngineContext,
  node: PlanNode,
  upstream: UpstreamOutputs,
  indices: readonly number[],
  events: NodeEvents,
  unitEvents: UnitBatchEvents,
): Effect.Effect<string[], NodeFailure> =>
  attempt(async (signal) => {
    const keyed = await keyNode(ctx, node, upstream);
    // As many at a time as the pool has threads, so "started" means running, not queued.
    return runUnitsTogether(indices, ctx.pool.size, signal, async (index, units) => {
      const stored = storedUnit(ctx, keyed, index, events);
      if (stored !== undefined) return stored;
      const t0 = performance.now();
      unitEvents.unitStarted(index);
      const digest = await runUnit(ctx, keyed, index, events, units);
      unitEvents.unitFinished(index, (performance.now() - t0) / 1000);
      return digest;
    });
  });

/** Combines a node's unit results (every unit's, in unit order) into its outputs and records the node. */
export const combineNode = (
  ctx: EngineContext,
  node: PlanNode,
  upstream: UpstreamOutputs,
  results: readonly string[],
  units: UnitCounts,
  events: NodeEvents,
): Effect.Effect<NodeResult, NodeFailure> =>
  attempt(async (signal) => {
    const keyed = await keyNode(ctx, node, upstream);
    return recordNode(ctx, keyed, await combineUnits(ctx, keyed, results, events, signal), units);
  });
