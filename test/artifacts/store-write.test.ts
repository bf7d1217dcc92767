import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../artifacts/digest.js";
import { StoreWriteError } from "../../artifacts/errors.js";
import { ContentStore } from "../../artifacts/store.js";

// A real small file system: a 256 KiB tmpfs (CI and developer machines run these tests as root).
const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), "strata-tmpfs-"));
const mount = (options: string) => execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", mountPoint]);

const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)) : [];

const randomBytes = (n: number, seed: number): Uint8Array => {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
};

describe("store writes on a full, read-only or misplaced store", () => {
  beforeAll(() => mount("size=256k"));
  afterAll(() => {
    execFileSync("umount", [mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });

  it("a full disk leaves no object under its digest and no temp file, and says what to do", () => {
    const store = new ContentStore(path.join(mountPoint, "full"));
    const small = store.put(randomBytes(1000, 1));
    const big = randomBytes(600 * 1024, 2);
    let error: unknown;
    try {
      store.put(big);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreWriteError);
    expect((error as StoreWriteError).code).toBe("ENOSPC");
    expect((error as StoreWriteError).message).toMatch(/disk is full; free some space/);
    expect(store.has(sha256Hex(big))).toBe(false);
    expect(store.listTemp()).toEqual([]);
    expect(store.listObjects()).toEqual([small]);
    expect(Buffer.from(store.get(small)).equals(Buffer.from(randomBytes(1000, 1)))).toBe(true);
  });

  it("a streamed write that fills the disk leaves no temp file and no object, and says what to do", async () => {
    const store = new ContentStore(path.join(mountPoint, "full-stream"));
    const before = store.listObjects();
    async function* chunks() {
      for (let i = 0; i < 6; i++) yield randomBytes(100 * 1024, 10 + i);
    }
    const error = await store.stage(chunks()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreWriteError);
    expect((error as StoreWriteError).message).toMatch(/disk is full; free some space/);
    expect(store.listTemp()).toEqual([]);
    expect(store.listObjects()).toEqual(before);
  });

  it("a streamed write is under its digest only once committed, and a discarded one leaves nothing", async () => {
    const store = new ContentStore(path.join(mountPoint, "staged"));
    const parts = [randomBytes(1000, 20), randomBytes(10, 21)];
    async function* chunks() {
      yield* parts;
    }
    const kept = await store.stage(chunks());
    expect(kept.digest).toBe(sha256Hex(Buffer.concat(parts)));
    expect(store.has(kept.digest)).toBe(false);
    kept.commit();
    expect(Buffer.from(store.get(kept.digest)).equals(Buffer.concat(parts))).toBe(true);
    const again = await store.stage(chunks());
    again.commit();
    const dropped = await store.stage((async function* () {
      yield randomBytes(10, 22);
    })());
    dropped.discard();
    expect(store.listObjects()).toEqual([kept.digest]);
    expect(store.listTemp()).toEqual([]);
  });

  it("a read-only store is a StoreWriteError naming the store, not an internal error", () => {
    const root = path.join(mountPoint, "ro");
    new ContentStore(root).put(randomBytes(10, 3));
    execFileSync("mount", ["-o", "remount,ro", mountPoint]);
    try {
      const before = filesUnder(root);
      expect(() => new ContentStore(root).put(randomBytes(10, 4))).toThrow(/file system is read-only/);
      expect(() => new ContentStore(root).writeRef("x/last", "abc")).toThrow(StoreWriteError);
      expect(filesUnder(root)).toEqual(before);
    } finally {
      execFileSync("mount", ["-o", "remount,rw", mountPoint]);
    }
  });

  it("a store path that is a file is a StoreWriteError saying to point --store at a folder", () => {
    const file = path.join(mountPoint, "not-a-folder");
    fs.writeFileSync(file, "x");
    expect(() => new ContentStore(file).put(randomBytes(10, 5))).toThrow(/point --store at a folder/);
    expect(fs.readFileSync(file, "utf8")).toBe("x");
  });
});

describe("temp files of writers that died", () => {
  it("are removed for dead processes of this host only", () => {
    const store = new ContentStore(fs.mkdtempSync(path.join(os.tmpdir(), "strata-temp-")));
    const host = os.hostname().replaceAll(/[^A-Za-z0-9.]/g, "_");
    fs.mkdirSync(path.join(store.root, "tmp"));
    // 2^22 + 1 is above the largest pid Linux allows, so no live process has it.
    const names = { dead: `${host}-4194305-aaaa.tmp`, live: `${host}-${process.pid}-bbbb.tmp`, elsewhere: "other-host-4194305-cccc.tmp" };
    for (const n of Object.values(names)) fs.writeFileSync(path.join(store.root, "tmp", n), "half");
    store.removeDeadWritersTemp();
    expect(store.listTemp()).toEqual([names.live, names.elsewhere].sort());
  });
});
