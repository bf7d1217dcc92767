// Steps with units on the real CLI and store: the same bytes on one thread, two threads and the step's own
// single-thread run; a run SIGKILLed in the middle of a node resumes from the units it stored.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalJsonBytes } from "../../artifacts/canonical-json.js";
import { sha256Hex } from "../../artifacts/digest.js";
import { ContentStore } from "../../artifacts/store.js";
import { decodeParquet, encodeParquet } from "../../artifacts/table.js";
import { UNIT_FORMAT, unitKey } from "../../engine/cache-index.js";
import { readManifest } from "../../engine/manifest.js";
import type { TraceLine } from "../../engine/step-trace.js";
import { unitBatches } from "../../workers/study-types.js";
import { replicatedStep } from "../fixtures/steps/units.js";
import { jsonOf, repoRoot, strata } from "../support/cli.js";
import { runStep } from "../support/step-harness.js";
import { flipByte, makeTempDir } from "../support/temp-project.js";

interface RunJson {
  manifest: string;
  nodes: { id: string; cached: boolean; outputs: Record<string, string>; units?: { total: number; ran: number } }[];
}

const PIPELINE = "test/fixtures/pipelines/units.ts";
const unitsEnv = (unitMs: number, extra: NodeJS.ProcessEnv = {}) => ({ STRATA_UNITS: "8", STRATA_UNIT_MS: String(unitMs), ...extra });
const run = async (store: string, concurrency: number, env: NodeJS.ProcessEnv) =>
  jsonOf<RunJson>(await strata(["run", PIPELINE, "--store", store, "--concurrency", String(concurrency), "--no-lock", "--json"], { env }));
const node = (r: RunJson, id: string) => r.nodes.find((n) => n.id === id)!;

/** The unit entries in a store's index. */
const unitEntries = (store: string): { index: number; result: string }[] => {
  const root = path.join(store, "index");
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).flatMap((dir) =>
    fs.readdirSync(path.join(root, dir)).flatMap((f) => {
      try {
        const entry = JSON.parse(fs.readFileSync(path.join(root, dir, f), "utf8")) as { format: string; index: number; result: string };
        return entry.format === UNIT_FORMAT ? [entry] : [];
      } catch {
        return []; // an entry being written right now
      }
    }),
  );
};

describe("a step with units", () => {
  it("traces every task of the pool with STRATA_TRACE: the node's plan, its 8 units on both threads, its combine", async () => {
    const store = makeTempDir();
    const trace = path.join(store, "trace.jsonl");
    await run(store, 2, unitsEnv(100, { STRATA_TRACE: trace }));
    const lines = fs.readFileSync(trace, "utf8").trim().split("\n").map((l) => JSON.parse(l) as TraceLine);
    const fit = lines.filter((l) => l.node === "fit");
    expect(fit.map((l) => l.phase).sort()).toEqual(["combine", "plan", ...Array<string>(8).fill("unit")]);
    expect(fit.flatMap((l) => (l.unit === undefined ? [] : [l.unit])).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(fit.filter((l) => l.phase === "unit").map((l) => l.thread)).size).toBe(2);
    for (const l of lines) expect(l.queued <= l.started && l.started <= l.ended && l.ok).toBe(true);
  }, 60_000);

  it("deals the units to run into at most 8 Temporal batches, the long first units one per batch", () => {
    expect(unitBatches([0, 1, 2])).toEqual([[0], [1], [2]]);
    const batches = unitBatches(Array.from({ length: 18 }, (_, i) => i));
    expect(batches).toHaveLength(8);
    expect(batches[0]).toEqual([0, 8, 16]);
    expect(batches[7]).toEqual([7, 15]);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 18 }, (_, i) => i));
    expect(unitBatches([3, 5, 9])).toEqual([[3], [5], [9]]);
  });

  it("gives the same outputs on one thread, on two, and through the step's own single-thread run", async () => {
    const [one, two] = [makeTempDir(), makeTempDir()];
    const onOne = await run(one, 1, unitsEnv(50));
    const onTwo = await run(two, 2, unitsEnv(50));
    expect(onTwo.nodes.map((n) => n.outputs)).toEqual(onOne.nodes.map((n) => n.outputs));
    expect(node(onOne, "fit").units).toEqual({ total: 8, ran: 8 });
    expect(unitEntries(two).map((e) => e.index).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    const store = new ContentStore(one);
    const fit = readManifest(store, onOne.manifest).manifest.nodes.find((n) => n.id === "fit")!;
    const table = decodeParquet(store.get(node(onOne, "data").outputs.table!));
    const direct = await runStep(replicatedStep, { table }, fit.components.params, fit.components.seed);
    expect(sha256Hex(canonicalJsonBytes(direct.fits))).toBe(node(onOne, "fit").outputs.fits);
    expect(sha256Hex(encodeParquet(direct.table as never))).toBe(node(onOne, "fit").outputs.table);

    const verified = jsonOf<{ ok: boolean }>(await strata(["verify", "--store", two, "--json"]));
    expect(verified.ok).toBe(true);
  }, 120_000);

  it("resumes a node from the units stored before a SIGKILL, running only the rest", async () => {
    const clean = await run(makeTempDir(), 2, unitsEnv(600));
    const store = makeTempDir();
    const child = spawn(process.execPath, [path.join(repoRoot, "bin/strata.mjs"), "run", PIPELINE, "--store", store, "--concurrency", "1", "--no-lock"], {
      cwd: repoRoot,
      env: { ...process.env, ...unitsEnv(600) },
      stdio: "ignore",
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
    const deadline = Date.now() + 60_000;
    while (unitEntries(store).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const stored = unitEntries(store).length;
    expect(stored).toBeGreaterThanOrEqual(3);
    expect(stored).toBeLessThan(8);

    const resumed = await run(store, 1, unitsEnv(600));
    expect(node(resumed, "fit").units).toEqual({ total: 8, ran: 8 - stored });
    expect(resumed.nodes.map((n) => n.outputs)).toEqual(clean.nodes.map((n) => n.outputs));
  }, 180_000);

  it("reruns a unit whose entry was damaged, and only that unit, once the node's own entry is gone", async () => {
    const storeRoot = makeTempDir();
    const first = await run(storeRoot, 2, unitsEnv(10));
    const store = new ContentStore(storeRoot);
    const key = readManifest(store, first.manifest).manifest.nodes.find((n) => n.id === "fit")!.key;
    store.removeIndex(key);
    flipByte(store.indexPath(unitKey(key, 3)));
    const r = await strata(["run", PIPELINE, "--store", storeRoot, "--concurrency", "2", "--no-lock", "--json"], { env: unitsEnv(10) });
    expect(r.stderr).toMatch(/unit entry .* cannot be trusted: .*Rerunning unit 3 of node "fit"/);
    const rerun = jsonOf<RunJson>(r);
    expect(node(rerun, "fit").units).toEqual({ total: 8, ran: 1 });
    expect(rerun.nodes.map((n) => n.outputs)).toEqual(first.nodes.map((n) => n.outputs));
  }, 120_000);

  it("fails the node with a failing unit's error, and records no outputs for it", async () => {
    const store = makeTempDir();
    const r = await strata(["run", PIPELINE, "--store", store, "--concurrency", "2", "--no-lock"], { env: unitsEnv(10, { STRATA_UNIT_FAIL_AT: "5" }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unit 5 was told to fail");
    expect(r.stderr).toContain('"fit"');
    const rerun = await run(store, 2, unitsEnv(10));
    expect(node(rerun, "fit").cached).toBe(false);
  }, 120_000);
});
