import type * as arrow from "apache-arrow";
import type { Schema } from "effect";
import type { HandleKind } from "./handles.js";

/** A step's params schema: decoded when the study loads, encoded into the plan as JSON. */
export type ParamsSchema<P> = Schema.Codec<P, unknown, never, never>;

export type InputKind = HandleKind | "source" | "channel";
/**
 * An input slot: one artifact of a kind; an ordered list of them (e.g. the predictions of several models), empty
 * only where the step says `mayBeEmpty` (e.g. the documents a section cites); or one that a builder wires only when
 * the study has it (e.g. where a table's rows come from), which when absent is not in the plan and changes no key.
 */
export type InputSpec = InputKind | { readonly list: HandleKind; readonly mayBeEmpty?: true } | { readonly optional: HandleKind };
export type InputSpecs = { readonly [name: string]: InputSpec };

/** What `run` receives for each declared input: one StepInput, a list of them for list slots, maybe one for optional slots. */
export type StepInputs<IS extends InputSpecs> = {
  readonly [K in keyof IS]: IS[K] extends { readonly list: HandleKind }
    ? readonly StepInput[]
    : IS[K] extends { readonly optional: HandleKind }
      ? StepInput | undefined
      : StepInput;
};

/** One file of a source input. */
export interface SourceFile {
  /** Its name inside the source folder; for a single-file source, the file's base name. */
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** An input artifact as a step sees it: its digest and lazy, verified readers. */
export interface StepInput {
  readonly digest: string;
  /** The raw bytes (for a file source: the file; for a folder source: its "strata-folder/1" listing). */
  bytes(): Uint8Array;
  table(): arrow.Table;
  json(): unknown;
  text(): string;
  /** Whether this is a folder source (`source("data/x/")`). */
  readonly folder: boolean;
  /**
   * Source inputs only: the files, for a folder every file directly inside it in code-point order of names, for a
   * file source that one file. Throws for any other input.
   */
  files(): readonly SourceFile[];
}

/** What a step may return for each declared output: a table, a JSON value or a text document. */
export type StepOutputValue = arrow.Table | string | JsonValue;
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Everything non-deterministic or environmental a step may touch comes through its context: the node seed and
 * seeded random streams, logging and progress. A step reads no clock, no Math.random and no files of its own.
 */
export interface StepContext {
  readonly nodeId: string;
  readonly step: string;
  readonly seed: number;
  /** A seeded uniform [0, 1) stream; the same (seed, name) always gives the same sequence. */
  random(stream: string): () => number;
  log(message: string): void;
  progress(done: number, total: number): void;
  /**
   * Ends the step with a user-facing DataError that names this node and the given field. `file`, a name from the
   * files() of a source input (the one `field` names, or else the node's only one), makes the error name that file.
   */
  fail(field: string, problem: string, file?: string): never;
}

/** What a step returns: a value for each declared output. */
export type StepOutputs<O extends string> = { readonly [K in O]: StepOutputValue };

/**
 * A step whose work splits into independent units (e.g. one training replicate each), so the engine can run them
 * on several cores or Temporal workers and keep the ones that finished when a run is killed. `prepare` reads the
 * inputs once per thread; `run` computes unit `index` from that state alone; `combine` receives every unit's result
 * in unit order. A unit's result `R` crosses threads and machines as canonical JSON, so it must be plain JSON (no
 * typed arrays, no non-finite numbers; checked when the unit ends); the outputs then never depend on how many cores
 * or workers ran the units. Units must not change the prepared state.
 */
export interface StepUnits<S, R, P, IS extends InputSpecs, O extends string> {
  prepare(inputs: StepInputs<IS>, params: P, ctx: StepContext): Promise<S> | S;
  count(state: S): number;
  run(state: S, index: number, ctx: StepContext): Promise<R> | R;
  combine(state: S, results: readonly R[], ctx: StepContext): Promise<StepOutputs<O>> | StepOutputs<O>;
}

export interface StepDefinition<P = unknown, IS extends InputSpecs = InputSpecs, O extends string = string> {
  /** Stable name of the step kind, e.g. "preprocess.ordinal-encode". Part of every cache key. */
  readonly kind: string;
  /** The module that defines the step (its import.meta.url): its import closure is the step's code digest. */
  readonly module: string;
  readonly params: ParamsSchema<P>;
  readonly inputs: IS;
  readonly outputs: { readonly [K in O]: HandleKind };
  /** The whole step in one call; for a step with units, derived from them (see defineStep). */
  readonly run: (inputs: StepInputs<IS>, params: P, ctx: StepContext) => Promise<StepOutputs<O>> | StepOutputs<O>;
  /** The step's units, if it has them. Their state type is the step's own: the engine only hands it along. */
  readonly units?: StepUnits<unknown, unknown, P, IS, O>;
  /**
   * Loads the packages the step imports only when it runs (so that building a plan does not load them): a step
   * thread with nothing to do calls it ahead of the step's task (engine/step-pool.ts, warm). Nothing else.
   */
  readonly warm?: () => Promise<unknown>;
}

/** A step as declared: with its own `run`, or with `units` (from which `run` is derived). */
export type StepDeclaration<P, IS extends InputSpecs, O extends string, S, R> =
  | (Omit<StepDefinition<P, IS, O>, "units"> & { readonly units?: undefined })
  | (Omit<StepDefinition<P, IS, O>, "run" | "units"> & { readonly units: StepUnits<S, R, P, IS, O> });

/**
 * A unit's result as the combining side sees it when the unit ran elsewhere: the value its canonical JSON (the
 * engine's unit objects, artifacts/canonical-json.ts) parses back to. Keys sorted, -0 as 0, and a value that JSON
 * cannot carry is refused, so the single-thread run combines exactly what a fanned-out run would.
 */
export const asStoredJson = (value: unknown, at = "$"): JsonValue => {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`a unit result holds a non-finite number at ${at}`);
    return Object.is(value, -0) ? 0 : value;
  }
  if (Array.isArray(value)) return value.map((item, i) => asStoredJson(item, `${at}[${i}]`));
  if (typeof value === "object") {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) {
      throw new TypeError(`a unit result holds a ${(value as object).constructor?.name ?? "non-plain object"} at ${at}; unit results must be plain JSON (e.g. Array.from a typed array)`);
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
    return Object.fromEntries(keys.map((k) => [k, asStoredJson(record[k], `${at}.${k}`)]));
  }
  throw new TypeError(`a unit result holds a ${typeof value} at ${at}; unit results must be plain JSON`);
};

/** Every unit of a step, one after another in this thread: the run of a step with units. */
const runUnitsInOrder = <S, R, P, IS extends InputSpecs, O extends string>(units: StepUnits<S, R, P, IS, O>) =>
  async (inputs: StepInputs<IS>, params: P, ctx: StepContext): Promise<StepOutputs<O>> => {
    const state = await units.prepare(inputs, params, ctx);
    const total = units.count(state);
    const results: R[] = [];
    for (let i = 0; i < total; i++) {
      results.push(asStoredJson(await units.run(state, i, ctx)) as R);
      ctx.progress(i + 1, total);
    }
    return units.combine(state, results, ctx);
  };

/** Declares a step with its types checked; a step with units gets the `run` that runs them all in order. */
export const defineStep = <P, const IS extends InputSpecs, O extends string, S = never, R = never>(
  declaration: StepDeclaration<P, IS, O, S, R>,
): StepDefinition<P, IS, O> =>
  declaration.units === undefined ? declaration : { ...declaration, run: runUnitsInOrder(declaration.units) };
