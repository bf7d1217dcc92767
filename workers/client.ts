import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from "@temporalio/client";
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure, WorkflowExecutionAlreadyStartedError } from "@temporalio/common";
import { UsageError } from "../dsl/errors.js";
import { fromWireError, type WireError } from "../engine/wire-errors.js";
import {
  activitySettings,
  PROGRESS_QUERY,
  STUDY_WORKFLOW,
  studyWorkflowId,
  type StudyProgress,
  type StudyWorkflowInput,
  type StudyWorkflowResult,
} from "./study-types.js";
import { probeAddress, unreachable } from "./errors.js";
import type { studyWorkflow } from "./workflows.js";

export type StudyHandle = WorkflowHandle<typeof studyWorkflow>;

export interface TemporalClient {
  readonly client: Client;
  readonly address: string;
  readonly namespace: string;
  close(): Promise<void>;
}

/** Connects to the frontend (failing within a few seconds, with a readable error, if nothing answers). */
export const connectClient = async (address: string, namespace: string): Promise<TemporalClient> => {
  await probeAddress(address, namespace);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: "5s" });
  } catch (e) {
    throw unreachable(address, namespace, e);
  }
  return { client: new Client({ connection, namespace }), address, namespace, close: () => connection.close() };
};

export interface Submission {
  readonly handle: StudyHandle;
  readonly workflowId: string;
  /** true when the same study (same plan digest) was already running and this submit attached to it. */
  readonly attached: boolean;
}

/**
 * Starts the study workflow under an id derived from the plan digest. If a workflow with that id is running, the
 * submit attaches to it instead of starting a duplicate; a finished one does not block a new run (which will be
 * served from the cache wherever nothing changed).
 */
export const submitStudy = async (
  tc: TemporalClient,
  input: StudyWorkflowInput,
  taskQueue: string,
): Promise<Submission> => {
  const workflowId = studyWorkflowId(input.plan.study, input.planDigest);
  const args: [StudyWorkflowInput] = [{ ...input, activity: activitySettings(input.activity) }];
  try {
    const handle = await tc.client.workflow.start<typeof studyWorkflow>(STUDY_WORKFLOW, {
      taskQueue,
      workflowId,
      args,
      workflowIdConflictPolicy: "FAIL",
      workflowIdReusePolicy: "ALLOW_DUPLICATE",
    });
    return { handle, workflowId, attached: false };
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) {
      return { handle: tc.client.workflow.getHandle<typeof studyWorkflow>(workflowId), workflowId, attached: true };
    }
    if (e instanceof Error && /namespace/i.test(e.message) && /not found/i.test(e.message)) {
      throw new UsageError({ problem: `Temporal at ${tc.address} has no namespace "${tc.namespace}"; pass --namespace or set TEMPORAL_NAMESPACE` });
    }
    throw e;
  }
};

/** How many workers poll a task queue for activities right now (0: the study would wait). */
export const activityPollers = async (tc: TemporalClient, taskQueue: string): Promise<number> => {
  const r = await tc.client.workflowService.describeTaskQueue({
    namespace: tc.namespace,
    taskQueue: { name: taskQueue, kind: 1 /* TASK_QUEUE_KIND_NORMAL */ },
    taskQueueType: 2 /* TASK_QUEUE_TYPE_ACTIVITY */,
  });
  return r.pollers?.length ?? 0;
};

/** A study workflow that ended without a result for a reason other than a user error (cancel, terminate, ...). */
export class StudyWorkflowError extends Error {
  constructor(
    readonly workflowId: string,
    readonly reason: "cancelled" | "terminated" | "timed-out" | "failed",
    message: string,
  ) {
    super(message);
    this.name = "StudyWorkflowError";
  }
}

const isWireError = (v: unknown): v is WireError =>
  typeof v === "object" && v !== null && typeof (v as WireError).tag === "string" && typeof (v as WireError).message === "string";

/**
 * Turns the failure of a study workflow back into what the local executor would have raised: a user or store
 * error comes back as the same typed error with the same message; anything else is a StudyWorkflowError.
 */
export const studyFailure = (workflowId: string, e: unknown): Error => {
  if (!(e instanceof WorkflowFailedError)) return e instanceof Error ? e : new Error(String(e));
  const cause = e.cause;
  if (cause instanceof ApplicationFailure) {
    const wire = cause.details?.[0];
    if (isWireError(wire) && wire.tag !== "Defect") return fromWireError(wire);
    // A step that kept failing with a bug (not a user error, not a timeout): a defect, as on the local executor,
    // with the worker's stack, so `strata` reports it as an internal error.
    let inner: Error | undefined = cause.cause;
    while (inner?.cause instanceof Error) inner = inner.cause;
    if (cause.type === "NodeFailed" && inner instanceof ApplicationFailure) {
      const defect = new Error(`${cause.message} (study workflow ${workflowId})`);
      defect.stack = `${defect.message}\n--- on the worker:\n${inner.stack ?? inner.message}`;
      return defect;
    }
    return new StudyWorkflowError(workflowId, "failed", `study workflow ${workflowId} failed: ${cause.message}`);
  }
  if (cause instanceof CancelledFailure) return new StudyWorkflowError(workflowId, "cancelled", `study workflow ${workflowId} was cancelled`);
  if (cause instanceof TerminatedFailure) return new StudyWorkflowError(workflowId, "terminated", `study workflow ${workflowId} was terminated${cause.message ? `: ${cause.message}` : ""}`);
  if (cause instanceof TimeoutFailure) return new StudyWorkflowError(workflowId, "timed-out", `study workflow ${workflowId} timed out`);
  return new StudyWorkflowError(workflowId, "failed", `study workflow ${workflowId} failed: ${cause?.message ?? e.message}`);
};

/**
 * Waits for a study, asking the workflow for its progress every `pollMs` meanwhile (a query answered by a
 * worker; when none answers, progress just pauses). Resolves with the per-node results, or rejects with the
 * error studyFailure gives.
 */
export const waitForStudy = async (
  sub: Submission,
  onProgress: (p: StudyProgress) => void,
  pollMs = 1000,
): Promise<StudyWorkflowResult> => {
  let settled = false;
  let wake = () => {};
  // A query still in flight when the caller closes the connection would make gRPC throw from a timer, so each
  // query can be aborted and the poller is awaited (it ends at once) before this returns.
  let inFlight: AbortController | undefined;
  const poller = (async () => {
    while (!settled) {
      inFlight = new AbortController();
      const timeout = setTimeout(() => inFlight?.abort(), 10_000);
      try {
        const p = await sub.handle.client.withAbortSignal(inFlight.signal, () => sub.handle.query<StudyProgress>(PROGRESS_QUERY));
        if (!settled) onProgress(p);
      } catch {
        // no worker to answer yet, the workflow just closed, or the query was aborted
      } finally {
        clearTimeout(timeout);
      }
      if (settled) break;
      await new Promise<void>((r) => {
        const t = setTimeout(r, pollMs);
        wake = () => (clearTimeout(t), r());
      });
    }
  })();
  try {
    return await sub.handle.result();
  } catch (e) {
    throw studyFailure(sub.workflowId, e);
  } finally {
    settled = true;
    wake();
    inFlight?.abort();
    await poller;
  }
};
