import { Data } from "effect";

/** Where a user mistake sits, as precisely as it is known. Rendered as "file › node (step) › field". */
export interface Location {
  readonly file?: string | undefined;
  readonly node?: string | undefined;
  readonly step?: string | undefined;
  readonly field?: string | undefined;
}

export const renderLocation = (loc: Location): string =>
  [
    loc.file,
    loc.node !== undefined ? `node "${loc.node}"${loc.step ? ` (${loc.step})` : ""}` : loc.step,
    loc.field !== undefined ? `field ${loc.field}` : undefined,
  ]
    .filter((p): p is string => p !== undefined && p !== "")
    .join(" › ");

/** A mistake in the pipeline file itself (wiring, params, unknown columns), found before anything runs. */
export class PipelineError extends Data.TaggedError("PipelineError")<Location & { readonly problem: string }> {
  override get message(): string {
    return `${renderLocation(this)}: ${this.problem}`;
  }
}

/** A problem with the data a step was given (missing file, malformed row, empty subgroup), found while running. */
export class DataError extends Data.TaggedError("DataError")<Location & { readonly problem: string }> {
  override get message(): string {
    return `${renderLocation(this)}: ${this.problem}`;
  }
}

/** Bad command-line input: a wrong flag, a missing argument. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly problem: string }> {
  override get message(): string {
    return this.problem;
  }
}

/** The user-facing error kinds: each ends a command with one readable message and a non-zero exit. */
export type UserError = PipelineError | DataError | UsageError;

export const isUserError = (e: unknown): e is UserError =>
  e instanceof PipelineError || e instanceof DataError || e instanceof UsageError;

/** A user error located in the given file when it names none yet (e.g. a data error raised by a step). */
export const locatedIn = <E>(e: E, file: string): E => {
  if (e instanceof DataError && e.file === undefined) return new DataError({ ...e, file, problem: e.problem }) as E;
  if (e instanceof PipelineError && e.file === undefined) return new PipelineError({ ...e, file, problem: e.problem }) as E;
  return e;
};

/** A list for a message: the first `max` items, then how many more, so a table of 100,000 columns stays one line. */
export const boundedList = (items: readonly string[], max = 8): string =>
  items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
