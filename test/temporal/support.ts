// Helpers for the Temporal suite: a real dev server from the temporal binary, strata CLI child processes, and
// workflow histories. Nothing is downloaded; a missing binary fails the suite with the setup instructions.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Client } from "@temporalio/client";
import { historyToJSON, type History } from "@temporalio/common/lib/proto-utils.js";
import { freePort, startDevServer, type DevServer } from "../../workers/dev-server.js";
import { resolveTemporalBinary } from "../../workers/temporal-binary.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const HISTORIES = path.join(ROOT, "test", "fixtures", "histories");
export const fixture = (name: string) => path.join(ROOT, "test", "fixtures", "pipelines", name);

/** The temporal CLI, or an error that fails the suite (never a skip) and says how to get it. */
export const temporalBinary = (): string => {
  try {
    return resolveTemporalBinary();
  } catch (e) {
    throw new Error(`The Temporal suite needs the temporal CLI and will not skip without it.\n${e instanceof Error ? e.message : String(e)}`);
  }
};

/** A headless, in-memory dev server on free ports, just for one test file. */
export const startTestServer = async (): Promise<DevServer> =>
  startDevServer({ binary: temporalBinary(), port: await freePort(), logLevel: "error", readyTimeoutMs: 60_000 });

const temps: string[] = [];
export const tempDir = (prefix: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `strata-${prefix}-`));
  temps.push(dir);
  return dir;
};

export interface Strata {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process ends. */
  readonly exited: Promise<number | string>;
  /**
   * Waits until stderr (or stdout) matches, failing with both streams if the process ends or time runs out.
   * `since` skips that many characters of stderr (take it from stderr().length to wait for new lines only).
   */
  waitFor(pattern: RegExp, timeoutMs?: number, since?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): void;
}

const children = new Set<ChildProcess>();

/**
 * Spawns `node bin/strata.mjs ...args` in the project root (or in another copy of the project, `project`); `cli`
 * names another strata command, e.g. an installed package's, run in `project`.
 */
export const strata = (args: readonly string[], env: NodeJS.ProcessEnv = {}, project = ROOT, cli = path.join(project, "bin", "strata.mjs")): Strata => {
  const child = spawn(process.execPath, [cli, ...args], { cwd: project, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout!.on("data", (c: Buffer) => ((out += c.toString()), listeners.forEach((l) => l())));
  child.stderr!.on("data", (c: Buffer) => ((err += c.toString()), listeners.forEach((l) => l())));
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? -1);
      listeners.forEach((l) => l());
    }),
  );
  const describe = () => `strata ${args.join(" ")}\n--- stdout\n${out}\n--- stderr\n${err}`;
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern, timeoutMs = 60_000, since = 0) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = err.slice(since).match(pattern) ?? (since === 0 ? out.match(pattern) : null);
          if (m) return done(() => resolve(m));
          if (child.exitCode !== null || child.signalCode !== null) return done(() => reject(new Error(`process ended before ${pattern}:\n${describe()}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}:\n${describe()}`))), timeoutMs);
        const done = (f: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      }),
    kill: (signal = "SIGTERM") => void child.kill(signal),
  };
};

/** Runs a strata command to the end. */
export const runStrata = async (args: readonly string[], env: NodeJS.ProcessEnv = {}, project = ROOT, cli?: string) => {
  const p = strata(args, env, project, cli);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
};

/** Starts `strata worker` and waits until it polls. */
export const startWorker = async (address: string, store: string, extra: readonly string[] = []): Promise<Strata> => {
  const w = strata(["worker", "--address", address, "--store", store, ...extra]);
  await w.waitFor(/polling task queue/, 90_000);
  return w;
};

/** Kills every child a test left running and removes the temporary folders (stores) this file made. */
export const killChildren = (): void => {
  for (const c of children) c.kill("SIGKILL");
  children.clear();
  for (const dir of temps.splice(0)) {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (e) {
      console.warn(`could not remove ${dir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
};

export type { History };

export const fetchHistory = (client: Client, workflowId: string): Promise<History> => client.workflow.getHandle(workflowId).fetchHistory();

/** Events of one type, e.g. "EVENT_TYPE_ACTIVITY_TASK_STARTED", as plain objects (via the JSON form). */
export const eventsOf = (history: History, type: string): Record<string, any>[] =>
  (JSON.parse(historyToJSON(history)) as { events: Record<string, any>[] }).events.filter((e) => e.eventType === type);

/**
 * Activity events of one type ("EVENT_TYPE_ACTIVITY_TASK_STARTED", ...) of node activities only, leaving out the
 * activity that finishes every study (manifest, promotions, run history).
 */
export const nodeActivityEvents = (history: History, type: string): Record<string, any>[] => {
  const nodeScheduled = new Set(
    eventsOf(history, "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED")
      .filter((e) => e.activityTaskScheduledEventAttributes.activityType.name === "runNodeActivity")
      .map((e) => String(e.eventId)),
  );
  return eventsOf(history, type).filter((e) => {
    if (type === "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED") return nodeScheduled.has(String(e.eventId));
    const attributes = Object.entries(e).find(([k]) => k.endsWith("EventAttributes"))?.[1] as { scheduledEventId?: unknown } | undefined;
    return nodeScheduled.has(String(attributes?.scheduledEventId));
  });
};

/**
 * Keeps a history as a replay fixture when STRATA_RECORD_HISTORIES=1 (commit the file to make a future change of
 * workflow code that breaks running workflows fail test/temporal/replay.test.ts).
 */
export const maybeRecordHistory = (name: string, history: History): void => {
  if (process.env.STRATA_RECORD_HISTORIES !== "1") return;
  fs.mkdirSync(HISTORIES, { recursive: true });
  fs.writeFileSync(path.join(HISTORIES, `${name}.json`), JSON.stringify(JSON.parse(historyToJSON(history)), null, 1) + "\n");
};

/** Per node: output digests by name, from a --json run summary. */
export const outputsOf = (summary: { nodes: { id: string; outputs: Record<string, string> }[] }) =>
  Object.fromEntries(summary.nodes.map((n) => [n.id, n.outputs]));

/** The last line of stdout that parses as JSON (the --json summary). */
export const jsonSummary = (stdout: string): any => {
  const line = stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (line === undefined) throw new Error(`no JSON summary on stdout:\n${stdout}`);
  return JSON.parse(line);
};
