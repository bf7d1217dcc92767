import { pathToFileURL } from "node:url";
import * as arrow from "apache-arrow";
import { canonicalJson, canonicalJsonBytes } from "../artifacts/canonical-json.js";
import { ContentStore, type StagedObject } from "../artifacts/store.js";
import { logicalDigestOfColumns } from "../artifacts/logical-digest.js";
import { type DecodedParquet, type DenseColumn, TableTooLargeError, decodeParquet, denseColumns, encodeDenseParquetChunks } from "../artifacts/table.js";
import { DataError } from "../dsl/errors.js";
import { artifactCodec, type HandleKind } from "../dsl/handles.js";
import { asStoredJson, type JsonValue, type SourceFile, type StepContext, type StepDefinition, type StepInput, type StepOutputValue } from "../dsl/step.js";
import { decodeStepParams } from "../dsl/study.js";
import { fromProjectPath } from "./project.js";
import { seededRandom } from "./random.js";
import { isFolderSource, sourceFilePath, storedSourceFiles } from "./source-input.js";

/** One step execution, as plain data: what crosses into a worker thread (digests and small JSON, never tables). */
export interface StepTask {
  readonly root: string;
  readonly storeRoot: string;
  readonly module: string;
  readonly nodeId: string;
  readonly step: string;
  readonly params: JsonValue;
  readonly seed: number;
  /**
   * Node inputs by digest (a list for list slots). Sources carry their bytes and files, read and hashed once by the
   * runner (the store holds them only once the step succeeds); a replay omits them and reads them from its store.
   */
  readonly inputs: { readonly [name: string]: TaskInput | readonly TaskInput[] };
  /** Project paths of source inputs (a folder's ends with "/"), so a data error about an input names the file. */
  readonly sourcePaths: { readonly [name: string]: string };
  /** The node's cache key: a worker thread prepares a step with units once per node, whatever units it runs. */
  readonly nodeKey: string;
  readonly phase: StepPhase;
}

/**
 * What to do with the step. "whole": run it and store its outputs. "plan": the same for a step without units; for
 * one with units, only prepare and count them. "unit": run unit `index` and store its result. "combine": combine
 * the stored unit results (by digest, in unit order) and store the outputs.
 */
export type StepPhase =
  | { readonly kind: "whole" }
  | { readonly kind: "plan" }
  | { readonly kind: "unit"; readonly index: number }
  | { readonly kind: "combine"; readonly results: readonly string[] };

/** What a task produced: the node's outputs, the number of units to run, or one unit's result object. */
export type StepTaskResult =
  | { readonly kind: "outputs"; readonly outputs: Record<string, OutputRecord> }
  | { readonly kind: "units"; readonly count: number }
  | { readonly kind: "unit"; readonly digest: string };

export interface TaskInput {
  readonly digest: string;
  readonly bytes?: Uint8Array;
  /** Sources: the files (see StepInput.files). */
  readonly files?: readonly SourceFile[];
}

export interface OutputRecord {
  readonly kind: HandleKind;
  readonly digest: string;
  /** Tables only: a digest of schema and values that does not depend on the Parquet encoding. */
  readonly logicalDigest?: string;
}

export interface StepEvents {
  log(message: string): void;
  progress(done: number, total: number): void;
}

const isStepDefinition = (v: unknown): v is StepDefinition =>
  typeof v === "object" && v !== null && typeof (v as StepDefinition).kind === "string" && typeof (v as StepDefinition).run === "function";

/** Imports a step module (a project path) into this thread; a second import of it costs nothing. */
export const importStepModule = async (root: string, module: string): Promise<Record<string, unknown>> =>
  (await import(pathToFileURL(fromProjectPath(root, module)).href)) as Record<string, unknown>;

/** Imports a step module and the packages its steps load only when they run (StepDefinition.warm). */
export const warmStepModule = async (root: string, module: string): Promise<void> => {
  const exports = await importStepModule(root, module);
  for (const v of Object.values(exports)) if (isStepDefinition(v) && v.warm !== undefined) await v.warm();
};

/** Finds the step definition a module exports under the given kind. */
export const loadStepDefinition = async (root: string, module: string, step: string): Promise<StepDefinition> => {
  const exports = await importStepModule(root, module);
  const found = Object.values(exports).find((v) => isStepDefinition(v) && v.kind === step);
  if (!found) throw new Error(`module ${module} exports no step definition of kind "${step}"`);
  return found as StepDefinition;
};

/**
 * Verified, lazy readers of one input; `sourcePath` is the project path of a source input. Tables decoded from a
 * stored (non-source) input are kept in `decoded` (the latest decode of each file): the step's table outputs copy
 * the encoded chunks of the columns they pass through unchanged. A source file may come from any writer, so its
 * chunks never are.
 */
const inputReader = (store: ContentStore, name: string, input: TaskInput, sourcePath: string | undefined, decoded: Map<string, DecodedParquet>): StepInput => {
  let cached: Uint8Array | undefined = input.bytes;
  const read = () => (cached ??= store.get(input.digest));
  return {
    digest: input.digest,
    bytes: read,
    table: () => {
      const bytes = read();
      const table = decodeParquet(bytes);
      if (sourcePath === undefined) decoded.set(input.digest, { bytes, table });
      return table;
    },
    json: () => JSON.parse(new TextDecoder().decode(read())) as unknown,
    text: () => new TextDecoder().decode(read()),
    folder: sourcePath !== undefined && isFolderSource(sourcePath),
    files: () => {
      if (sourcePath === undefined) throw new Error(`input "${name}" is not a source; files() reads only source inputs (a file or a folder)`);
      return input.files ?? storedSourceFiles(store, sourcePath, read());
    },
  };
};

interface NodeLocation {
  readonly node: string;
  readonly step: string;
}

/** An output ready to be stored: a table already staged in the store's tmp/ folder, anything else as bytes. */
type EncodedOutput = { readonly kind: HandleKind } & ({ readonly bytes: Uint8Array } | { readonly staged: StagedObject; readonly logicalDigest: string });

/**
 * Stages a table output's Parquet bytes as they are encoded, row group by row group; one too large for the encoder
 * is the study's to shrink, named by its output.
 */
const stageTableOutput = async (store: ContentStore, name: string, columns: readonly DenseColumn[], inputs: readonly DecodedParquet[], where: NodeLocation): Promise<StagedObject> => {
  try {
    return await store.stage(encodeDenseParquetChunks(columns, inputs));
  } catch (e) {
    if (!(e instanceof TableTooLargeError)) throw e;
    throw new DataError({ ...where, field: `outputs.${name}`, problem: `${e.message}; make this output smaller: fewer rows or columns per table (e.g. split a cohort into parts), or run the study on less data` });
  }
};

/** Encodes one output by its declared kind; a value of the wrong shape is a bug in the step. */
const encodeOutput = async (store: ContentStore, name: string, kind: HandleKind, value: StepOutputValue, inputs: readonly DecodedParquet[], where: NodeLocation): Promise<EncodedOutput> => {
  const { step } = where;
  const codec = artifactCodec(kind);
  if (codec === "parquet") {
    if (!(value instanceof arrow.Table)) throw new Error(`step ${step} returned a non-table for output "${name}" (${kind})`);
    const columns = denseColumns(value);
    return { kind, staged: await stageTableOutput(store, name, columns, inputs, where), logicalDigest: logicalDigestOfColumns(value.numRows, columns) };
  }
  if (codec === "text") {
    if (typeof value !== "string") throw new Error(`step ${step} returned a non-string for output "${name}" (${kind})`);
    return { kind, bytes: new TextEncoder().encode(value) };
  }
  return { kind, bytes: canonicalJsonBytes(value) };
};

/** Stores every declared output; encodes them all first, so one that fails to encode leaves the store untouched. */
const storeOutputs = async (
  store: ContentStore,
  definition: StepDefinition,
  where: NodeLocation,
  values: Record<string, StepOutputValue>,
  inputs: readonly DecodedParquet[],
): Promise<Record<string, OutputRecord>> => {
  const { step } = where;
  const declared = Object.keys(definition.outputs).sort();
  const missing = declared.filter((name) => !(name in values));
  if (missing.length > 0) throw new Error(`step ${step} did not return outputs: ${missing.join(", ")}`);
  const kinds = definition.outputs as Record<string, HandleKind>;
  const encoded: (readonly [string, EncodedOutput])[] = [];
  try {
    for (const name of declared) encoded.push([name, await encodeOutput(store, name, kinds[name]!, values[name]!, inputs, where)]);
  } catch (e) {
    for (const [, output] of encoded) if ("staged" in output) output.staged.discard();
    throw e;
  }
  const records: Record<string, OutputRecord> = {};
  let stored = 0;
  try {
    for (const [name, output] of encoded) {
      if ("bytes" in output) {
        records[name] = { kind: output.kind, digest: store.put(output.bytes) };
      } else {
        output.staged.commit();
        records[name] = { kind: output.kind, digest: output.staged.digest, logicalDigest: output.logicalDigest };
      }
      stored++;
    }
  } catch (e) {
    // A write that failed (a full disk) leaves no staged temp file of the outputs after it behind.
    for (const [, output] of encoded.slice(stored + 1)) if ("staged" in output) output.staged.discard();
    throw e;
  }
  return records;
};

/**
 * Prepared states of steps with units, by node key, in this thread. A thread running several units of one node
 * prepares once; two entries, because a pool shared by several nodes alternates between them at their edges.
 */
const prepared = new Map<string, Promise<unknown>>();
const PREPARED_KEPT = 2;

/** Forgets a node's prepared state in this thread: the node is finished, and the state may hold a cohort's columns. */
export const releasePrepared = (key: string): void => {
  prepared.delete(key);
};

const preparedState = (key: string, prepare: () => Promise<unknown>): Promise<unknown> => {
  let state = prepared.get(key);
  if (state === undefined) {
    state = prepare();
    // A failed prepare is not kept: the next task of the node reports its own error.
    state.catch(() => prepared.delete(key));
    prepared.set(key, state);
    for (const old of [...prepared.keys()].slice(0, Math.max(0, prepared.size - PREPARED_KEPT))) prepared.delete(old);
  } else {
    prepared.delete(key);
    prepared.set(key, state);
  }
  return state;
};

/**
 * Runs one phase of one step: loads its module, decodes params, runs it with a seeded context, and stores what it
 * produced. Nothing is written unless the phase completes, so a failing step leaves no partial object.
 */
export const executeStep = async (task: StepTask, events: StepEvents): Promise<StepTaskResult> => {
  const definition = await loadStepDefinition(task.root, task.module, task.step);
  const where = { node: task.nodeId, step: task.step };
  // Keys in canonical (code-point) order, as the stored plan holds them: a step that walks a record or JSON param
  // then gives the same bytes in a run, a replay from the stored plan, and a Temporal activity.
  const params = decodeStepParams(definition, JSON.parse(canonicalJson(task.params)), where);
  const store = new ContentStore(task.storeRoot);
  const inputs: Record<string, StepInput | StepInput[]> = {};
  // The tables the step decodes from its inputs, by digest, held until its outputs are stored.
  const decoded = new Map<string, DecodedParquet>();
  for (const [name, input] of Object.entries(task.inputs)) {
    inputs[name] = Array.isArray(input)
      ? input.map((i: TaskInput) => inputReader(store, name, i, undefined, decoded))
      : inputReader(store, name, input as TaskInput, task.sourcePaths[name], decoded);
  }
  const ctx: StepContext = {
    nodeId: task.nodeId,
    step: task.step,
    seed: task.seed,
    random: (stream) => seededRandom(task.seed, stream),
    log: events.log,
    progress: events.progress,
    fail: (field, problem, file) => {
      // The file is that of the source input the field names, or else of the node's only source input.
      const input = /^inputs\.([^.[]+)/.exec(field)?.[1];
      const sources = Object.values(task.sourcePaths);
      const source = input !== undefined ? task.sourcePaths[input] : file !== undefined && sources.length === 1 ? sources[0] : undefined;
      throw new DataError({ file: source !== undefined && file !== undefined ? sourceFilePath(source, file) : source, ...where, field, problem });
    },
  };
  const units = definition.units;
  const phase = task.phase;
  if (units === undefined || phase.kind === "whole") {
    if (phase.kind === "unit" || phase.kind === "combine") throw new Error(`step ${task.step} has no units, but was asked to run its ${phase.kind} phase`);
    const values = (await definition.run(inputs as never, params, ctx)) as Record<string, StepOutputValue>;
    return { kind: "outputs", outputs: await storeOutputs(store, definition, where, values, [...decoded.values()]) };
  }
  const state = await preparedState(task.nodeKey, async () => units.prepare(inputs as never, params, ctx));
  switch (phase.kind) {
    case "plan":
      return { kind: "units", count: units.count(state) };
    case "unit": {
      // A unit's progress is not the node's: the runner reports units done of units in all.
      const unitCtx: StepContext = { ...ctx, progress: () => {} };
      const result = await units.run(state, phase.index, unitCtx);
      return { kind: "unit", digest: store.put(canonicalJsonBytes(asStoredJson(result))) };
    }
    case "combine": {
      const results = phase.results.map((digest) => JSON.parse(new TextDecoder().decode(store.get(digest))) as JsonValue);
      const values = (await units.combine(state, results, ctx)) as Record<string, StepOutputValue>;
      return { kind: "outputs", outputs: await storeOutputs(store, definition, where, values, [...decoded.values()]) };
    }
  }
};
