import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { jsonOf, strata } from "../support/cli.js";
import { flipByte, makeTempDir } from "../support/temp-project.js";

/** `strata verify` checks everything a store holds, and history listings survive a bad record. */
const PIPELINE = "test/fixtures/pipelines/tiny.ts";

interface VerifyJson {
  readonly ok: boolean;
  readonly bad: readonly { at: string; problem: string }[];
  readonly debris: readonly string[];
}

/** A store with two recorded runs of the tiny study, copied fresh for each case. */
let pristine: string;
beforeAll(async () => {
  pristine = makeTempDir();
  for (let i = 0; i < 2; i++) expect((await strata(["run", PIPELINE, "--store", pristine, "--no-lock", "--out", path.join(pristine, "r")])).code).toBe(0);
  fs.rmSync(path.join(pristine, "r"), { recursive: true, force: true });
}, 120_000);

const copyOfStore = (): string => {
  const dir = makeTempDir();
  fs.cpSync(pristine, dir, { recursive: true });
  return dir;
};
const verify = async (store: string, ...flags: string[]) => {
  const r = await strata(["verify", "--store", store, "--json", ...flags]);
  return { code: r.code, json: JSON.parse(r.stdout) as VerifyJson };
};
const filesIn = (store: string, sub: string): string[] =>
  fs.readdirSync(path.join(store, sub), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
const manifestOf = (store: string): { nodes: { id: string; outputs: Record<string, { digest: string }> }[] } => {
  const ref = filesIn(store, "refs").find((f) => f.endsWith("last-manifest"))!;
  const digest = fs.readFileSync(ref, "utf8").trim();
  return JSON.parse(fs.readFileSync(path.join(store, "objects", digest.slice(0, 2), digest.slice(2)), "utf8"));
};
const objectPath = (store: string, digest: string) => path.join(store, "objects", digest.slice(0, 2), digest.slice(2));

describe("strata verify", () => {
  it("a clean store passes", async () => {
    const r = await verify(copyOfStore());
    expect(r.code).toBe(0);
    expect(r.json.ok).toBe(true);
  });

  it.each([
    { name: "a store that does not exist", store: () => path.join(makeTempDir(), "nope"), says: /there is no store at/ },
    { name: "a regular file", store: () => { const f = path.join(makeTempDir(), "file"); fs.writeFileSync(f, "x"); return f; }, says: /is a file, not a store folder/ },
    { name: "an empty --store", store: () => "", says: /--store is empty/ },
  ])("fails on $name with exit 2 and says what to pass", async ({ store, says }) => {
    const r = await strata(["verify", "--store", store()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(says);
    expect(r.stdout).not.toMatch(/objects checked/);
  });

  it("names a deleted model that a manifest still records", async () => {
    const store = copyOfStore();
    const victim = manifestOf(store).nodes.find((n) => n.id === "sum-a")!.outputs["total"]!.digest;
    fs.rmSync(objectPath(store, victim));
    const r = await verify(store);
    expect(r.code).toBe(1);
    expect(r.json.bad.some((b) => b.problem.includes('node "sum-a" output "total"') && b.problem.includes(victim))).toBe(true);
    expect(r.json.bad.some((b) => b.at.startsWith("index") && b.problem.includes(victim))).toBe(true);
  });

  it("names a damaged index entry", async () => {
    const store = copyOfStore();
    const entry = filesIn(store, "index")[0]!;
    flipByte(entry);
    const r = await verify(store);
    expect(r.code).toBe(1);
    expect(r.json.bad.map((b) => b.at)).toContain(path.relative(store, entry));
  });

  it("names a ref holding garbage, with its file", async () => {
    const store = copyOfStore();
    const ref = filesIn(store, "refs").find((f) => f.endsWith("last-manifest"))!;
    fs.writeFileSync(ref, "not a digest\n");
    const r = await verify(store);
    expect(r.code).toBe(1);
    expect(r.json.bad).toContainEqual({ at: path.relative(store, ref), problem: expect.stringContaining('"not a digest", not a digest') });
    const show = await strata(["explain", PIPELINE, "--store", store]);
    expect(show.code).toBe(1);
    expect(show.stderr).toContain(ref);
    expect(show.stderr).not.toMatch(/internal error/);
  });

  it("reports debris (exit 1) and removes it with --clean", async () => {
    const store = copyOfStore();
    fs.mkdirSync(path.join(store, "tmp"), { recursive: true });
    fs.writeFileSync(path.join(store, "tmp", "host-1-abc.tmp"), "half");
    fs.mkdirSync(path.join(store, "objects", "ab"), { recursive: true });
    fs.writeFileSync(path.join(store, "objects", "ab", "not-a-digest"), "x");
    const first = await verify(store);
    expect(first.code).toBe(1);
    expect(first.json.debris).toHaveLength(2);
    const cleaned = await verify(store, "--clean");
    expect(cleaned.code).toBe(0);
    expect((await verify(store)).json).toMatchObject({ ok: true, debris: [] });
  });
});

describe("run history with a bad record", () => {
  it("runs list warns about a corrupt record, names it, and still lists the others", async () => {
    const store = copyOfStore();
    const refs = filesIn(store, path.join("refs", "runs"));
    expect(refs).toHaveLength(2);
    const record = fs.readFileSync(refs[0]!, "utf8").trim();
    flipByte(objectPath(store, record));
    const r = await strata(["runs", "list", "--store", store, "--json"]);
    expect(r.code).toBe(0);
    expect(jsonOf<{ runs: unknown[]; unreadable: { ref: string }[] }>(r).runs).toHaveLength(1);
    expect(r.stderr).toContain(`skipped the run record ${refs[0]}`);
    expect(r.stderr).not.toMatch(/rerun recomputes/);
  });
});
