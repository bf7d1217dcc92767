import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { isDigest, sha256Hex, type Digest } from "./digest.js";
import { CorruptObjectError, CorruptRefError, MissingObjectError, StoreWriteError, UnreadableObjectError, isUserFixableWriteError } from "./errors.js";

/**
 * The content-addressed store: a folder of immutable objects named by the sha256 of their bytes, plus two small
 * mutable maps: the cache index (cache key -> output digests) and named refs (e.g. a study's last manifest).
 *
 *   objects/ab/cdef…   object bytes
 *   index/ab/abcd….json cache index entries
 *   refs/…             named pointers
 *   tmp/               in-flight writes; renamed into place once flushed
 *
 * Every write goes to tmp/, is fsynced and then renamed, so a crash never leaves a half-written file under a real
 * name. Every read re-hashes the bytes, so a corrupted object is never returned.
 */
export class ContentStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  objectPath(digest: Digest): string {
    return path.join(this.root, "objects", digest.slice(0, 2), digest.slice(2));
  }

  has(digest: Digest): boolean {
    return fs.existsSync(this.objectPath(digest));
  }

  /** Stores bytes and returns their digest. Rewrites an existing object only if its bytes went bad. */
  put(bytes: Uint8Array): Digest {
    const digest = sha256Hex(bytes);
    const target = this.objectPath(digest);
    if (fs.existsSync(target) && this.check(digest) === undefined) return digest;
    this.writeAtomic(target, bytes);
    return digest;
  }

  /**
   * Writes bytes that arrive in chunks (a table encoded row group by row group) to a temp file, hashing them on the
   * way, so no whole-file copy is held. Nothing is under a real name until `commit`; `discard` removes the temp file.
   */
  async stage(chunks: AsyncIterable<Uint8Array>): Promise<StagedObject> {
    const tmp = this.tempPath();
    const hash = createHash("sha256");
    let fd: number | undefined;
    try {
      makeFolder(path.dirname(tmp));
      fd = fs.openSync(tmp, "w");
      for await (const chunk of chunks) {
        hash.update(chunk);
        writeFully(fd, tmp, chunk);
      }
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = undefined;
    } catch (e) {
      cleanUp(fd, tmp);
      throw this.writeError(e, tmp);
    }
    const digest = hash.digest("hex");
    return {
      digest,
      commit: () => {
        const target = this.objectPath(digest);
        try {
          if (fs.existsSync(target) && this.check(digest) === undefined) return cleanUp(undefined, tmp);
          makeFolder(path.dirname(target));
          fs.renameSync(tmp, target);
        } catch (e) {
          cleanUp(undefined, tmp);
          throw this.writeError(e, target);
        }
      },
      discard: () => cleanUp(undefined, tmp),
    };
  }

  /** Returns the object's bytes after checking they still hash to its name. */
  get(digest: Digest): Uint8Array {
    const file = this.objectPath(digest);
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw new MissingObjectError({ digest, store: this.root });
      throw new UnreadableObjectError({ digest, path: file, code: code ?? String(e) });
    }
    const actual = sha256Hex(bytes);
    if (actual !== digest) throw new CorruptObjectError({ digest, path: file, actual });
    return bytes;
  }

  /** undefined when the object is present and intact, otherwise the reason it is not. */
  check(digest: Digest): CorruptObjectError | MissingObjectError | UnreadableObjectError | undefined {
    try {
      this.get(digest);
      return undefined;
    } catch (e) {
      if (e instanceof CorruptObjectError || e instanceof MissingObjectError || e instanceof UnreadableObjectError) return e;
      throw e;
    }
  }

  /** Every object digest in the store, sorted. */
  listObjects(): Digest[] {
    const dir = path.join(this.root, "objects");
    if (!fs.existsSync(dir)) return [];
    const out: Digest[] = [];
    for (const prefix of fs.readdirSync(dir).sort()) {
      for (const rest of fs.readdirSync(path.join(dir, prefix)).sort()) {
        if (isDigest(prefix + rest)) out.push(prefix + rest);
      }
    }
    return out;
  }

  /** Files that sit in objects/ under a name that is not a digest (e.g. left by hand): reported by verify. */
  strayObjectFiles(): string[] {
    const dir = path.join(this.root, "objects");
    if (!fs.existsSync(dir)) return [];
    const out: string[] = [];
    for (const prefix of fs.readdirSync(dir).sort()) {
      for (const rest of fs.readdirSync(path.join(dir, prefix)).sort()) {
        if (!isDigest(prefix + rest)) out.push(path.join(dir, prefix, rest));
      }
    }
    return out;
  }

  /** The text of a cache index entry, or undefined when there is none; the engine decodes and checks it. */
  readIndex(key: Digest): string | undefined {
    const file = this.indexPath(key);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
  }

  writeIndex(key: Digest, json: string): void {
    this.writeAtomic(this.indexPath(key), new TextEncoder().encode(json));
  }

  removeIndex(key: Digest): void {
    fs.rmSync(this.indexPath(key), { force: true });
  }

  /** The digest a ref points at, or undefined when there is no such ref; a ref holding anything else is an error. */
  readRef(name: string): Digest | undefined {
    const file = this.refPath(name);
    if (!fs.existsSync(file)) return undefined;
    const content = fs.readFileSync(file, "utf8").trim();
    if (!isDigest(content)) throw new CorruptRefError({ path: file, content });
    return content;
  }

  writeRef(name: string, value: string): void {
    this.writeAtomic(this.refPath(name), new TextEncoder().encode(value + "\n"));
  }

  /**
   * Removes the temp files that processes of this host left when they died mid-write (killed, out of memory): a
   * temp name carries its writer's host and pid, so a live writer's file, or another machine's, is never touched.
   */
  removeDeadWritersTemp(): void {
    const host = `${os.hostname().replaceAll(/[^A-Za-z0-9.]/g, "_")}-`;
    for (const name of this.listTemp()) {
      if (!name.startsWith(host)) continue;
      const pid = Number(name.slice(host.length).split("-")[0]);
      if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) cleanUp(undefined, path.join(this.root, "tmp", name));
    }
  }

  /** Leftovers of writes that never completed (a killed process); safe to delete when no run is active. */
  listTemp(): string[] {
    const dir = path.join(this.root, "tmp");
    return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  }

  indexPath(key: Digest): string {
    return path.join(this.root, "index", key.slice(0, 2), `${key}.json`);
  }

  private refPath(name: string): string {
    if (!/^[A-Za-z0-9._\-/]+$/.test(name) || name.split("/").some((p) => p === ".." || p === "")) {
      throw new Error(`invalid ref name ${JSON.stringify(name)}`);
    }
    return path.join(this.root, "refs", name);
  }

  /**
   * Writes `bytes` to a temp file, completely (a short write continues where it stopped), flushes it and renames it
   * into place. Any failure removes the temp file, so a full disk or a kill mid-write never leaves a partial file
   * under a real name; a failure the user can fix (ENOSPC, EACCES, EROFS, ENOTDIR, …) becomes a StoreWriteError.
   */
  private writeAtomic(target: string, bytes: Uint8Array): void {
    const tmp = this.tempPath();
    let fd: number | undefined;
    try {
      makeFolder(path.dirname(tmp));
      makeFolder(path.dirname(target));
      fd = fs.openSync(tmp, "w");
      writeFully(fd, tmp, bytes);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = undefined;
      fs.renameSync(tmp, target);
    } catch (e) {
      cleanUp(fd, tmp);
      throw this.writeError(e, target);
    }
  }

  // The temp name only has to be unique among concurrent writers; it never reaches an artifact.
  private tempPath(): string {
    return path.join(this.root, "tmp", `${TEMP_PREFIX}${randomBytes(6).toString("hex")}.tmp`);
  }

  /** A failure the user can fix (ENOSPC, EACCES, EROFS, ENOTDIR, …) as a StoreWriteError; any other as it is. */
  private writeError(e: unknown, target: string): unknown {
    return isUserFixableWriteError(e) ? new StoreWriteError({ path: e.path ?? target, code: e.code!, store: this.root }) : e;
  }
}

/** An object written to the store's tmp/ folder and hashed, not yet under its name. */
export interface StagedObject {
  readonly digest: Digest;
  /** Moves the object under its name (or drops the temp file when an intact copy is already there). */
  readonly commit: () => void;
  readonly discard: () => void;
}

/** Writes all of `bytes` (a short write continues where it stopped). */
const writeFully = (fd: number, file: string, bytes: Uint8Array): void => {
  for (let offset = 0; offset < bytes.length; ) {
    const written = fs.writeSync(fd, bytes, offset, bytes.length - offset);
    if (written <= 0) throw Object.assign(new Error(`short write to ${file}`), { code: "ENOSPC" });
    offset += written;
  }
};

/**
 * mkdir -p that reports the real cause: Node's recursive mkdir answers ENOENT on a read-only file system, so on
 * ENOENT the missing folders are made one by one, and the first one that fails throws its own code (EROFS, …).
 */
const makeFolder = (dir: string): void => {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    const missing: string[] = [];
    for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    for (const d of missing) fs.mkdirSync(d);
  }
};

/** Temp files are named `<host>-<pid>-<random>.tmp`, so leftovers can be traced to a writer that is gone. */
const TEMP_PREFIX = `${os.hostname().replaceAll(/[^A-Za-z0-9.]/g, "_")}-${process.pid}-`;

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Best effort after a failed write: the original error is the one to report. */
const cleanUp = (fd: number | undefined, tmp: string): void => {
  try {
    if (fd !== undefined) fs.closeSync(fd);
  } catch {}
  try {
    fs.rmSync(tmp, { force: true });
  } catch {}
};

/** The store folder a command uses: --store, then STRATA_STORE, then .strata in the working directory. */
export const resolveStoreRoot = (flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string =>
  path.resolve(flag ?? env["STRATA_STORE"] ?? ".strata");
