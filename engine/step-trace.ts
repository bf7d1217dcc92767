import * as fs from "node:fs";
import type { StepTask } from "./step-host.js";

/**
 * One line of a step trace: a task the pool ran, when it was queued, started and ended (milliseconds since the
 * epoch, wall clock), on which thread of which process. For profiling only; nothing a study outputs depends on it.
 */
export interface TraceLine {
  readonly pid: number;
  readonly thread: number;
  readonly node: string;
  readonly step: string;
  readonly phase: string;
  readonly unit?: number;
  readonly queued: number;
  readonly started: number;
  readonly ended: number;
  readonly ok: boolean;
}

/** The trace file STRATA_TRACE names (JSON lines, appended), or undefined when tracing is off. */
export const traceFile = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const file = env["STRATA_TRACE"];
  return file === undefined || file === "" ? undefined : file;
};

export const traceLine = (task: StepTask, thread: number, queued: number, started: number, ok: boolean): TraceLine => ({
  pid: process.pid,
  thread,
  node: task.nodeId,
  step: task.step,
  phase: task.phase.kind,
  ...(task.phase.kind === "unit" ? { unit: task.phase.index } : {}),
  queued,
  started,
  ended: Date.now(),
  ok,
});

/** Appends a line to the trace; a trace that cannot be written must not fail the run, so it is dropped silently. */
export const appendTrace = (file: string, line: TraceLine): void => {
  try {
    fs.appendFileSync(file, JSON.stringify(line) + "\n");
  } catch {
    // tracing is best effort
  }
};
