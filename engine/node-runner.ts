import { Effect } from "effect";
import { isStoreError, type StoreError, UnreadableObjectError } from "../artifacts/errors.js";
import type { ContentStore } from "../artifacts/store.js";
import { DataError, isUserError, type UserError } from "../dsl/errors.js";
import { inputRefs, isChannelInput, isNodeInput, type PlanInputRef, type PlanNode } from "../dsl/plan.js";
import { resolveChannel } from "./channel-input.js";
import { decodeIndexEntry, encodeIndexEntry } from "./cache-index.js";
import { cacheKey, KEY_VERSION, type KeyComponents } from "./cache-key.js";
import type { CodeComponents, CodeDigests } from "./code-digest.js";
import type { EnvironmentComponents } from "./environment.js";
import { readSource, type SourceContent } from "./source-input.js";
import type { OutputRecord, TaskInput } from "./step-host.js";
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

/**
 * Runs one plan node: computes its cache key from code, params, input digests, environment and seed; serves a
 * verified cache entry if there is one; otherwise executes the step in the worker pool and records the outputs.
 */
export const runNode = (
  ctx: EngineContext,
  node: PlanNode,
  upstream: UpstreamOutputs,
  options: RunNodeOptions,
): Effect.Effect<NodeResult, NodeFailure> =>
  attempt(async (signal) => {
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
    const finish = (cached: boolean, outputs: { readonly [name: string]: OutputRecord }): NodeResult => ({
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
    });

    const hit = options.useCache ? verifiedEntry(ctx, node, key, options.events) : undefined;
    if (hit) {
      // Raw files are stored with the run that reads them, so lineage and export bundles reach them.
      for (const s of Object.values(inputs.sources)) for (const o of s.objects) ctx.store.put(o);
      return finish(true, hit.outputs);
    }

    options.events.started(node);
    const outputs = await ctx.pool.run(
      {
        root: ctx.root,
        storeRoot: ctx.store.root,
        module: node.module,
        nodeId: node.id,
        step: node.step,
        params: node.params,
        seed: node.seed,
        inputs: inputs.task,
        sourcePaths: Object.fromEntries(Object.entries(inputs.sources).map(([n, s]) => [n, s.path])),
      },
      { log: (m) => options.events.log(node, m), progress: (d, t) => options.events.progress(node, d, t) },
      signal,
    );
    // Only a step that succeeded stores its raw inputs and its index entry: a failure leaves nothing behind.
    for (const s of Object.values(inputs.sources)) for (const o of s.objects) ctx.store.put(o);
    ctx.store.writeIndex(key, encodeIndexEntry(key, node.step, outputs));
    return finish(false, outputs);
  });
