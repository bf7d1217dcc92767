import { parentPort } from "node:worker_threads";
import { executeStep, releasePrepared, type StepTask, type StepTaskResult } from "./step-host.js";
import { toWireError } from "./wire-errors.js";

export type WorkerRequest = { readonly taskId: number; readonly task: StepTask } | { readonly release: string };
export type WorkerMessage =
  | { readonly taskId: number; readonly type: "log"; readonly message: string }
  | { readonly taskId: number; readonly type: "progress"; readonly done: number; readonly total: number }
  | { readonly taskId: number; readonly type: "done"; readonly result: StepTaskResult }
  | { readonly taskId: number; readonly type: "failed"; readonly error: ReturnType<typeof toWireError> };

/** Runs step tasks one at a time as the pool sends them. */
export const serveStepTasks = (): void => {
  const port = parentPort;
  if (!port) throw new Error("step-worker-loop must run in a worker thread");
  const send = (m: WorkerMessage) => port.postMessage(m);
  port.on("message", async (request: WorkerRequest) => {
    if ("release" in request) return releasePrepared(request.release);
    const { taskId, task } = request;
    try {
      const result = await executeStep(task, {
        log: (message) => send({ taskId, type: "log", message }),
        progress: (done, total) => send({ taskId, type: "progress", done, total }),
      });
      send({ taskId, type: "done", result });
    } catch (e) {
      send({ taskId, type: "failed", error: toWireError(e) });
    }
  });
};
