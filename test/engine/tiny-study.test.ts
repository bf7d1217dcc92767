import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import { jsonOf, strata } from "../support/cli.js";
import { flipByte, makeTempDir, makeTempProject } from "../support/temp-project.js";

interface RunJson {
  status: string;
  manifest: string;
  nodes: { id: string; step: string; cached: boolean; outputs: Record<string, string> }[];
}

// --no-lock: runs inside the repository must not write study.lock files into it.
const run = async (args: string[], cwd?: string) => jsonOf<RunJson>(await strata(["run", ...args, "--no-lock", "--json"], cwd ? { cwd } : {}));
const cachedById = (r: RunJson) => Object.fromEntries(r.nodes.map((n) => [n.id, n.cached]));

describe("the local engine on a tiny study", () => {
  it("reruns everything from the cache and records both runs", async () => {
    const store = makeTempDir();
    const first = await run(["test/fixtures/pipelines/tiny.ts", "--store", store]);
    expect(first.status).toBe("succeeded");
    expect(first.nodes.map((n) => n.cached)).toEqual([false, false, false, false]);
    const second = await run(["test/fixtures/pipelines/tiny.ts", "--store", store]);
    expect(second.nodes.every((n) => n.cached)).toBe(true);
    expect(second.nodes.map((n) => n.outputs)).toEqual(first.nodes.map((n) => n.outputs));
    const shown = jsonOf<{ record: { nodes: unknown[] } }>(await strata(["show", second.manifest, "--store", store, "--json"]));
    expect(shown.record.nodes).toHaveLength(4);
  });

  it("gives identical digests in separate processes with separate stores", async () => {
    const [a, b] = await Promise.all([
      run(["test/fixtures/pipelines/tiny.ts", "--store", makeTempDir()]),
      run(["test/fixtures/pipelines/tiny.ts", "--store", makeTempDir()]),
    ]);
    expect(a.nodes.map((n) => n.outputs)).toEqual(b.nodes.map((n) => n.outputs));
  });

  it("recomputes only what a changed param or a changed imported file feeds", async () => {
    const project = makeTempProject();
    const store = path.join(project, ".strata");
    const pipeline = "test/fixtures/pipelines/tiny.ts";
    await run([pipeline], project);

    const file = path.join(project, pipeline);
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("count: 3, scale: 1", "count: 4, scale: 1"));
    const afterParam = await run([pipeline, "--store", store], project);
    expect(cachedById(afterParam)).toEqual({ a: true, b: false, "sum-a": true, "sum-b": false });

    const explained = jsonOf<{ nodes: { node: string; status: string; changes: { component: string; detail: string }[] }[] }>(
      await strata(["explain", pipeline, "--json"], { cwd: project }),
    );
    expect(explained.nodes.every((n) => n.status === "unchanged")).toBe(true);

    // Edit the module both sum nodes import: only they rerun; explain names the file first.
    const stepFile = path.join(project, "test/fixtures/steps/tiny.ts");
    fs.writeFileSync(stepFile, fs.readFileSync(stepFile, "utf8") + "\n// an edit\n");
    const why = jsonOf<{ nodes: { node: string; status: string; changes: { component: string; detail: string }[] }[] }>(
      await strata(["explain", pipeline, "sum-a", "--json"], { cwd: project }),
    );
    expect(why.nodes[0]!.status).toBe("changed");
    expect(why.nodes[0]!.changes.map((c) => c.component + " " + c.detail.split(":")[0])).toContain("code file test/fixtures/steps/tiny.ts");
    const afterEdit = await run([pipeline], project);
    expect(Object.values(cachedById(afterEdit))).toEqual([false, false, false, false]);
  });

  it("finds a corrupted object with verify and never serves it", async () => {
    const storeDir = makeTempDir();
    const first = await run(["test/fixtures/pipelines/tiny.ts", "--store", storeDir]);
    const store = new ContentStore(storeDir);
    const victim = first.nodes.find((n) => n.id === "a")!.outputs["table"]!;
    flipByte(store.objectPath(victim));

    const verify = await strata(["verify", "--store", storeDir]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`BAD ${victim}`);

    const rerun = await strata(["run", "test/fixtures/pipelines/tiny.ts", "--store", storeDir, "--no-lock", "--json"]);
    expect(rerun.stderr).toContain(`store object ${victim} is corrupt`);
    const again = jsonOf<RunJson>(rerun);
    expect(cachedById(again)["a"]).toBe(false);
    expect(again.nodes.find((n) => n.id === "a")!.outputs["table"]).toBe(victim);
    expect((await strata(["verify", "--store", storeDir])).code).toBe(0);
  });
});
