import { Data } from "effect";

/** A stored object whose bytes no longer hash to its name: never served, always reported. */
export class CorruptObjectError extends Data.TaggedError("CorruptObjectError")<{
  readonly digest: string;
  readonly path: string;
  readonly actual: string;
}> {
  override get message(): string {
    return `store object ${this.digest} is corrupt (its bytes hash to ${this.actual}); file ${this.path}. ` +
      `Run \`strata verify\` to list every bad object; a rerun recomputes it.`;
  }
}

export class MissingObjectError extends Data.TaggedError("MissingObjectError")<{
  readonly digest: string;
  readonly store: string;
}> {
  override get message(): string {
    return `store object ${this.digest} is not in the store at ${this.store}. ` +
      `Pass --store to point at the store that holds it, or rerun the study to recompute it.`;
  }
}
