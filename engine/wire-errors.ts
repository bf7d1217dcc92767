import { CorruptObjectError, CorruptRefError, MissingObjectError, StoreWriteError, UnreadableObjectError } from "../artifacts/errors.js";
import { DataError, PipelineError, UsageError } from "../dsl/errors.js";

/** An error as plain data, so it can cross a worker thread or a Temporal activity boundary and be rebuilt. */
export interface WireError {
  readonly tag: string;
  readonly fields: Record<string, unknown>;
  readonly message: string;
  readonly stack?: string;
}

const rebuilders: Record<string, (fields: never) => Error> = {
  PipelineError: (f: ConstructorParameters<typeof PipelineError>[0]) => new PipelineError(f),
  DataError: (f: ConstructorParameters<typeof DataError>[0]) => new DataError(f),
  UsageError: (f: ConstructorParameters<typeof UsageError>[0]) => new UsageError(f),
  CorruptObjectError: (f: ConstructorParameters<typeof CorruptObjectError>[0]) => new CorruptObjectError(f),
  MissingObjectError: (f: ConstructorParameters<typeof MissingObjectError>[0]) => new MissingObjectError(f),
  UnreadableObjectError: (f: ConstructorParameters<typeof UnreadableObjectError>[0]) => new UnreadableObjectError(f),
  StoreWriteError: (f: ConstructorParameters<typeof StoreWriteError>[0]) => new StoreWriteError(f),
  CorruptRefError: (f: ConstructorParameters<typeof CorruptRefError>[0]) => new CorruptRefError(f),
};

export const toWireError = (e: unknown): WireError => {
  if (e instanceof Error && "_tag" in e && typeof e._tag === "string" && e._tag in rebuilders) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e)) if (k !== "_tag") fields[k] = v;
    return { tag: e._tag, fields, message: e.message };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { tag: "Defect", fields: {}, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
};

/** Rebuilds a typed user or store error; anything else comes back as a plain Error keeping the original stack. */
export const fromWireError = (w: WireError): Error => {
  const rebuild = rebuilders[w.tag];
  if (rebuild) return rebuild(w.fields as never);
  const err = new Error(w.message);
  if (w.stack) err.stack = w.stack;
  return err;
};
