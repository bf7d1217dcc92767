// Durability against a real dev server with `strata worker` child processes: a worker SIGKILLed mid-step costs
// one retried step, cancelling a study stops its running step within the heartbeat timeout, and two workers on
// one task queue share a study.
import { Cause, Exit } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import { loadStudy } from "../../engine/load-study.js";
import { readManifest, type RunManifest } from "../../engine/manifest.js";
import { silentEvents } from "../../engine/node-runner.js";
import { makeEngineContext, runStudyLocally } from "../../engine/run-study.js";
import { connectClient, type TemporalClient } from "../../workers/client.js";
import type { DevServer } from "../../workers/dev-server.js";
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
  startTestServer,
  startWorker,
  strata,
  tempDir,
  type Strata,
} from "./support.js";

let server: DevServer;
let tc: TemporalClient;
const store = tempDir("durable");
/** The worker that survives the crash test; the later tests reuse it. */
let survivor: Strata;

const identityOf = (worker: Strata): string => /strata worker (\S+): polling/.exec(worker.stderr())![1]!;
const byNode = (m: RunManifest) => Object.fromEntries(m.nodes.map((n) => [n.id, { key: n.key, outputs: n.outputs }]));

beforeAll(async () => {
  server = await startTestServer(); // fails the file, with the setup instructions, when the binary is missing
  tc = await connectClient(server.address, "default");
}, 120_000);

afterAll(async () => {
  await tc?.close();
  killChildren();
  await server?.stop();
}, 30_000);

describe("durable execution on Temporal", () => {
  it("survives a worker SIGKILLed during a training step: the step is retried elsewhere, outputs are unchanged and the store verifies", async () => {
    const study = await loadStudy(fixture("slow.ts"));
    const localCtx = makeEngineContext(study.root, tempDir("undisturbed"), 2);
    const undisturbed = runStudyLocally(localCtx, study, { concurrency: 2, events: { ...silentEvents, finished: () => {} } }).finally(() => localCtx.pool.close());

    const doomed = await startWorker(server.address, store, ["--concurrency", "1"]);
    const run = strata(["run", fixture("slow.ts"), "--engine", "temporal", "--no-lock", "--address", server.address, "--store", store, "--json", "--heartbeat-timeout", "5s", "--retry-initial", "200ms"]);
    await doomed.waitFor(/▶ train \(fixture\.slow\) running, attempt 1/, 90_000);
    await new Promise((r) => setTimeout(r, 1500)); // well inside the 4 s step
    const killedAt = performance.now();
    doomed.kill("SIGKILL");
    expect(await doomed.exited).toBe("SIGKILL");
    expect(doomed.stderr()).not.toMatch(/● train/);

    survivor = await startWorker(server.address, store, ["--concurrency", "1"]);
    const survivorUp = (performance.now() - killedAt) / 1000;
    expect(await run.exited, run.stderr()).toBe(0);
    console.log(`crash recovery: new worker polling ${survivorUp.toFixed(1)} s after the SIGKILL; study done ${((performance.now() - killedAt) / 1000).toFixed(1)} s after it`);
    expect(survivor.stderr()).toMatch(/● train \d+\.\d+s, attempt 2/);

    const { manifest } = readManifest(new ContentStore(store), jsonSummary(run.stdout()).manifest);
    const local = await undisturbed;
    if (!Exit.isSuccess(local)) throw Cause.squash(local.cause);
    expect(byNode(manifest)).toEqual(byNode(local.value.manifest));

    // The history shows the lost attempt: the training activity completed on its second attempt, on the survivor.
    const history = await fetchHistory(tc.client, studyWorkflowId("slow", study.planDigest));
    const starts = nodeActivityEvents(history, "EVENT_TYPE_ACTIVITY_TASK_STARTED").map((e) => e.activityTaskStartedEventAttributes);
    expect(starts.map((s) => s.attempt).sort()).toEqual([1, 1, 2]);
    expect(starts.find((s) => s.attempt === 2)!.identity).toBe(identityOf(survivor));
    maybeRecordHistory("crash-recovery", history);

    const verify = await runStrata(["verify", "--store", store]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/ 0 bad/);
  });

  it("stops a running step within the heartbeat timeout when the study is cancelled", async () => {
    const env = { STRATA_SLOW_TICKS: "600" }; // a 60 s training step
    const since = survivor.stderr().length;
    const run = strata(["run", fixture("slow.ts"), "--engine", "temporal", "--no-lock", "--address", server.address, "--store", store, "--heartbeat-timeout", "3s"], env);
    const started = await run.waitFor(/as Temporal workflow (\S+) on/, 60_000);
    await survivor.waitFor(/▶ train \(fixture\.slow\) running, attempt 1/, 60_000, since);
    // Longer than the heartbeat timeout: the step blocks its own thread, the worker's main thread keeps beating.
    await new Promise((r) => setTimeout(r, 4000));
    const t0 = performance.now();
    await tc.client.workflow.getHandle(started[1]!).cancel();
    await survivor.waitFor(/■ train attempt 1 cancelled .*; its step was stopped/, 10_000, since);
    const stoppedAfter = (performance.now() - t0) / 1000;
    expect(stoppedAfter).toBeLessThan(3);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/strata: error: study workflow strata-slow-\w+ was cancelled/);

    const history = await fetchHistory(tc.client, started[1]!);
    expect(eventsOf(history, "EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED")).toHaveLength(1);
    expect(eventsOf(history, "EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT")).toHaveLength(0);
    maybeRecordHistory("cancelled", history);
    console.log(`cancellation reached the step after ${stoppedAfter.toFixed(2)} s (heartbeat timeout 3 s)`);
  });

  it("shares one study between two workers on one task queue", async () => {
    const second = await startWorker(server.address, store, ["--concurrency", "1"]);
    const run = await runStrata(["run", fixture("wide.ts"), "--engine", "temporal", "--no-lock", "--address", server.address, "--store", store, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const summary = jsonSummary(run.stdout);
    const history = await fetchHistory(tc.client, summary.workflowId);
    const identities = nodeActivityEvents(history, "EVENT_TYPE_ACTIVITY_TASK_STARTED").map((e) => e.activityTaskStartedEventAttributes.identity as string);
    expect(identities).toHaveLength(5);
    expect(new Set(identities)).toEqual(new Set([identityOf(survivor), identityOf(second)]));
    maybeRecordHistory("two-workers", history);
  });
});
