// Plain data shared by the study workflow, its activity, the worker and the client. No runtime imports: the
// workflow bundle includes this file, and workflow code may not touch Node builtins or the engine.
import type { PlanNode, StudyPlan } from "../dsl/plan.js";
import type { FinishedRun } from "../engine/finish-run.js";
import type { NodeResult, PendingUnits } from "../engine/node-runner.js";

export const STUDY_WORKFLOW = "studyWorkflow";
export const DEFAULT_TASK_QUEUE = "strata";
export const DEFAULT_NAMESPACE = "default";
export const DEFAULT_ADDRESS = "localhost:7233";

/** A Temporal duration in the `ms` format: "500ms", "20s", "5m", "2h". */
export type DurationText = `${number}${"ms" | "s" | "m" | "h" | "d"}`;

export interface RetrySettings {
  readonly initialInterval: DurationText;
  readonly backoffCoefficient: number;
  readonly maximumInterval: DurationText;
  /** Attempts in all, the first included: a crashed worker costs one. */
  readonly maximumAttempts: number;
}

/** How each node activity is scheduled; the CLI's flags override these defaults. */
export interface ActivitySettings {
  /** Longest a single attempt may take; long enough for a real training step. */
  readonly startToCloseTimeout: DurationText;
  /** A worker that goes silent this long is presumed dead and the attempt is retried elsewhere. */
  readonly heartbeatTimeout: DurationText;
  readonly retry: RetrySettings;
}

export const DEFAULT_ACTIVITY_SETTINGS: ActivitySettings = {
  startToCloseTimeout: "2h",
  heartbeatTimeout: "20s",
  retry: { initialInterval: "1s", backoffCoefficient: 2, maximumInterval: "1m", maximumAttempts: 5 },
};

/**
 * Failure types that no retry can fix: mistakes in the study or its data, and store objects that are missing or
 * corrupt. The activity marks them non-retryable as well; listing them in the retry policy is a second guard.
 */
export const NON_RETRYABLE_TYPES = ["PipelineError", "DataError", "UsageError", "CorruptObjectError", "MissingObjectError"] as const;

export interface StudyWorkflowInput {
  readonly plan: StudyPlan;
  readonly planDigest: string;
  /** The pipeline file, relative to the project root (for people reading the history). */
  readonly pipeline: string;
  readonly activity?: Partial<Omit<ActivitySettings, "retry">> & { readonly retry?: Partial<RetrySettings> };
  /** Set when a schedule starts the study (`strata schedule create`): recorded in the run history. */
  readonly scheduleId?: string;
}

/** The per-node results in plan order, and the run as recorded by the finish activity. */
export interface StudyWorkflowResult {
  readonly nodes: readonly NodeResult[];
  /** Absent only in histories from before the finish activity existed (replayed in tests). */
  readonly finish?: FinishedRun;
}

/** What the last activity needs to write the manifest, apply promotions and record the run. */
export interface FinishActivityInput {
  readonly plan: StudyPlan;
  readonly planDigest: string;
  readonly pipeline: string;
  readonly nodes: readonly NodeResult[];
  /** The workflow's start, ISO 8601. */
  readonly startedAt: string;
  readonly workflowId: string;
  readonly scheduleId: string | null;
}

/** The workflow-code patch id under which the study workflow ends with the finish activity. */
export const FINISH_PATCH = "finish-run-activity";

/** Output digests of upstream nodes, by node id then output name: all a node needs to find its inputs. */
export type UpstreamDigests = { readonly [nodeId: string]: { readonly [output: string]: string } };

export interface NodeActivityInput {
  readonly study: string;
  readonly planDigest: string;
  /** The pipeline file: a user error that names no file is located in it, as on the local executor. */
  readonly pipeline: string;
  readonly node: PlanNode;
  readonly upstream: UpstreamDigests;
  /**
   * Set by workflows that run a step's units as activities of their own: for a step with units the node activity
   * then answers with its pending units instead of running them. Without it (older workflows) it runs them itself.
   */
  readonly fanOut?: boolean;
  /**
   * The node activity only: the step modules of the nodes that read from it, which the worker's idle step threads
   * import while the node runs (none when it is cached). Older workflows send none.
   */
  readonly warm?: readonly string[];
}

/** What the node activity answers: the node's result, or (with fanOut) the units of its step still to run. */
export type NodeActivityResult = NodeResult | PendingUnits;

export const isPendingUnits = (r: NodeActivityResult): r is PendingUnits => "stored" in r;

/** One unit of a node's step, on any worker of the task queue. */
export interface UnitActivityInput extends NodeActivityInput {
  readonly index: number;
}

/** Several units of a node's step in one activity, on any worker of the task queue (see unitBatches). */
export interface UnitBatchActivityInput extends NodeActivityInput {
  readonly indices: readonly number[];
}

/** The workflow-code patch id under which a node's units run in batches, one activity per batch. */
export const UNIT_BATCHES_PATCH = "unit-batches";

/**
 * How many activities a node's units run in: few enough that the round trip of each (schedule, poll, heartbeat,
 * completion, workflow task: ≈ 30–130 ms measured, more than a small training replicate) is paid 8 times per node
 * rather than once per unit; enough that 2, 4 or 8 workers get equal shares.
 */
export const UNIT_BATCHES = 8;

/**
 * The units to run (in unit order) dealt into UNIT_BATCHES batches like cards: batch j holds the j-th, (j+8)-th, …
 * unit. Steps put their long units first (evaluate.subgroup-metrics: its resample chunks, then the short harm
 * tests), so dealing spreads the long ones one per batch instead of packing them into the first batches.
 */
export const unitBatches = (units: readonly number[]): number[][] =>
  Array.from({ length: Math.min(UNIT_BATCHES, units.length) }, (_, j) => units.filter((_, k) => k % UNIT_BATCHES === j));

/** The last part of a node with units: combining every unit's result (in unit order) into the outputs. */
export interface CombineActivityInput extends NodeActivityInput {
  readonly results: readonly string[];
  /** Units that ran in this workflow (the others were stored by an earlier run). */
  readonly ran: number;
}

/** The workflow-code patch id under which a node's units run as activities of their own. */
export const UNITS_PATCH = "units-as-activities";

/** What the `progress` query answers, so a waiting client can print what finished and what runs. */
export interface StudyProgress {
  readonly finished: readonly { readonly id: string; readonly step: string; readonly cached: boolean; readonly seconds: number }[];
  readonly running: readonly string[];
}

export const PROGRESS_QUERY = "progress";

/** One workflow per distinct plan: a second submit of the same study finds the running one by this id. */
export const studyWorkflowId = (study: string, planDigest: string): string => `strata-${study}-${planDigest.slice(0, 16)}`;

/** Merges partial settings over the defaults. */
export const activitySettings = (given: StudyWorkflowInput["activity"]): ActivitySettings => ({
  startToCloseTimeout: given?.startToCloseTimeout ?? DEFAULT_ACTIVITY_SETTINGS.startToCloseTimeout,
  heartbeatTimeout: given?.heartbeatTimeout ?? DEFAULT_ACTIVITY_SETTINGS.heartbeatTimeout,
  retry: { ...DEFAULT_ACTIVITY_SETTINGS.retry, ...given?.retry },
});
