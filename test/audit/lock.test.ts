// study.lock and the plan diff behind `strata run --frozen`, in-process on real files and a real store.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { canonicalJsonBytes } from "../../artifacts/canonical-json.js";
import { ContentStore } from "../../artifacts/store.js";
import type { StudyPlan } from "../../dsl/plan.js";
import { planDigest } from "../../engine/plan-digest.js";
import { checkFrozen } from "../../engine/audit/frozen.js";
import { changedOutputs, readLock, recordLock, renderLock, type LockEntry } from "../../engine/audit/lock.js";
import { diffPlans } from "../../engine/audit/plan-diff.js";
import type { LoadedStudy } from "../../engine/load-study.js";
import { tempDir } from "./support.js";

const D = (c: string) => c.repeat(64);
const entry = (manifest: string, table = D("a")): LockEntry => ({ study: "s", planDigest: D("f"), manifest, nodes: { b: { table }, a: { total: D("c"), table: D("d") } } });

const dirs: string[] = [];
const dir = () => {
  const d = tempDir("lock");
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("study.lock", () => {
  it("renders sorted keys, one field per line, with a final newline", () => {
    const text = renderLock({ format: "strata-lock/1", studies: { "p/x.ts": entry(D("1")) } });
    expect(text).toBe(`{
  "format": "strata-lock/1",
  "studies": {
    "p/x.ts": {
      "manifest": "${D("1")}",
      "nodes": {
        "a": {
          "table": "${D("d")}",
          "total": "${D("c")}"
        },
        "b": {
          "table": "${D("a")}"
        }
      },
      "planDigest": "${D("f")}",
      "study": "s"
    }
  }
}
`);
  });

  it("is created, kept as is for the same results, updated when results change, and keeps other studies", () => {
    const root = dir();
    const pipeline = path.join(root, "pipelines", "x.ts");
    fs.mkdirSync(path.dirname(pipeline));
    const file = path.join(root, "pipelines", "study.lock");
    const present = new Set([D("1")]);
    expect(recordLock(pipeline, "pipelines/x.ts", entry(D("1")), (d) => present.has(d))).toEqual({ file, update: "created" });
    expect(recordLock(path.join(root, "pipelines", "y.ts"), "pipelines/y.ts", { ...entry(D("9")), study: "t" }, () => true).update).toBe("created");
    const first = fs.readFileSync(file, "utf8");
    // Same plan and outputs under a new manifest (a cached rerun): the file is not rewritten.
    expect(recordLock(pipeline, "pipelines/x.ts", entry(D("2")), (d) => present.has(d)).update).toBe("unchanged");
    expect(fs.readFileSync(file, "utf8")).toBe(first);
    // ...unless the locked manifest is not in this store: then the lock names one that is.
    present.clear();
    expect(recordLock(pipeline, "pipelines/x.ts", entry(D("2")), () => false).update).toBe("updated");
    expect(readLock(file)!.studies["pipelines/x.ts"]!.manifest).toBe(D("2"));
    // Different outputs: updated, and the other study is still there.
    expect(recordLock(pipeline, "pipelines/x.ts", entry(D("3"), D("e")), () => true).update).toBe("updated");
    const lock = readLock(file)!;
    expect(Object.keys(lock.studies).sort()).toEqual(["pipelines/x.ts", "pipelines/y.ts"]);
    expect(changedOutputs(entry(D("1")), lock.studies["pipelines/x.ts"]!)).toEqual(["b.table"]);
    // No marker or temp file is left behind.
    expect(fs.readdirSync(path.dirname(file))).toEqual(["study.lock"]);
  });

  it("rejects a file that is not a lock, naming it", () => {
    const file = path.join(dir(), "study.lock");
    fs.writeFileSync(file, '{"format": "something-else"}');
    expect(() => readLock(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not a strata-lock/1 lock file`));
  });
});

const plan = (scale: number, extra = false): StudyPlan => ({
  format: "strata-plan/1",
  study: "s",
  nodes: [
    { id: "a", step: "fixture.numbers", module: "m.ts", params: { count: 5, opts: { scale } }, inputs: {}, outputs: { table: "table" }, seed: 3 },
    { id: "sum", step: "fixture.sum", module: "m.ts", params: {}, inputs: { table: { node: "a", output: "table" } }, outputs: { total: "metrics" }, seed: 0 },
    ...(extra ? [{ id: "more", step: "fixture.sum", module: "m.ts", params: {}, inputs: { table: { node: "a", output: "table" } }, outputs: { total: "metrics" as const }, seed: 0 }] : []),
  ],
});

describe("--frozen", () => {
  it("names changed params by path, and added or removed nodes", () => {
    expect(diffPlans(plan(2), plan(2))).toEqual([]);
    expect(diffPlans(plan(2), plan(3, true))).toEqual([
      { node: "a", field: "params.opts.scale", before: "2", after: "3" },
      { node: "more", field: "node", before: "absent", after: "added more (fixture.sum)" },
    ]);
  });

  it("passes on the locked plan and fails on another, with the differences and how to accept them", () => {
    const root = dir();
    fs.mkdirSync(path.join(root, "pipelines"));
    const store = new ContentStore(path.join(root, "store"));
    const locked = plan(2);
    store.put(canonicalJsonBytes(locked));
    const study = (p: StudyPlan): LoadedStudy => ({ pipeline: "pipelines/x.ts", root, plan: p, planDigest: planDigest(p) });
    expect(checkFrozen(study(locked), store)?.reason).toBe("no-lock");
    recordLock(path.join(root, "pipelines", "x.ts"), "pipelines/x.ts", { study: "s", planDigest: planDigest(locked), manifest: D("1"), nodes: { a: { table: D("a") }, sum: { total: D("b") } } }, () => true);
    expect(checkFrozen(study(locked), store)).toBeUndefined();
    const m = checkFrozen(study(plan(4)), store)!;
    expect(m.reason).toBe("plan-changed");
    expect(m.message).toContain("node a: params.opts.scale: 2 → 4");
    expect(m.message).toContain("run `strata run pipelines/x.ts` without --frozen");
    // Without the locked plan in the store, only node ids can be compared, and it says so.
    const bare = checkFrozen(study(plan(4, true)), new ContentStore(path.join(root, "empty")))!;
    expect(bare.differences).toEqual([{ node: "more", field: "node", before: "absent", after: "added more" }]);
    expect(bare.message).toContain("is not in");
  });
});
