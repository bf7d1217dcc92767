// Recurring retrains on Temporal Schedules, against a real dev server and worker (`strata dev`) in a copy of the
// project: a short-interval schedule fires and its run is recorded; pause stops it; trigger runs now; an
// unchanged feed trains nothing; on a schedule whose runs wait for a worker, a second trigger is skipped (skip)
// and an allow-all trigger races the first run once a worker comes, leaving one consistent registry history;
// a planted shift is blocked with the subgroup named; rollback; backfill; unpause; delete.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelRegistry } from "../../artifacts/registry.js";
import { ContentStore } from "../../artifacts/store.js";
import { listRuns, type RunRecord } from "../../engine/run-history.js";
import { connectClient } from "../../workers/client.js";
import { freePort } from "../../workers/dev-server.js";
import { triggerSchedule } from "../../workers/schedules.js";
import { appendSecondMonth, plantedShiftBatch } from "../support/retrain-feed.js";
import { makeTempProject } from "../support/temp-project.js";
import { killChildren, runStrata, strata, temporalBinary, type Strata } from "./support.js";

const CHANNEL = "heart-retrain/logreg:champion";
const ID = "retrain-ci";
const project = makeTempProject("strata-schedules-");
const store = path.join(project, ".strata-test");
let dev: Strata;
let address: string;

const cli = async (args: readonly string[]) => runStrata([...args, "--address", address], {}, project);
const json = async (args: readonly string[]) => {
  const r = await cli([...args, "--json"]);
  if (r.code !== 0) throw new Error(`strata ${args.join(" ")} exited ${r.code}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as any;
};
const scheduledRuns = (id = ID): RunRecord[] => listRuns(new ContentStore(store), "heart-retrain").map((r) => r.record).filter((r) => r.scheduleId === id);

/** Waits until the schedule has recorded at least `count` runs and none is still running. */
const waitForRuns = async (count: number, timeoutMs = 120_000, id = ID): Promise<RunRecord[]> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = scheduledRuns(id);
    if (runs.length >= count && (await json(["schedule", "describe", id])).runningWorkflows.length === 0) return scheduledRuns(id);
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${count} scheduled runs; have ${runs.length}\n--- dev stderr\n${dev.stderr().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  temporalBinary(); // fails (never skips) with the setup instructions when the CLI is missing
  const port = await freePort();
  address = `localhost:${port}`;
  dev = strata(["dev", "--store", store, "--port", String(port), "--ui-port", String(await freePort()), "--concurrency", "2"], {}, project);
  await dev.waitFor(/Temporal UI\s+http:\/\/localhost:\d+/, 120_000);
}, 180_000);

afterAll(() => {
  killChildren();
  fs.rmSync(project, { recursive: true, force: true });
});

describe("strata schedule", () => {
  let first: RunRecord;

  it("creates a schedule with a short interval that fires, and its run completes and is recorded", async () => {
    const created = await json(["schedule", "create", "pipelines/heart-retrain.ts", "--id", ID, "--every", "3s", "--note", "ci retrain"]);
    expect(created).toMatchObject({ status: "created", id: ID, every: "3s", overlap: "skip", timezone: "UTC" });
    const again = await cli(["schedule", "create", "pipelines/heart-retrain.ts", "--id", ID, "--every", "3s"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`a schedule "${ID}" already exists`);

    first = (await waitForRuns(1))[0]!;
    expect(first).toMatchObject({ executor: "temporal", scheduleId: ID, study: "heart-retrain" });
    expect(first.workflowId).toMatch(new RegExp(`^strata-heart-retrain-schedule-${ID}-`));
    expect(first.decisions[0]).toMatchObject({ channel: CHANNEL, status: "promoted", champion: null });
    const listed = await json(["schedule", "list"]);
    expect(listed.schedules.map((s: { id: string }) => s.id)).toContain(ID);
    const described = await json(["schedule", "describe", ID]);
    expect(described).toMatchObject({ id: ID, study: "heart-retrain", pipeline: "pipelines/heart-retrain.ts", when: "every 3s", overlap: "skip", paused: false, note: "ci retrain" });
    expect(described.actionsTaken).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it("stops firing when paused; a trigger runs now, and on an unchanged feed every node is cached", async () => {
    expect(await json(["schedule", "pause", ID])).toMatchObject({ status: "paused" });
    const settled = (await waitForRuns(1)).length;
    await sleep(8_000); // more than two intervals
    expect(scheduledRuns()).toHaveLength(settled);
    expect((await json(["schedule", "describe", ID])).paused).toBe(true);

    await json(["schedule", "trigger", ID]);
    const runs = await waitForRuns(settled + 1);
    const latest = runs[runs.length - 1]!;
    expect(latest.ran).toEqual([]);
    expect(latest.cached).toBe(latest.nodes);
    expect(latest.data).toBe(first.data);
    expect(latest.decisions[0]).toMatchObject({ status: "unchanged", candidate: first.decisions[0]!.candidate });
  }, 180_000);

  it("runs racing on one schedule: skip holds a run back, allow-all races and the registry stays consistent", async () => {
    // A schedule on a task queue no worker polls yet: its runs wait, so they are certain to overlap.
    const held = "retrain-held";
    await json(["schedule", "create", "pipelines/heart-retrain.ts", "--id", held, "--every", "1h", "--paused", "--task-queue", "strata-held"]);
    appendSecondMonth(project);
    const tc = await connectClient(address, "default");
    try {
      await triggerSchedule(tc, held, undefined); // the schedule's policy: skip
      // A scheduled run's workflow id ends with its start time in whole seconds: a second trigger within the same
      // second would collide with the first run's id rather than meet the overlap policy.
      await sleep(1_100);
      await triggerSchedule(tc, held, undefined);
      expect(await json(["schedule", "describe", held])).toMatchObject({ skippedForOverlap: 1, runningWorkflows: [expect.any(String)] });
      await sleep(1_100);
      await triggerSchedule(tc, held, "allow-all");
      // The schedule takes a trigger asynchronously (and does not track runs started under allow-all as running):
      // wait until it has started two runs.
      const deadline = Date.now() + 30_000;
      while ((await json(["schedule", "describe", held])).recentRuns.length < 2 && Date.now() < deadline) await sleep(500);
      expect(await json(["schedule", "describe", held])).toMatchObject({ actionsTaken: 2, skippedForOverlap: 1 });
    } finally {
      await tc.close();
    }
    const worker = strata(["worker", "--address", address, "--store", store, "--task-queue", "strata-held", "--concurrency", "2"], {}, project);
    await worker.waitFor(/polling task queue/, 90_000);
    const runs = await waitForRuns(2, 120_000, held);
    worker.kill();
    expect(runs).toHaveLength(2);
    for (const r of runs) expect(r.data).not.toBe(first.data);
    expect(runs.some((r) => r.ran.includes("train"))).toBe(true);
    expect(runs.map((r) => r.decisions[0]!.status).sort()).toEqual(["promoted", "unchanged"]);
    const history = new ModelRegistry(new ContentStore(store)).history(CHANNEL);
    expect(history.map((e) => e.entry.model)).toEqual([runs[0]!.decisions[0]!.candidate, first.decisions[0]!.candidate]);
    expect(history[0]!.entry.previous).toBe(history[1]!.digest);
    await json(["schedule", "delete", held]);
  }, 240_000);

  it("blocks a candidate that a planted shift makes worse for one subgroup, and the report names it", async () => {
    const before = scheduledRuns().length;
    plantedShiftBatch(project, "2026-03.csv", 45);
    await json(["schedule", "trigger", ID]);
    const runs = (await waitForRuns(before + 1)).slice(before);
    expect(runs).toHaveLength(1);
    const d = runs[0]!.decisions[0]!;
    expect(d).toMatchObject({ status: "kept", promote: false, blockedBy: ["old_female"] });
    const report = Buffer.from(new ContentStore(store).get(runs[0]!.reports["gate"]!)).toString("utf8");
    expect(report).toContain("**Decision: keep the champion.**");
    expect(report).toMatch(/\| old\\_female \| \d+ \| \d+\.\d% \| \d+\.\d% \| −\d+\.\d points \| [\d.]+ \| drop \|/);
    const text = await runStrata(["runs", "list", "--schedule", ID, "--store", store], {}, project);
    expect(text.stdout).toContain("gate: heart-retrain/logreg:champion kept (old_female)");
  }, 180_000);

  it("rolls back to the previous champion", async () => {
    const back = await runStrata(["models", "rollback", CHANNEL, "--store", store, "--json"], {}, project);
    expect(JSON.parse(back.stdout)).toMatchObject({ action: "rollback", model: first.decisions[0]!.candidate });
    expect(new ModelRegistry(new ContentStore(store)).head(CHANNEL)!.entry.model).toBe(first.decisions[0]!.candidate);
  }, 60_000);

  it("records a manual Temporal run of the same study beside the scheduled ones, with its lock", async () => {
    const run = await runStrata(["run", "pipelines/heart-retrain.ts", "--engine", "temporal", "--address", address, "--store", store, "--out", path.join(project, "reports"), "--json"], {}, project);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { manifest: string; planDigest: string; decisions: { channel: string }[] };
    expect(summary.decisions.map((d) => d.channel)).toEqual([CHANNEL]);
    const recorded = listRuns(new ContentStore(store), "heart-retrain").map((r) => r.record).find((r) => r.manifest === summary.manifest);
    expect(recorded).toMatchObject({ executor: "temporal", scheduleId: null });
    expect(fs.readFileSync(path.join(project, "pipelines", "study.lock"), "utf8")).toContain(summary.planDigest);
  }, 120_000);

  it("backfills a past window, unpauses, and deletes", async () => {
    const before = scheduledRuns().length;
    const now = Date.now();
    const backfill = await json(["schedule", "backfill", ID, "--from", new Date(now - 10_000).toISOString(), "--to", new Date(now - 4_000).toISOString(), "--overlap", "buffer-all"]);
    expect(backfill.status).toBe("backfill requested");
    const afterBackfill = (await waitForRuns(before + 1)).length;

    await json(["schedule", "unpause", ID]);
    await waitForRuns(afterBackfill + 1, 60_000);
    await json(["schedule", "pause", ID]);

    expect(await json(["schedule", "delete", ID])).toMatchObject({ status: "deleted" });
    const gone = await cli(["schedule", "describe", ID]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`no schedule "${ID}"`);
  }, 180_000);

  it("refuses bad flags before connecting", async () => {
    const both = await cli(["schedule", "create", "pipelines/heart-retrain.ts", "--id", "x", "--every", "1m", "--cron", "0 3 * * *"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give exactly one of --cron EXPR or --every DURATION");
    const overlap = await cli(["schedule", "trigger", ID, "--overlap", "sometimes"]);
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toContain("--overlap");
    const stray = await cli(["schedule", "pause", ID, "--every", "1m"]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("--every does not apply here");
  }, 60_000);
});
