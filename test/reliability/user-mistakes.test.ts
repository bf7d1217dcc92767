import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, strata, type CliResult } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

/**
 * Ordinary mistakes around a run (a file where a folder belongs, a read-only store, an unreadable object) end with
 * one message naming the path and what to do, exit 1 or 2, found before any work where that is possible: never
 * exit 70 "internal error", and never a failure after the run was recorded.
 */
const PIPELINE = "test/fixtures/pipelines/tiny.ts";

const oneError = (r: CliResult): string => {
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("strata: error:"));
  expect(errors, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  return errors[0]!;
};
const listing = (dir: string): string[] => (fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? fs.readdirSync(dir, { recursive: true }).map(String).sort() : []);

/** A store holding one recorded run of the tiny study, copied for each case. */
let pristine: string;
beforeAll(async () => {
  pristine = makeTempDir();
  expect((await strata(["run", PIPELINE, "--store", pristine, "--no-lock", "--out", path.join(makeTempDir(), "r")])).code).toBe(0);
}, 120_000);
/**
 * Lets another user reach the repository: the folders above it get the others' search bit (never read), as a
 * clone inside a private temp folder (mktemp -d is 0700) would otherwise stop that user at the door. Returns how
 * to put the modes back.
 */
const letOthersReachRepository = (): (() => void) => {
  const changed: [string, number][] = [];
  for (let dir = repoRoot; ; dir = path.dirname(dir)) {
    const mode = fs.statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      fs.chmodSync(dir, mode | 0o001);
      changed.push([dir, mode]);
    }
    if (path.dirname(dir) === dir) break;
  }
  return () => {
    for (const [dir, mode] of changed) fs.chmodSync(dir, mode);
  };
};

const copyOfStore = (): string => {
  const dir = makeTempDir();
  fs.cpSync(pristine, dir, { recursive: true });
  return dir;
};

describe("paths a run writes to are checked before any work", () => {
  const file = () => {
    const f = path.join(makeTempDir(), "a-file");
    fs.writeFileSync(f, "x");
    return f;
  };
  it.each([
    { name: "--store naming a file", args: (f: string) => ["--store", f], says: ["--store", "is a file, not a folder"] },
    { name: "--store under a file", args: (f: string) => ["--store", path.join(f, "store")], says: ["--store", "is a file, not a folder", "cannot be made"] },
    { name: "--store empty", args: () => ["--store", ""], says: ["--store is empty"] },
    { name: "--out naming a file", args: (f: string) => ["--store", makeTempDir(), "--out", f], says: ["--out", "is a file, not a folder"] },
    { name: "--out under a file", args: (f: string) => ["--store", makeTempDir(), "--out", path.join(f, "reports")], says: ["--out", "cannot be made"] },
  ])("$name: exit 2 naming the path, nothing run or stored", async ({ args, says }) => {
    const f = file();
    const given = args(f);
    const store = given[1]!;
    const before = listing(store);
    const r = await strata(["run", PIPELINE, "--no-lock", ...given]);
    expect(r.code).toBe(2);
    const error = oneError(r);
    for (const s of says) expect(error).toContain(s);
    expect(r.stderr).not.toContain("running study");
    if (store !== "" && store !== f) expect(listing(store)).toEqual(before);
    expect(fs.readFileSync(f, "utf8")).toBe("x");
  });

  it("export --to and --ro-crate naming a file: exit 2 before anything is written", async () => {
    const store = copyOfStore();
    const f = file();
    const manifest = fs.readFileSync(path.join(store, "refs", "studies", "tiny", "last-manifest"), "utf8").trim();
    for (const flag of ["--to", "--ro-crate"]) {
      const r = await strata(["export", manifest, "--store", store, flag, f]);
      expect(r.code).toBe(2);
      expect(oneError(r)).toContain(`${flag} ${f} is a file, not a folder`);
    }
  });
});

describe("a store that cannot be written or read", () => {
  const mountPoint = makeTempDir("strata-ro-");
  afterAll(() => {
    execFileSync("umount", [mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });

  it("a read-only store refuses even a fully cached run, before the first node, naming the store (exit 1)", async () => {
    // A run records its manifest, run record and refs even when every node is cached: a store it cannot write is
    // refused up front rather than after the work (README "Reliability").
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint]);
    fs.cpSync(pristine, path.join(mountPoint, "store"), { recursive: true });
    execFileSync("mount", ["-o", "remount,ro", mountPoint]);
    const store = path.join(mountPoint, "store");
    const before = listing(store);
    const r = await strata(["run", PIPELINE, "--store", store, "--no-lock", "--out", path.join(makeTempDir(), "r")]);
    expect(r.code).toBe(1);
    const error = oneError(r);
    expect(error).toContain(store);
    expect(error).toContain("the file system is read-only; point --store at a writable folder");
    expect(r.stderr).not.toContain("running study");
    expect(listing(store)).toEqual(before);
  });

  it("an object path that is a folder is named as unreadable, not as missing (exit 1)", async () => {
    const store = copyOfStore();
    const index = fs.readdirSync(path.join(store, "index"), { recursive: true }).map(String).find((f) => f.endsWith(".json"))!;
    const digest = Object.values((JSON.parse(fs.readFileSync(path.join(store, "index", index), "utf8")) as { outputs: Record<string, { digest: string }> }).outputs)[0]!.digest;
    const object = path.join(store, "objects", digest.slice(0, 2), digest.slice(2));
    fs.rmSync(object);
    fs.mkdirSync(object);
    const r = await strata(["run", PIPELINE, "--store", store, "--no-lock", "--out", path.join(makeTempDir(), "r")]);
    expect(r.code).toBe(1);
    const error = oneError(r);
    expect(error).toContain(`cannot read store object ${digest} at ${object}: a folder sits where its file should be`);
    expect(error).not.toContain("is not in the store");
  });

  it("objects/ that this user cannot read: exit 1 naming the store, never 'missing'", async () => {
    const store = copyOfStore();
    fs.chmodSync(store, 0o777);
    for (const d of ["index", "refs", "tmp"]) if (fs.existsSync(path.join(store, d))) execFileSync("chmod", ["-R", "a+rwX", path.join(store, d)]);
    execFileSync("chmod", ["-R", "a+rwX", path.join(store, "objects")]);
    fs.chmodSync(path.join(store, "objects"), 0o700); // the owner's only; the command runs as nobody
    const out = makeTempDir();
    fs.chmodSync(out, 0o777);
    const restoreModes = letOthersReachRepository();
    const r = await new Promise<CliResult>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(repoRoot, "bin/strata.mjs"), "run", PIPELINE, "--store", store, "--no-lock", "--out", path.join(out, "r")], {
        cwd: repoRoot,
        uid: 65534,
        gid: 65534,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    }).finally(restoreModes);
    expect([1, 2]).toContain(r.code);
    const error = oneError(r);
    expect(error).toContain(path.join(store, "objects"));
    expect(error).not.toContain("is not in the store");
  }, 60_000);
});
