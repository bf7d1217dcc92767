// A node whose step has units, on a real dev server with two `strata worker` processes: its units run as
// activities of their own on both workers with the local executor's digests, and a worker SIGKILLed in the middle
// of the node costs only the unit it was running.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, type TemporalClient } from "../../workers/client.js";
import type { DevServer } from "../../workers/dev-server.js";
import {
  eventsOf,
  fetchHistory,
  fixture,
  jsonSummary,
  killChildren,
  maybeRecordHistory,
  outputsOf,
  runStrata,
  startTestServer,
  startWorker,
  strata,
  tempDir,
  type Strata,
} from "./support.js";

let server: DevServer;
let tc: TemporalClient;

const identityOf = (worker: Strata): string => /strata worker (\S+): polling/.exec(worker.stderr())![1]!;
const unitsEnv = (unitMs: number, units = 8) => ({ STRATA_UNITS: String(units), STRATA_UNIT_MS: String(unitMs) });
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);
const unitLines = (worker: Strata, what: "▶" | "●"): number[] =>
  [...worker.stderr().matchAll(new RegExp(`${what} fit unit (\\d+) `, "g"))].map((m) => Number(m[1]));

/** The local executor's outputs for the same study, in a store of their own. */
const localOutputs = async (env: NodeJS.ProcessEnv) => {
  const local = await runStrata(["run", fixture("units.ts"), "--no-lock", "--store", tempDir("units-local"), "--concurrency", "2", "--json"], env);
  expect(local.code, local.stderr).toBe(0);
  return outputsOf(jsonSummary(local.stdout));
};

/** The unit batch activities of a history: for each, the worker that completed it and on which attempt. */
const unitActivities = (history: Awaited<ReturnType<typeof fetchHistory>>) => {
  const units = new Set(
    eventsOf(history, "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED")
      .filter((e) => e.activityTaskScheduledEventAttributes.activityType.name === "runUnitBatchActivity")
      .map((e) => String(e.eventId)),
  );
  return eventsOf(history, "EVENT_TYPE_ACTIVITY_TASK_STARTED")
    .map((e) => e.activityTaskStartedEventAttributes)
    .filter((a) => units.has(String(a.scheduledEventId)))
    .map((a) => ({ identity: a.identity as string, attempt: a.attempt as number }));
};

beforeAll(async () => {
  server = await startTestServer();
  tc = await connectClient(server.address, "default");
}, 120_000);

afterAll(async () => {
  await tc?.close();
  killChildren();
  await server?.stop();
}, 30_000);

describe("a step with units on Temporal", () => {
  it("runs its units on both workers of a task queue, with the local executor's digests", async () => {
    const store = tempDir("units-two");
    const env = unitsEnv(400);
    const [a, b] = await Promise.all([startWorker(server.address, store, ["--concurrency", "1"]), startWorker(server.address, store, ["--concurrency", "1"])]);
    const run = await runStrata(["run", fixture("units.ts"), "--engine", "temporal", "--no-lock", "--address", server.address, "--store", store, "--json"], env);
    expect(run.code, run.stderr).toBe(0);
    const summary = jsonSummary(run.stdout);
    expect(outputsOf(summary)).toEqual(await localOutputs(env));

    const history = await fetchHistory(tc.client, summary.workflowId);
    const units = unitActivities(history);
    expect(units).toHaveLength(8);
    expect(new Set(units.map((u) => u.identity))).toEqual(new Set([identityOf(a), identityOf(b)]));
    expect([...unitLines(a, "●"), ...unitLines(b, "●")].sort()).toEqual(upTo(8));
    maybeRecordHistory("units", history);
    a.kill("SIGKILL");
    b.kill("SIGKILL");
  }, 240_000);

  it("finishes a node on the surviving worker when the other is SIGKILLed mid-batch, redoing only its unit in flight", async () => {
    const store = tempDir("units-kill");
    // 16 units in 8 batches of 2: the doomed worker is killed in a batch, and its retry skips what it finished.
    const env = unitsEnv(1000, 16);
    const doomed = await startWorker(server.address, store, ["--concurrency", "1"]);
    const survivor = await startWorker(server.address, store, ["--concurrency", "1"]);
    const run = strata(["run", fixture("units.ts"), "--engine", "temporal", "--no-lock", "--address", server.address, "--store", store, "--json", "--heartbeat-timeout", "3s", "--retry-initial", "200ms"], env);
    // The doomed worker has finished one unit and is running its next.
    await doomed.waitFor(/● fit unit \d+ [\s\S]*▶ fit unit \d+ running/, 120_000);
    doomed.kill("SIGKILL");
    expect(await doomed.exited).toBe("SIGKILL");
    const finishedOnDoomed = unitLines(doomed, "●");
    const inFlight = unitLines(doomed, "▶").filter((i) => !finishedOnDoomed.includes(i));
    expect(inFlight).toHaveLength(1);

    expect(await run.exited, run.stderr()).toBe(0);
    const summary = jsonSummary(run.stdout());
    expect(outputsOf(summary)).toEqual(await localOutputs(env));
    // The survivor ran every unit the doomed worker did not finish, and none it did.
    const onSurvivor = unitLines(survivor, "▶");
    expect(onSurvivor.filter((i) => finishedOnDoomed.includes(i))).toEqual([]);
    expect([...finishedOnDoomed, ...onSurvivor].sort((x, y) => x - y)).toEqual(upTo(16));
    // Exactly one batch activity needed a second attempt: the one in flight.
    const units = unitActivities(await fetchHistory(tc.client, summary.workflowId));
    expect(units).toHaveLength(8);
    expect(units.filter((u) => u.attempt > 1)).toEqual([{ identity: identityOf(survivor), attempt: 2 }]);

    const verify = await runStrata(["verify", "--store", store]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 300_000);
});
