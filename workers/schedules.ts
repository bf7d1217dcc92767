/**
 * Recurring study runs on Temporal Schedules. A schedule starts the same study workflow as
 * `strata run --engine temporal`, with the plan frozen when the schedule is created (the workers compute code
 * digests at run time, so a code change still shows in the next run's cache keys; a change to the pipeline's
 * wiring needs the schedule re-created). Each run is recorded by the workflow's finish activity, with the
 * schedule's id, in the run history.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleDescription } from "@temporalio/client";
import { UsageError } from "../dsl/errors.js";
import type { LoadedStudy } from "../engine/load-study.js";
import type { TemporalClient } from "./client.js";
import { STUDY_WORKFLOW, type StudyWorkflowInput } from "./study-types.js";

/** The overlap policies by their command-line names. */
export const OVERLAP_POLICIES = {
  skip: ScheduleOverlapPolicy.SKIP,
  "buffer-one": ScheduleOverlapPolicy.BUFFER_ONE,
  "buffer-all": ScheduleOverlapPolicy.BUFFER_ALL,
  "cancel-other": ScheduleOverlapPolicy.CANCEL_OTHER,
  "terminate-other": ScheduleOverlapPolicy.TERMINATE_OTHER,
  "allow-all": ScheduleOverlapPolicy.ALLOW_ALL,
} as const;
export type OverlapName = keyof typeof OVERLAP_POLICIES;

const overlapName = (policy: string | undefined): string =>
  Object.entries(OVERLAP_POLICIES).find(([, v]) => v === (policy ?? ScheduleOverlapPolicy.SKIP))?.[0] ?? String(policy);

export interface ScheduleRequest {
  readonly id: string;
  readonly study: LoadedStudy;
  readonly taskQueue: string;
  readonly cron?: string | undefined;
  readonly every?: string | undefined;
  readonly overlap: OverlapName;
  readonly timezone: string;
  readonly note: string;
  readonly paused: boolean;
}

/** What `strata schedule list` and `describe` show, as plain data (also their --json). */
export interface ScheduleView {
  readonly id: string;
  readonly study: string | null;
  readonly pipeline: string | null;
  readonly when: string;
  readonly timezone: string | null;
  readonly overlap: string | null;
  readonly paused: boolean;
  readonly note: string;
  readonly nextRuns: readonly string[];
  readonly recentRuns: readonly { readonly scheduledAt: string; readonly workflowId: string }[];
  readonly runningWorkflows?: readonly string[];
  readonly actionsTaken?: number;
  readonly skippedForOverlap?: number;
}

const notFound = (id: string, tc: TemporalClient) =>
  new UsageError({ problem: `no schedule "${id}" in namespace "${tc.namespace}" at ${tc.address}; \`strata schedule list\` shows the schedules there` });

/** Runs a schedule operation, turning "no such schedule" into a usage error that says where to look. */
const onSchedule = async <A>(tc: TemporalClient, id: string, f: () => Promise<A>): Promise<A> => {
  try {
    return await f();
  } catch (e) {
    if (e instanceof ScheduleNotFoundError) throw notFound(id, tc);
    throw e;
  }
};

export const createSchedule = async (tc: TemporalClient, r: ScheduleRequest): Promise<void> => {
  const input: StudyWorkflowInput = { plan: r.study.plan, planDigest: r.study.planDigest, pipeline: r.study.pipeline, scheduleId: r.id };
  try {
    await tc.client.schedule.create({
      scheduleId: r.id,
      spec: {
        ...(r.cron !== undefined ? { cronExpressions: [r.cron] } : {}),
        ...(r.every !== undefined ? { intervals: [{ every: r.every as never }] } : {}),
        timezone: r.timezone,
      },
      action: {
        type: "startWorkflow",
        workflowType: STUDY_WORKFLOW,
        taskQueue: r.taskQueue,
        // Temporal appends the scheduled time, so every run has its own id.
        workflowId: `strata-${r.study.plan.study}-schedule-${r.id}`,
        args: [input],
      },
      policies: { overlap: OVERLAP_POLICIES[r.overlap] },
      state: { paused: r.paused, note: r.note },
      memo: { study: r.study.plan.study, pipeline: r.study.pipeline, planDigest: r.study.planDigest, when: r.cron !== undefined ? `cron ${r.cron}` : `every ${r.every}` },
    });
  } catch (e) {
    if (e instanceof ScheduleAlreadyRunning) {
      throw new UsageError({ problem: `a schedule "${r.id}" already exists; pick another --id, or remove it first with \`strata schedule delete ${r.id}\`` });
    }
    throw e;
  }
};

const memoText = (memo: Record<string, unknown> | undefined, key: string): string | null =>
  typeof memo?.[key] === "string" ? (memo[key] as string) : null;

/** "every 10s", "cron 0 3 * * *", from a schedule's spec as the server returns it. */
const describeWhen = (spec: ScheduleDescription["spec"] | undefined): string => {
  const parts = [
    ...(spec?.intervals ?? []).map((i) => `every ${typeof i.every === "number" ? `${i.every / 1000}s` : String(i.every)}`),
    ...(spec?.calendars ?? []).map((c) => `calendar ${JSON.stringify(c)}`),
  ];
  return parts.join(", ") || "(no times)";
};

export const listSchedules = async (tc: TemporalClient): Promise<ScheduleView[]> => {
  const views: ScheduleView[] = [];
  for await (const s of tc.client.schedule.list()) {
    views.push({
      id: s.scheduleId,
      study: memoText(s.memo, "study"),
      pipeline: memoText(s.memo, "pipeline"),
      when: memoText(s.memo, "when") ?? describeWhen(s.spec),
      timezone: s.spec?.timezone ?? null,
      overlap: null,
      paused: s.state.paused,
      note: s.state.note ?? "",
      nextRuns: s.info.nextActionTimes.map((d) => d.toISOString()),
      recentRuns: s.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })),
    });
  }
  return views.sort((a, b) => (a.id < b.id ? -1 : 1));
};

export const describeSchedule = async (tc: TemporalClient, id: string): Promise<ScheduleView> => {
  const d = await onSchedule(tc, id, () => tc.client.schedule.getHandle(id).describe());
  return {
    id,
    study: memoText(d.memo, "study"),
    pipeline: memoText(d.memo, "pipeline"),
    when: memoText(d.memo, "when") ?? describeWhen(d.spec),
    timezone: d.spec.timezone ?? null,
    overlap: overlapName(d.policies.overlap),
    paused: d.state.paused,
    note: d.state.note ?? "",
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })),
    runningWorkflows: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken,
    skippedForOverlap: d.info.numActionsSkippedOverlap,
  };
};

export const pauseSchedule = (tc: TemporalClient, id: string, note: string) => onSchedule(tc, id, () => tc.client.schedule.getHandle(id).pause(note));
export const unpauseSchedule = (tc: TemporalClient, id: string, note: string) => onSchedule(tc, id, () => tc.client.schedule.getHandle(id).unpause(note));
export const deleteSchedule = (tc: TemporalClient, id: string) => onSchedule(tc, id, () => tc.client.schedule.getHandle(id).delete());

/** Starts a run now; without `overlap` the schedule's own policy decides what happens if one is running. */
export const triggerSchedule = async (tc: TemporalClient, id: string, overlap: OverlapName | undefined): Promise<void> => {
  const handle = tc.client.schedule.getHandle(id);
  // The server reports skip, its default, as unset; the SDK's trigger() would read unset as allow-all.
  const policy = overlap === undefined ? ((await onSchedule(tc, id, () => handle.describe())).policies.overlap ?? ScheduleOverlapPolicy.SKIP) : OVERLAP_POLICIES[overlap];
  await onSchedule(tc, id, () => handle.trigger(policy));
};

/** Takes the runs the schedule would have taken between `start` and `end`. */
export const backfillSchedule = (tc: TemporalClient, id: string, start: Date, end: Date, overlap: OverlapName | undefined) =>
  onSchedule(tc, id, () => tc.client.schedule.getHandle(id).backfill({ start, end, ...(overlap !== undefined ? { overlap: OVERLAP_POLICIES[overlap] } : {}) }));
