import { Context } from "@temporalio/activity";
import { ApplicationFailure } from "@temporalio/common";
import { Cause, Effect, Exit } from "effect";
import { locatedIn } from "../dsl/errors.js";
import type { PlanNode } from "../dsl/plan.js";
import {
  combineNode,
  planNodeRun,
  runNode,
  runNodeUnits,
  type EngineContext,
  type NodeEvents,
  type NodeFailure,
  type NodeResult,
  type UpstreamOutputs,
} from "../engine/node-runner.js";
import { toWireError } from "../engine/wire-errors.js";
import { storePlan } from "../engine/load-study.js";
import { writeManifest } from "../engine/manifest.js";
import { buildManifest } from "../engine/run-study.js";
import { finishRun, type FinishedRun } from "../engine/finish-run.js";
import type { CombineActivityInput, FinishActivityInput, NodeActivityInput, NodeActivityResult, UnitActivityInput, UnitBatchActivityInput } from "./study-types.js";

/** What a worker prints about the activities it runs (the `strata worker` log lines; tests read them). */
export interface ActivityLog {
  started(node: PlanNode, attempt: number): void;
  finished(result: NodeResult, attempt: number): void;
  failed(node: PlanNode, attempt: number, message: string, retryable: boolean): void;
  cancelled(node: PlanNode, attempt: number, reason: string): void;
  message(node: PlanNode, text: string): void;
  /** A part of a node run as an activity of its own ("unit 3", "combine") started, or finished after `seconds`. */
  part(node: PlanNode, part: string, attempt: number): void;
  partFinished(node: PlanNode, part: string, seconds: number, attempt: number): void;
  /** A line about the study as a whole (its finish). */
  ran(text: string): void;
}

export const silentActivityLog: ActivityLog = {
  started: () => {},
  finished: () => {},
  failed: () => {},
  cancelled: () => {},
  message: () => {},
  part: () => {},
  partFinished: () => {},
  ran: () => {},
};

const noUnitEvents = { unitStarted: () => {}, unitFinished: () => {} };

/** Heartbeat period: a quarter of the heartbeat timeout, at most 5 s and at least 200 ms. */
export const heartbeatPeriodMs = (heartbeatTimeoutMs: number | undefined): number =>
  Math.max(200, Math.min(5_000, Math.floor((heartbeatTimeoutMs ?? 20_000) / 4)));

/**
 * Runs one part of a node (the whole node, one unit of its step, or the combining of its units) as the current
 * activity. It calls the engine's node runner, the same one the local executor uses, so the cache lookup, the step
 * run (in the StepPool's worker threads, off this thread) and the index writes all happen here. While it
 * works it heartbeats from this thread on a timer and on every progress event; when Temporal cancels the activity
 * (the study was cancelled, or the server lost track of it) the abort reaches the pool, which terminates the
 * worker thread running the step.
 */
const engineActivity = async <A>(
  input: NodeActivityInput,
  log: ActivityLog,
  work: (events: NodeEvents, upstream: UpstreamOutputs) => Effect.Effect<A, NodeFailure>,
  part?: string,
): Promise<A> => {
  const activity = Context.current();
  const { node, upstream } = input;
  const attempt = activity.info.attempt;
  const t0 = performance.now();
  let progress: { done: number; total: number } | undefined;
  const beat = () => activity.heartbeat({ node: node.id, attempt, ...(part ? { part } : {}), ...(progress ?? {}) });
  beat();
  const timer = setInterval(beat, heartbeatPeriodMs(activity.info.heartbeatTimeoutMs));
  const events: NodeEvents = {
    started: () => log.started(node, attempt),
    log: (_n, m) => log.message(node, m),
    warn: (_n, m) => log.message(node, `warning: ${m}`),
    progress: (_n, done, total) => {
      progress = { done, total };
      beat();
    },
  };
  const digestOf = (id: string, output: string): string => {
    const digest = upstream[id]?.[output];
    if (digest === undefined) throw new Error(`the workflow passed no digest for ${id}.${output} to node ${node.id}`);
    return digest;
  };
  if (part) log.part(node, part, attempt);
  try {
    const exit = await Effect.runPromiseExit(work(events, digestOf), { signal: activity.cancellationSignal });
    if (activity.cancellationSignal.aborted) {
      const reason = activity.cancellationSignal.reason as unknown;
      log.cancelled(node, attempt, reason instanceof Error ? reason.message : String(reason));
      throw reason;
    }
    if (Exit.isSuccess(exit)) {
      const value = exit.value as unknown;
      if (part) log.partFinished(node, part, (performance.now() - t0) / 1000, attempt);
      else if (typeof value === "object" && value !== null && "outputs" in value) log.finished(value as NodeResult, attempt);
      return exit.value;
    }
    const typed = exit.cause.reasons.find(Cause.isFailReason);
    if (typed) {
      // A user or store error: no retry can fix it. Same message as on the local executor; the details carry
      // the typed error so the client can rebuild it.
      // Located in the pipeline file when it names none, exactly as the local executor does (run-study.ts).
      const e = locatedIn(typed.error, input.pipeline);
      log.failed(node, attempt, e.message, false);
      const failure = ApplicationFailure.create({ type: e._tag, message: e.message, details: [toWireError(e)], nonRetryable: true });
      failure.stack = ""; // a user error is not a bug: its message says it all, a stack would be noise in the UI
      throw failure;
    }
    // A defect (a bug, a worker thread that died): retryable, with its stack.
    const defect = Cause.squash(exit.cause);
    log.failed(node, attempt, defect instanceof Error ? defect.message : String(defect), true);
    throw defect;
  } finally {
    clearInterval(timer);
  }
};

export const createActivities = (ctx: EngineContext, log: ActivityLog = silentActivityLog) => ({
  /**
   * The study's last step, on a worker (so a scheduled run, with no client waiting, is recorded too): stores the
   * plan and the run manifest (executor "temporal"), applies the run's promotion outputs to the registry and
   * records the run in the history. A retry after a lost reply records the run a second time (its manifest has
   * another duration), but never promotes twice: the registry answers "unchanged".
   */
  async finishStudyActivity(input: FinishActivityInput): Promise<FinishedRun> {
    const startedAt = new Date(input.startedAt);
    storePlan(ctx.store, input.plan);
    const study = { pipeline: input.pipeline, root: ctx.root, plan: input.plan, planDigest: input.planDigest };
    const manifest = buildManifest(ctx, study, "temporal", input.nodes, startedAt, (Date.now() - startedAt.getTime()) / 1000);
    const finished = await finishRun(ctx.store, writeManifest(ctx.store, manifest), manifest, { workflowId: input.workflowId, scheduleId: input.scheduleId });
    log.ran(`study ${input.plan.study} finished: manifest ${finished.manifest.slice(0, 12)}${finished.decisions.map((d) => `; ${d.channel}: ${d.status}`).join("")}`);
    return finished;
  },

  /** Runs a node; with fanOut, a node whose step has units answers with the units still to run instead. */
  runNodeActivity: (input: NodeActivityInput): Promise<NodeActivityResult> =>
    engineActivity(input, log, (activityEvents, upstream) => {
      const started = (node: PlanNode) => {
        activityEvents.started(node);
        ctx.pool.warm(ctx.root, input.warm ?? []);
      };
      const events: NodeEvents = { ...activityEvents, started };
      return input.fanOut === true ? planNodeRun(ctx, input.node, upstream, events) : runNode(ctx, input.node, upstream, { useCache: true, events });
    }),

  /**
   * A batch of units of a node's step, as many at a time as this worker's pool has threads; each recorded in the
   * store the moment it finishes, so a retry elsewhere reruns only the units this attempt had not finished. The
   * worker logs each unit that runs ("unit 3 running", "unit 3 1.20s").
   */
  runUnitBatchActivity: (input: UnitBatchActivityInput): Promise<string[]> => {
    const attempt = Context.current().info.attempt;
    return engineActivity(input, log, (events, upstream) =>
      runNodeUnits(ctx, input.node, upstream, input.indices, events, {
        unitStarted: (index) => log.part(input.node, `unit ${index}`, attempt),
        unitFinished: (index, seconds) => log.partFinished(input.node, `unit ${index}`, seconds, attempt),
      }),
    );
  },

  /** One unit of a node's step, for workflows started before units ran in batches (their histories replay with it). */
  runUnitActivity: (input: UnitActivityInput): Promise<string> =>
    engineActivity(input, log, (events, upstream) => runNodeUnits(ctx, input.node, upstream, [input.index], events, noUnitEvents).pipe(Effect.map((digests) => digests[0]!)), `unit ${input.index}`),

  /** Combines every unit's result into the node's outputs and records the node. */
  combineNodeActivity: (input: CombineActivityInput): Promise<NodeResult> =>
    engineActivity(input, log, (events, upstream) => combineNode(ctx, input.node, upstream, input.results, { total: input.results.length, ran: input.ran }, events), "combine"),
});

export type StrataActivities = ReturnType<typeof createActivities>;
