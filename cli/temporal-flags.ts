import * as os from "node:os";
import { Schema } from "effect";
import { DEFAULT_ACTIVITY_SETTINGS, DEFAULT_ADDRESS, DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE } from "../workers/study-types.js";

/** Flags every Temporal command shares (worker, dev, run --engine temporal). */
export const temporalConnectionOptions = {
  address: { type: "string" },
  namespace: { type: "string" },
  "task-queue": { type: "string" },
} as const;

export const TemporalConnectionFlags = {
  address: Schema.optional(Schema.String),
  namespace: Schema.optional(Schema.String),
  "task-queue": Schema.optional(Schema.String),
};

export const temporalConnectionHelp = `  --address HOST:PORT  Temporal frontend (default: $TEMPORAL_ADDRESS or ${DEFAULT_ADDRESS})
  --namespace NAME     Temporal namespace (default: $TEMPORAL_NAMESPACE or ${DEFAULT_NAMESPACE})
  --task-queue NAME    task queue the workers poll (default: ${DEFAULT_TASK_QUEUE})`;

export interface TemporalTarget {
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
}

/** Flags first, then TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE, then the defaults. */
export const temporalTarget = (
  flags: { readonly address?: string | undefined; readonly namespace?: string | undefined; readonly "task-queue"?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): TemporalTarget => ({
  address: flags.address ?? (env.TEMPORAL_ADDRESS || DEFAULT_ADDRESS),
  namespace: flags.namespace ?? (env.TEMPORAL_NAMESPACE || DEFAULT_NAMESPACE),
  taskQueue: flags["task-queue"] ?? DEFAULT_TASK_QUEUE,
});

/** A duration flag in the `ms` format Temporal takes: 500ms, 20s, 5m, 2h, 1d. */
export const DurationFlag = Schema.String.check(
  Schema.makeFilter((s: string) => /^\d+(\.\d+)?(ms|s|m|h|d)$/.test(s) || "expected a duration such as 500ms, 20s, 5m or 2h"),
);

/** The flags `strata run` takes for --engine temporal (parsed with the other run flags). */
export const temporalRunOptions = {
  ...temporalConnectionOptions,
  "start-to-close": { type: "string" },
  "heartbeat-timeout": { type: "string" },
  "max-attempts": { type: "string" },
  "retry-initial": { type: "string" },
  "retry-max-interval": { type: "string" },
  "retry-backoff": { type: "string" },
} as const;

export const TemporalRunFlags = {
  ...TemporalConnectionFlags,
  "start-to-close": Schema.optional(DurationFlag),
  "heartbeat-timeout": Schema.optional(DurationFlag),
  "max-attempts": Schema.optional(Schema.FiniteFromString.check(Schema.isInt(), Schema.isGreaterThan(0))),
  "retry-initial": Schema.optional(DurationFlag),
  "retry-max-interval": Schema.optional(DurationFlag),
  "retry-backoff": Schema.optional(Schema.FiniteFromString.check(Schema.isGreaterThanOrEqualTo(1))),
};

export type TemporalRunFlagValues = { readonly [K in keyof typeof TemporalRunFlags]?: (typeof TemporalRunFlags)[K]["Type"] };

const d = DEFAULT_ACTIVITY_SETTINGS;
export const temporalRunHelp = `Temporal options (with --engine temporal):
${temporalConnectionHelp}
  --start-to-close D   longest one attempt of a node may run (default: ${d.startToCloseTimeout})
  --heartbeat-timeout D  a worker silent this long is presumed dead; its node is retried (default: ${d.heartbeatTimeout})
  --max-attempts N     attempts per node, the first included (default: ${d.retry.maximumAttempts})
  --retry-initial D    wait before the first retry (default: ${d.retry.initialInterval})
  --retry-backoff X    each further wait is X times longer (default: ${d.retry.backoffCoefficient})
  --retry-max-interval D  longest wait between retries (default: ${d.retry.maximumInterval})
  (D is a duration such as 500ms, 20s, 5m, 2h. User errors are never retried.)

  With --engine temporal the study runs as a workflow with id strata-<study>-<first 16 of the plan digest> on
  the workers polling the task queue (start them with \`strata worker\`, or \`strata dev\` for a local server and
  worker). The command waits, then writes the manifest to --store (which must be the store the workers use).
  Submitting a study that is already running attaches to it instead of starting it twice.
`;

/** Temporal-only flags given with --engine local are a mistake worth naming. */
export const temporalOnlyFlagsGiven = (flags: TemporalRunFlagValues): string[] =>
  Object.keys(TemporalRunFlags).filter((k) => flags[k as keyof TemporalRunFlagValues] !== undefined).map((k) => `--${k}`);

export const durationMs = (text: string): number => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text)!;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms" | "s" | "m" | "h" | "d"];
};

export const defaultWorkerConcurrency = (): number => Math.max(1, os.availableParallelism());
