// The Temporal executor against a real dev server, started by `strata dev` (server + in-process worker): same
// keys and digests as the local executor, user errors fail at once with the local message, a second submit
// attaches, the dev server persists in the store, and the histories of these workflows replay.
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "@temporalio/worker";
import { Cause, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import { loadStudy } from "../../engine/load-study.js";
import { readManifest, type RunManifest } from "../../engine/manifest.js";
import { silentEvents } from "../../engine/node-runner.js";
import { makeEngineContext, runStudyLocally } from "../../engine/run-study.js";
import { workflowBundlePath } from "../../workers/bundle.js";
import { connectClient, type TemporalClient } from "../../workers/client.js";
import { freePort } from "../../workers/dev-server.js";
import { studyWorkflowId } from "../../workers/study-types.js";
import {
  eventsOf,
  nodeActivityEvents,
  fetchHistory,
  fixture,
  jsonSummary,
  killChildren,
  maybeRecordHistory,
  runStrata,
  strata,
  temporalBinary,
  tempDir,
  type History,
  type Strata,
} from "./support.js";

let dev: Strata;
let port: number;
let uiPort: number;
let address: string;
let store: string;
let tc: TemporalClient;
const histories = new Map<string, string>(); // fixture name -> workflow id

const startDev = async () => {
  const d = strata(["dev", "--store", store, "--port", String(port), "--ui-port", String(uiPort), "--concurrency", "2"]);
  await d.waitFor(/Temporal UI\s+http:\/\/localhost:\d+/, 120_000);
  return d;
};

/** A local run in this process (no lock file, no CLI), for comparison. */
const localRun = async (pipeline: string) => {
  const study = await loadStudy(pipeline);
  const ctx = makeEngineContext(study.root, tempDir("local"), 2);
  try {
    return await runStudyLocally(ctx, study, { concurrency: 2, events: { ...silentEvents, finished: () => {} } });
  } finally {
    await ctx.pool.close();
  }
};

const temporalRun = (pipeline: string, extra: readonly string[] = []) =>
  runStrata(["run", pipeline, "--engine", "temporal", "--no-lock", "--address", address, "--store", store, "--out", path.join(store, "reports"), "--json", ...extra]);

/** The plan node an ActivityTaskScheduled event (JSON form) runs, from its input payload. */
const activityNode = (event: Record<string, any>): string =>
  (JSON.parse(Buffer.from(event.activityTaskScheduledEventAttributes.input.payloads[0].data, "base64").toString()) as { node: { id: string } }).node.id;

const byNode = (m: RunManifest) => Object.fromEntries(m.nodes.map((n) => [n.id, { key: n.key, outputs: n.outputs }]));

beforeAll(async () => {
  temporalBinary(); // fails the whole file, with the setup instructions, when the binary is missing
  store = tempDir("exec");
  [port, uiPort] = [await freePort(), await freePort()];
  address = `127.0.0.1:${port}`;
  dev = await startDev();
  tc = await connectClient(address, "default");
}, 180_000);

afterAll(async () => {
  try {
    await tc?.close();
    dev?.kill("SIGINT");
    await Promise.race([dev?.exited, new Promise((r) => setTimeout(r, 15_000))]);
  } finally {
    killChildren();
  }
}, 30_000);

describe("the Temporal executor (strata dev + strata run --engine temporal)", () => {
  it("gives the same cache keys and output digests as the local executor, and a rerun is all cache hits", async () => {
    const [remote, local] = await Promise.all([temporalRun(fixture("tiny.ts")), localRun(fixture("tiny.ts"))]);
    expect(remote.code, remote.stderr).toBe(0);
    const summary = jsonSummary(remote.stdout);
    const study = await loadStudy(fixture("tiny.ts"));
    expect(summary).toMatchObject({ status: "succeeded", study: "tiny", executor: "temporal", attached: false, workflowId: studyWorkflowId("tiny", study.planDigest) });
    const { manifest } = readManifest(new ContentStore(store), summary.manifest);
    expect(manifest.executor).toBe("temporal");
    if (!Exit.isSuccess(local)) throw Cause.squash(local.cause);
    expect(byNode(manifest)).toEqual(byNode(local.value.manifest));
    expect(manifest.nodes.map((n) => n.id)).toEqual(study.plan.nodes.map((n) => n.id));
    histories.set("tiny", summary.workflowId);

    const again = await temporalRun(fixture("tiny.ts"));
    expect(again.code, again.stderr).toBe(0);
    const rerun = jsonSummary(again.stdout);
    expect(rerun.nodes.map((n: { cached: boolean }) => n.cached)).toEqual([true, true, true, true]);
    expect(rerun.nodes.map((n: { outputs: unknown }) => n.outputs)).toEqual(summary.nodes.map((n: { outputs: unknown }) => n.outputs));
    expect(rerun.attached).toBe(false); // the first run had finished: a new run, not an attach
  });

  it("fails a study on a user error in one attempt, with the message the local executor gives", async () => {
    const local = await localRun(fixture("fails.ts"));
    expect(Exit.isFailure(local)).toBe(true);
    const localMessage = Exit.isFailure(local) ? (Cause.squash(local.cause) as Error).message : "";
    expect(localMessage).toMatch(/node "check" \(fixture\.checked\) › field x \(row \d+\): value .* is above the allowed maximum 4/);

    const started = performance.now();
    const remote = await temporalRun(fixture("fails.ts"), ["--retry-initial", "3s"]);
    const seconds = (performance.now() - started) / 1000;
    expect(remote.code).toBe(1);
    expect(remote.stderr).toContain(`strata: error: ${localMessage}\n`);
    expect(remote.stdout).toBe("");

    const study = await loadStudy(fixture("fails.ts"));
    const workflowId = studyWorkflowId("fails", study.planDigest);
    const history = await fetchHistory(tc.client, workflowId);
    // One attempt only: no retry although retries were allowed (3 s apart, which would show in the timing too).
    const starts = eventsOf(history, "EVENT_TYPE_ACTIVITY_TASK_STARTED");
    expect(starts.every((e) => e.activityTaskStartedEventAttributes.attempt === 1)).toBe(true);
    const failed = eventsOf(history, "EVENT_TYPE_ACTIVITY_TASK_FAILED");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.activityTaskFailedEventAttributes.failure.applicationFailureInfo).toMatchObject({ type: "DataError", nonRetryable: true });
    const wfFailed = eventsOf(history, "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED");
    expect(wfFailed).toHaveLength(1);
    expect(wfFailed[0]!.workflowExecutionFailedEventAttributes.failure.message).toBe(localMessage);
    expect(wfFailed[0]!.workflowExecutionFailedEventAttributes.failure.applicationFailureInfo.type).toBe("DataError");
    expect(seconds).toBeLessThan(60);
    histories.set("fails", workflowId);
  });

  it("retries a step that fails with a bug, with backoff, then reports a defect with the worker's stack", async () => {
    const remote = await temporalRun(fixture("broken.ts"), ["--max-attempts", "3", "--retry-initial", "300ms", "--retry-backoff", "2"]);
    expect(remote.code, remote.stderr).toBe(70); // as a bug on the local executor
    expect(remote.stderr).toContain("strata: internal error (a bug; please report it with this trace):");
    expect(remote.stderr).toMatch(/node "boom" \(fixture\.broken\) failed: Cannot read properties of undefined \(reading 'length'\); no attempts left/);
    expect(remote.stderr).toMatch(/--- on the worker:\n[^]*test\/fixtures\/steps\/durable\.ts/);

    const study = await loadStudy(fixture("broken.ts"));
    const workflowId = studyWorkflowId("broken", study.planDigest);
    const history = await fetchHistory(tc.client, workflowId);
    const boomScheduled = eventsOf(history, "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED").find((e) => activityNode(e) === "boom")!;
    const boomStarted = eventsOf(history, "EVENT_TYPE_ACTIVITY_TASK_STARTED").find((e) => e.activityTaskStartedEventAttributes.scheduledEventId === boomScheduled.eventId)!;
    expect(boomStarted.activityTaskStartedEventAttributes.attempt).toBe(3);
    // Two waits before the third attempt: 300 ms, then 600 ms.
    const waited = (Date.parse(boomStarted.eventTime) - Date.parse(boomScheduled.eventTime)) / 1000;
    expect(waited).toBeGreaterThanOrEqual(0.9);
    expect(boomStarted.activityTaskStartedEventAttributes.lastFailure.message).toMatch(/Cannot read properties of undefined/);
    histories.set("broken", workflowId);
  });

  it("attaches a second submit of a running study to it instead of starting a duplicate", async () => {
    // Two submits at once of a study whose training node takes 8 s: one starts the workflow, the other attaches.
    const env = { STRATA_SLOW_TICKS: "80" };
    const args = ["run", fixture("slow.ts"), "--engine", "temporal", "--no-lock", "--address", address, "--store", store, "--json"];
    const [first, second] = [strata(args, env), strata(args, env)];
    expect(await first.exited, first.stderr()).toBe(0);
    expect(await second.exited, second.stderr()).toBe(0);
    const [a, b] = [jsonSummary(first.stdout()), jsonSummary(second.stdout())];
    expect([a.attached, b.attached].sort()).toEqual([false, true]);
    const [starter, attacher] = a.attached ? [second, first] : [first, second];
    expect(starter.stderr()).toMatch(/started study slow/);
    expect(attacher.stderr()).toMatch(/attached to the running study slow/);
    expect(b.workflowId).toBe(a.workflowId);
    expect(b.nodes).toEqual(a.nodes);
    expect(a.nodes.map((n: { cached: boolean }) => n.cached)).toEqual([false, false, false]);
    // Exactly one execution under that id, and each node ran once.
    const runs = [];
    for await (const w of tc.client.workflow.list({ query: `WorkflowId = '${a.workflowId}'` })) runs.push(w);
    expect(runs).toHaveLength(1);
    const history = await fetchHistory(tc.client, a.workflowId);
    expect(nodeActivityEvents(history, "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED")).toHaveLength(3);
    histories.set("slow", a.workflowId);
  });

  it("replays the histories of these workflows without a nondeterminism error", async () => {
    expect([...histories.keys()].sort()).toEqual(["broken", "fails", "slow", "tiny"]);
    const recorded: { workflowId: string; history: History }[] = [];
    for (const [name, workflowId] of histories) {
      const history = await fetchHistory(tc.client, workflowId);
      maybeRecordHistory(name, history);
      recorded.push({ workflowId, history });
    }
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: await workflowBundlePath() } }, recorded)) results.push(r);
    expect(results.map((r) => [r.workflowId, r.error?.message])).toEqual(recorded.map((r) => [r.workflowId, undefined]));
  });

  it("keeps the dev server's state in the store: after Ctrl-C and a restart the workflows are still there", async () => {
    dev.kill("SIGINT");
    expect(await dev.exited).toBe(0);
    expect(dev.stderr()).toMatch(/worker and server stopped/);
    expect(fs.statSync(path.join(store, "temporal", "dev.sqlite")).size).toBeGreaterThan(0);
    await tc.close();
    dev = await startDev();
    tc = await connectClient(address, "default");
    const description = await tc.client.workflow.getHandle(histories.get("tiny")!).describe();
    expect(description.status.name).toBe("COMPLETED");
  });
});
