import { Schema } from "effect";
import { UsageError } from "../dsl/errors.js";
import { connectClient } from "../workers/client.js";
import {
  backfillSchedule,
  createSchedule,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  OVERLAP_POLICIES,
  pauseSchedule,
  triggerSchedule,
  unpauseSchedule,
  type OverlapName,
  type ScheduleView,
} from "../workers/schedules.js";
import { loadPipeline, loadTimeoutHelp, LoadTimeoutFlags, loadTimeoutOptions } from "./load-pipeline.js";
import { commonOptions, parseCommand } from "./args.js";
import { DurationFlag, TemporalConnectionFlags, temporalConnectionHelp, temporalConnectionOptions, temporalTarget } from "./temporal-flags.js";

const overlapNames = Object.keys(OVERLAP_POLICIES).join(", ");

export const scheduleHelp = `Usage: strata schedule <subcommand> [options]

Recurring runs of a study on Temporal Schedules. A scheduled run is the same study workflow as
\`strata run --engine temporal\`: every node is served from the cache when nothing changed, the study's promotion
gates decide whether a retrained model replaces the champion, and the run is recorded (\`strata runs list\`).
Workers must be polling the task queue (\`strata worker\`, or \`strata dev\`).

Subcommands:
  create <pipeline.ts> --id ID (--cron EXPR | --every DURATION) [--overlap P] [--timezone TZ] [--note TEXT] [--paused] [--load-timeout S]
  list                       every schedule, with its next runs
  describe ID                one schedule: times, policy, state, recent and running workflows
  pause ID [--note TEXT]     stop firing (runs in progress continue)
  unpause ID [--note TEXT]
  trigger ID [--overlap P]   run now (the schedule's overlap policy decides, unless --overlap overrides it)
  backfill ID --from TIME --to TIME [--overlap P]
                             take the runs the schedule would have taken in that window (ISO 8601 times)
  delete ID                  remove the schedule (runs in progress continue)

Options:
  --cron EXPR          cron expression, e.g. "0 3 * * *" (03:00 every day)
  --every DURATION     fixed interval, e.g. 30s, 15m, 6h, 1d
  --overlap P          what a run due while another runs does: ${overlapNames} (default: skip)
  --timezone TZ        IANA time zone the cron expression is read in (default: UTC)
  --note TEXT          shown by describe and in the Temporal UI
  --paused             create the schedule paused
${loadTimeoutHelp(21)}
${temporalConnectionHelp}
  --json               print JSON on stdout
  -h, --help           this help

The plan is frozen when the schedule is created: after changing the pipeline's wiring or params, delete and
create the schedule again. Code changes need no new schedule (the workers key each node on its code).

Examples:
  strata schedule create pipelines/heart-retrain.ts --id heart-nightly --cron "0 3 * * *" --timezone Europe/Paris
  strata schedule trigger heart-nightly
  strata runs list --study heart-retrain
`;

const Overlap = Schema.Literals(Object.keys(OVERLAP_POLICIES) as OverlapName[]);
const IsoTime = Schema.String.check(Schema.makeFilter((s: string) => !Number.isNaN(Date.parse(s)) || "expected an ISO 8601 time such as 2026-11-01T00:00:00Z"));
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const Flags = Schema.Struct({
  ...TemporalConnectionFlags,
  id: Schema.optional(Schema.String.check(Schema.makeFilter((s: string) => ID_PATTERN.test(s) || "expected letters, digits, \".\", \"_\" or \"-\""))),
  cron: Schema.optional(Schema.String),
  every: Schema.optional(DurationFlag),
  overlap: Schema.optional(Overlap),
  timezone: Schema.optional(Schema.String),
  note: Schema.optional(Schema.String),
  paused: Schema.Boolean,
  from: Schema.optional(IsoTime),
  to: Schema.optional(IsoTime),
  ...LoadTimeoutFlags,
  json: Schema.Boolean,
  help: Schema.Boolean,
});

const options = {
  ...commonOptions,
  ...temporalConnectionOptions,
  id: { type: "string" },
  cron: { type: "string" },
  every: { type: "string" },
  overlap: { type: "string" },
  timezone: { type: "string" },
  note: { type: "string" },
  paused: { type: "boolean", default: false },
  from: { type: "string" },
  to: { type: "string" },
  ...loadTimeoutOptions,
} as const;

/** Which flags each subcommand accepts (besides the connection flags, --json and --help). */
const allowed: Record<string, readonly string[]> = {
  create: ["id", "cron", "every", "overlap", "timezone", "note", "paused", "load-timeout"],
  list: [],
  describe: [],
  pause: ["note"],
  unpause: ["note"],
  trigger: ["overlap"],
  backfill: ["from", "to", "overlap"],
  delete: [],
};

const printView = (v: ScheduleView, detailed: boolean) => {
  const out = process.stdout;
  out.write(`${v.id}${v.paused ? " (paused)" : ""}: ${v.study ?? "?"} (${v.pipeline ?? "?"}), ${v.when}${v.timezone ? ` ${v.timezone}` : ""}\n`);
  if (v.note) out.write(`  note      ${v.note}\n`);
  if (detailed) {
    out.write(`  overlap   ${v.overlap}\n  runs      ${v.actionsTaken} taken, ${v.skippedForOverlap} skipped for overlap\n`);
    for (const w of v.runningWorkflows ?? []) out.write(`  running   ${w}\n`);
    for (const r of v.recentRuns) out.write(`  recent    ${r.scheduledAt} ${r.workflowId}\n`);
  }
  out.write(`  next      ${v.nextRuns.slice(0, 3).join(", ") || "(none)"}\n`);
};

export const scheduleCommand = async (argv: readonly string[]): Promise<number> => {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    process.stdout.write(scheduleHelp);
    return sub === undefined ? 2 : 0;
  }
  const permitted = allowed[sub];
  if (permitted === undefined) throw new UsageError({ problem: `strata schedule: unknown subcommand "${sub}"; expected ${Object.keys(allowed).join(", ")}. Run \`strata schedule --help\`.` });
  const { flags, positionals } = parseCommand(`schedule ${sub}`, rest, options, Flags);
  if (flags.help) return void process.stdout.write(scheduleHelp), 0;
  const given = ["id", "cron", "every", "overlap", "timezone", "note", "from", "to", "load-timeout"].filter((k) => flags[k as keyof typeof flags] !== undefined);
  if (flags.paused) given.push("paused");
  const stray = given.filter((k) => !permitted.includes(k));
  if (stray.length > 0) throw new UsageError({ problem: `strata schedule ${sub}: ${stray.map((k) => `--${k}`).join(", ")} ${stray.length === 1 ? "does" : "do"} not apply here. Run \`strata schedule --help\`.` });
  const wantPositionals = sub === "list" ? 0 : 1;
  if (positionals.length !== wantPositionals) {
    throw new UsageError({ problem: `strata schedule ${sub}: expected ${sub === "create" ? "one pipeline file" : wantPositionals === 0 ? "no arguments" : "one schedule id"}, got ${positionals.length}. Run \`strata schedule --help\`.` });
  }
  const target = temporalTarget(flags);

  // Check everything that can be checked offline before connecting.
  let create: (() => Promise<void>) | undefined;
  if (sub === "create") {
    if (flags.id === undefined) throw new UsageError({ problem: "strata schedule create: --id is required (a name for the schedule, e.g. heart-nightly)" });
    if ((flags.cron === undefined) === (flags.every === undefined)) throw new UsageError({ problem: "strata schedule create: give exactly one of --cron EXPR or --every DURATION" });
    const study = await loadPipeline(positionals[0]!, flags);
    create = () =>
      createSchedule(tc, {
        id: flags.id!,
        study,
        taskQueue: target.taskQueue,
        cron: flags.cron,
        every: flags.every,
        overlap: flags.overlap ?? "skip",
        timezone: flags.timezone ?? "UTC",
        note: flags.note ?? "",
        paused: flags.paused,
      });
  }
  if (sub === "backfill" && (flags.from === undefined || flags.to === undefined)) throw new UsageError({ problem: "strata schedule backfill: --from and --to are required" });
  if (sub === "backfill" && Date.parse(flags.from!) >= Date.parse(flags.to!)) throw new UsageError({ problem: `strata schedule backfill: --from (${flags.from}) must be before --to (${flags.to})` });

  const tc = await connectClient(target.address, target.namespace);
  const id = sub === "create" ? flags.id! : positionals[0]!;
  const done = (what: string, extra: object = {}) => {
    if (flags.json) process.stdout.write(JSON.stringify({ status: what, id, ...extra }) + "\n");
    else process.stdout.write(`schedule ${id}: ${what}\n`);
  };
  try {
    switch (sub) {
      case "create":
        await create!();
        done("created", { every: flags.every ?? null, cron: flags.cron ?? null, overlap: flags.overlap ?? "skip", timezone: flags.timezone ?? "UTC", paused: flags.paused });
        break;
      case "list": {
        const views = await listSchedules(tc);
        if (flags.json) process.stdout.write(JSON.stringify({ schedules: views }) + "\n");
        else if (views.length === 0) process.stdout.write(`no schedules in namespace "${target.namespace}" at ${target.address}\n`);
        else views.forEach((v) => printView(v, false));
        break;
      }
      case "describe": {
        const view = await describeSchedule(tc, id);
        if (flags.json) process.stdout.write(JSON.stringify(view) + "\n");
        else printView(view, true);
        break;
      }
      case "pause":
        await pauseSchedule(tc, id, flags.note ?? "paused with strata schedule pause");
        done("paused");
        break;
      case "unpause":
        await unpauseSchedule(tc, id, flags.note ?? "unpaused with strata schedule unpause");
        done("unpaused");
        break;
      case "trigger":
        await triggerSchedule(tc, id, flags.overlap);
        done("triggered");
        break;
      case "backfill":
        await backfillSchedule(tc, id, new Date(flags.from!), new Date(flags.to!), flags.overlap);
        done("backfill requested", { from: flags.from, to: flags.to });
        break;
      case "delete":
        await deleteSchedule(tc, id);
        done("deleted");
        break;
    }
    return 0;
  } finally {
    await tc.close();
  }
};
