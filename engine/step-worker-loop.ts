import { parentPort } from "node:worker_threads";
import { executeStep, releasePrepared, warmStepModule, type StepTask, type StepTaskResult } from "./step-host.js";
import { toWireError } from "./wire-errors.js";

export type WorkerRequest =
  | { readonly taskId: number; readonly task: StepTask }
  | { readonly release: string }
  | { readonly warm: { readonly root: string; readonly module: string } };
export type WorkerMessage =
  | { readonly taskId: number; readonly type: "log"; readonly message: string }
  | { readonly taskId: number; readonly type: "progress"; readonly done: number; readonly total: number }
  | { readonly taskId: number; readonly type: "done"; readonly result: StepTaskResult }
  | { readonly taskId: number; readonly type: "failed"; readonly error: ReturnType<typeof toWireError> }
  | { readonly type: "warmed"; readonly module: string };

/** Runs step tasks one at a time as the pool sends them; between tasks, imports the step modules it is asked to warm. */
export const serveStepTasks = (): void => {
  const port = parentPort;
  if (!port) throw new Error("step-worker-loop must run in a worker thread");
  const send = (m: WorkerMessage) => port.postMessage(m);
  port.on("message", async (request: WorkerRequest) => {
    if ("release" in request) return releasePrepared(request.release);
    if ("warm" in request) {
      // A module that fails to import fails its node's task with the error, where the user sees it; not here.
      await warmStepModule(request.warm.root, request.warm.module).catch(() => {});
      return send({ type: "warmed", module: request.warm.module });
    }
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
