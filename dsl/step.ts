import type * as arrow from "apache-arrow";
import type { Schema } from "effect";
import type { HandleKind } from "./handles.js";

/** A step's params schema: decoded when the study loads, encoded into the plan as JSON. */
export type ParamsSchema<P> = Schema.Codec<P, unknown, never, never>;

export type InputKind = HandleKind | "source" | "channel";
/** An input slot: one artifact of a kind, or an ordered list of them (e.g. the predictions of several models). */
export type InputSpec = InputKind | { readonly list: HandleKind };
export type InputSpecs = { readonly [name: string]: InputSpec };

/** What `run` receives for each declared input: one StepInput, or a list of them for list slots. */
export type StepInputs<IS extends InputSpecs> = {
  readonly [K in keyof IS]: IS[K] extends { readonly list: HandleKind } ? readonly StepInput[] : StepInput;
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

export interface StepDefinition<P = unknown, IS extends InputSpecs = InputSpecs, O extends string = string> {
  /** Stable name of the step kind, e.g. "preprocess.ordinal-encode". Part of every cache key. */
  readonly kind: string;
  /** The module that defines the step (its import.meta.url): its import closure is the step's code digest. */
  readonly module: string;
  readonly params: ParamsSchema<P>;
  readonly inputs: IS;
  readonly outputs: { readonly [K in O]: HandleKind };
  readonly run: (inputs: StepInputs<IS>, params: P, ctx: StepContext) =>
    Promise<{ readonly [K in O]: StepOutputValue }> | { readonly [K in O]: StepOutputValue };
}

/** Identity with inference: declares a step with its types checked. */
export const defineStep = <P, const IS extends InputSpecs, O extends string>(
  definition: StepDefinition<P, IS, O>,
): StepDefinition<P, IS, O> => definition;
