import { Data } from "effect";

/** A stored object whose bytes no longer hash to its name: never served, always reported. */
export class CorruptObjectError extends Data.TaggedError("CorruptObjectError")<{
  readonly digest: string;
  readonly path: string;
  readonly actual: string;
}> {
  override get message(): string {
    return `store object ${this.digest} is corrupt (its bytes hash to ${this.actual}); file ${this.path}. ` +
      `Run \`strata verify\` to list every bad object.`;
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

/**
 * A stored object that exists but cannot be read (no read permission, a folder where its file should be): not
 * "missing", which would send the user to rerun a study that cannot help.
 */
export class UnreadableObjectError extends Data.TaggedError("UnreadableObjectError")<{
  readonly digest: string;
  readonly path: string;
  readonly code: string;
}> {
  override get message(): string {
    const why = this.code === "EISDIR"
      ? "a folder sits where its file should be; remove that folder (rm -r it) and rerun, which recomputes the object"
      : this.code === "EACCES" || this.code === "EPERM"
        ? "permission denied; make the store's objects/ readable by this user (e.g. chmod -R u+rX objects)"
        : this.code;
    return `cannot read store object ${this.digest} at ${this.path}: ${why}`;
  }
}

/** What a failed store write means for the user, by the system error code, and what to do about it. */
const WRITE_PROBLEMS: Record<string, string> = {
  ENOSPC: "the disk is full; free some space (or point --store at a folder on another disk) and run again",
  EDQUOT: "the disk quota is used up; free some space (or point --store at another folder) and run again",
  EACCES: "permission denied; make the store writable by this user, or point --store at a folder you can write",
  EPERM: "permission denied; make the store writable by this user, or point --store at a folder you can write",
  EROFS: "the file system is read-only; point --store at a writable folder",
  ENOTDIR: "a part of this path is a file, not a folder; point --store at a folder (or remove the file)",
  EISDIR: "a folder sits where the store keeps a file; remove it (`strata verify` lists the store's problems)",
  EEXIST: "a file sits where the store needs a folder; point --store at a folder (or remove the file)",
};

/**
 * Writing to the store failed for a reason outside Strata (full disk, permissions, a read-only mount, a file where
 * a folder should be). Nothing was kept under a real name; the message names the path and what to do.
 */
export class StoreWriteError extends Data.TaggedError("StoreWriteError")<{
  readonly path: string;
  readonly code: string;
  readonly store: string;
}> {
  override get message(): string {
    return `cannot write ${this.path} in the store at ${this.store}: ${WRITE_PROBLEMS[this.code] ?? this.code}. Nothing partial was kept.`;
  }
}

/** Whether a system error is one the user can fix, so it becomes a StoreWriteError rather than a bug report. */
export const isUserFixableWriteError = (e: unknown): e is NodeJS.ErrnoException =>
  e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && (e as NodeJS.ErrnoException).code! in WRITE_PROBLEMS;

/** A ref file (a named pointer such as a study's last manifest) that does not hold a digest. */
export class CorruptRefError extends Data.TaggedError("CorruptRefError")<{
  readonly path: string;
  readonly content: string;
}> {
  override get message(): string {
    return `the ref file ${this.path} holds ${JSON.stringify(this.content.slice(0, 80))}, not a digest; remove it (\`strata verify\` lists every such problem)`;
  }
}

/** The store's own failures: each ends a command with its message, never as an internal error. */
export type StoreError = CorruptObjectError | MissingObjectError | UnreadableObjectError | StoreWriteError | CorruptRefError;

export const isStoreError = (e: unknown): e is StoreError =>
  e instanceof CorruptObjectError || e instanceof MissingObjectError || e instanceof UnreadableObjectError || e instanceof StoreWriteError || e instanceof CorruptRefError;
