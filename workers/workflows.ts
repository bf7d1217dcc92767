// The study workflow: deterministic plan interpretation and nothing else. It runs in Temporal's sandbox, so it
// imports only @temporalio/workflow and plain-data helpers; all I/O happens in the node activity.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  TimeoutFailure,
  workflowInfo,
} from "@temporalio/workflow";
import type { FinishedRun } from "../engine/finish-run.js";
import { dependantModules, nodeDependencies, type PlanNode } from "../dsl/plan.js";
import type { NodeResult } from "../engine/node-runner.js";
import {
  activitySettings,
  FINISH_PATCH,
  type CombineActivityInput,
  type FinishActivityInput,
  isPendingUnits,
  NON_RETRYABLE_TYPES,
  type NodeActivityResult,
  PROGRESS_QUERY,
  type NodeActivityInput,
  type StudyProgress,
  type StudyWorkflowInput,
  type StudyWorkflowResult,
  type UnitActivityInput,
  type UnitBatchActivityInput,
  unitBatches,
  UNIT_BATCHES_PATCH,
  UNITS_PATCH,
  type UpstreamDigests,
} from "./study-types.js";

interface NodeActivities {
  runNodeActivity(input: NodeActivityInput): Promise<NodeActivityResult>;
  runUnitActivity(input: UnitActivityInput): Promise<string>;
  runUnitBatchActivity(input: UnitBatchActivityInput): Promise<string[]>;
  combineNodeActivity(input: CombineActivityInput): Promise<NodeResult>;
  finishStudyActivity(input: FinishActivityInput): Promise<FinishedRun>;
}

export const progressQuery = defineQuery<StudyProgress>(PROGRESS_QUERY);

/**
 * The failure a node's activity ended with, as the workflow's own failure. A user or store error keeps its type,
 * its readable message and its details (the wire form of the typed error), so the client rebuilds the very error
 * the local executor would have raised. Anything else (retries exhausted, a timeout) names the node.
 */
const workflowFailure = (node: PlanNode, error: unknown): ApplicationFailure => {
  if (error instanceof ApplicationFailure) return error; // already converted by the upstream node that failed
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure && (cause.nonRetryable || (NON_RETRYABLE_TYPES as readonly string[]).includes(cause.type ?? ""))) {
    const failure = ApplicationFailure.create({ type: cause.type ?? undefined, message: cause.message, details: cause.details ?? [], nonRetryable: true });
    failure.stack = ""; // a user error: the message says it all (defects below keep their cause's stack)
    return failure;
  }
  const what =
    cause instanceof TimeoutFailure
      ? `timed out (${(cause.timeoutType ?? "unknown").toLowerCase().replaceAll("_", "-")} timeout)`
      : `failed: ${cause instanceof Error ? cause.message : String(cause)}`;
  return ApplicationFailure.create({
    type: "NodeFailed",
    message: `node "${node.id}" (${node.step}) ${what}; no attempts left`,
    cause: error instanceof Error ? error : undefined,
    nonRetryable: true,
  });
};

/**
 * Runs a study plan: every node waits for the nodes it reads from, then runs as one activity, so independent
 * branches run in parallel on whichever workers poll the queue. A node whose step has units runs as its node
 * activity (which plans them), its units not yet stored in a few batches, one activity each (spread over the workers
 * like any other), and a combine activity. Only the plan, digests, counts and per-node results (small JSON) travel through Temporal. The
 * first node that fails for good cancels the others and fails the study with that node's error.
 */
export async function studyWorkflow(input: StudyWorkflowInput): Promise<StudyWorkflowResult> {
  const { plan, planDigest } = input;
  const settings = activitySettings(input.activity);
  const { runNodeActivity, runUnitActivity, runUnitBatchActivity, combineNodeActivity, finishStudyActivity } = proxyActivities<NodeActivities>({
    startToCloseTimeout: settings.startToCloseTimeout,
    heartbeatTimeout: settings.heartbeatTimeout,
    retry: { ...settings.retry, nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES] },
  });

  // Histories recorded before units ran as activities replay with one activity per node (which ran the units).
  const fanOut = patched(UNITS_PATCH);
  // Histories recorded before unit batches replay with one activity per unit.
  const batched = fanOut && patched(UNIT_BATCHES_PATCH);
  const finished = new Map<string, NodeResult>();
  const running = new Set<string>();
  setHandler(progressQuery, () => ({
    finished: plan.nodes.flatMap((n) => {
      const r = finished.get(n.id);
      return r ? [{ id: r.id, step: r.step, cached: r.cached, seconds: r.seconds }] : [];
    }),
    running: plan.nodes.filter((n) => running.has(n.id)).map((n) => n.id),
  }));

  /** The units not yet stored, run in batches (in parallel, on any worker): every unit's result, in unit order. */
  const unitResults = async (nodeInput: NodeActivityInput, stored: readonly (string | null)[]): Promise<string[]> => {
    if (!batched) return Promise.all(stored.map((digest, index) => digest ?? runUnitActivity({ ...nodeInput, index })));
    const results = [...stored];
    const missing = stored.flatMap((digest, index) => (digest === null ? [index] : []));
    await Promise.all(
      unitBatches(missing).map(async (indices) => {
        const digests = await runUnitBatchActivity({ ...nodeInput, indices });
        indices.forEach((index, k) => (results[index] = digests[k]!));
      }),
    );
    return results as string[];
  };

  /** Runs the units not yet stored, then combines them; seconds span the whole node. */
  const runUnits = async (nodeInput: NodeActivityInput, stored: readonly (string | null)[], started: number): Promise<NodeResult> => {
    const results = await unitResults(nodeInput, stored);
    const combined = await combineNodeActivity({ ...nodeInput, results, ran: stored.filter((d) => d === null).length });
    return { ...combined, seconds: (Date.now() - started) / 1000 };
  };

  const scope = new CancellationScope();
  try {
    const results = await scope.run(() => {
      const pending = new Map<string, Promise<NodeResult>>();
      for (const node of plan.nodes) {
        const deps = nodeDependencies(node);
        const run = async (): Promise<NodeResult> => {
          try {
            await Promise.all(deps.map((d) => pending.get(d)!));
            const upstream: UpstreamDigests = Object.fromEntries(
              deps.map((d) => [d, Object.fromEntries(Object.entries(finished.get(d)!.outputs).map(([name, o]) => [name, o.digest]))]),
            );
            running.add(node.id);
            const nodeInput: NodeActivityInput = { study: plan.study, planDigest, pipeline: input.pipeline, node, upstream };
            const started = Date.now();
            const warm = dependantModules(plan, node.id);
            const first = await runNodeActivity(fanOut ? { ...nodeInput, fanOut, warm } : { ...nodeInput, warm });
            const result = isPendingUnits(first) ? await runUnits(nodeInput, first.stored, started) : first;
            finished.set(node.id, result);
            return result;
          } catch (e) {
            throw isCancellation(e) ? e : workflowFailure(node, e);
          } finally {
            running.delete(node.id);
          }
        };
        pending.set(node.id, run());
      }
      return Promise.all(plan.nodes.map((n) => pending.get(n.id)!));
    });
    // Histories recorded before the finish activity existed replay without it (the client wrote their manifest).
    if (!patched(FINISH_PATCH)) return { nodes: results };
    const info = workflowInfo();
    const finish = await finishStudyActivity({
      plan,
      planDigest,
      pipeline: input.pipeline,
      nodes: results,
      startedAt: info.startTime.toISOString(),
      workflowId: info.workflowId,
      scheduleId: input.scheduleId ?? null,
    });
    return { nodes: results, finish };
  } catch (e) {
    // The first failure (or the study's own cancellation) stops every node still running.
    scope.cancel();
    throw e;
  }
}
