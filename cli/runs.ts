import { Schema } from "effect";
import { shortDigest } from "../artifacts/digest.js";
import { ContentStore, resolveStoreRoot } from "../artifacts/store.js";
import { UsageError } from "../dsl/errors.js";
import { listRuns, type RunRecord, type UnreadableRun } from "../engine/run-history.js";
import { commonOptions, parseCommand, PositiveIntFlag } from "./args.js";

export const runsHelp = `Usage: strata runs list [options]

The run history of a store: every finished run (local, Temporal, scheduled), oldest first, with what ran, the
digest of the data it read, and what its promotion gates decided.

Options:
  --store DIR      content-addressed store (default: $STRATA_STORE or .strata)
  --study NAME     only this study's runs
  --schedule ID    only runs started by this schedule
  --last N         only the newest N runs
  --json           print {"runs": [...]} on stdout, each with its manifest, data digest, decisions and reports
  -h, --help       this help
`;

const Flags = Schema.Struct({
  store: Schema.optional(Schema.String),
  study: Schema.optional(Schema.String),
  schedule: Schema.optional(Schema.String),
  last: Schema.optional(PositiveIntFlag),
  json: Schema.Boolean,
  help: Schema.Boolean,
});

const decisionText = (r: RunRecord): string =>
  r.decisions.length === 0 ? "-" : r.decisions.map((d) => `${d.channel} ${d.status}${d.blockedBy.length > 0 ? ` (${d.blockedBy.join(", ")})` : ""}`).join("; ");

export const runsCommand = async (argv: readonly string[]): Promise<number> => {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    process.stdout.write(runsHelp);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "list") throw new UsageError({ problem: `strata runs: unknown subcommand "${sub}"; expected list. Run \`strata runs --help\`.` });
  const { flags, positionals } = parseCommand("runs list", rest, { ...commonOptions, study: { type: "string" }, schedule: { type: "string" }, last: { type: "string" } }, Flags);
  if (flags.help) return void process.stdout.write(runsHelp), 0;
  if (positionals.length > 0) throw new UsageError({ problem: `strata runs list: takes no arguments (got ${positionals.join(" ")}); filter with --study or --schedule` });
  const store = new ContentStore(resolveStoreRoot(flags.store));
  const unreadable: UnreadableRun[] = [];
  let runs = listRuns(store, flags.study, (u) => unreadable.push(u)).filter((r) => flags.schedule === undefined || r.record.scheduleId === flags.schedule);
  if (flags.last !== undefined) runs = runs.slice(-flags.last);
  for (const u of unreadable) process.stderr.write(`strata: warning: skipped the run record ${u.ref}: ${u.problem}\n`);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ runs: runs.map((r) => ({ record: r.digest, ...r.record })), unreadable }) + "\n");
    return 0;
  }
  if (runs.length === 0) {
    process.stdout.write(`no recorded runs in ${store.root}${flags.study ? ` for study ${flags.study}` : ""}\n`);
    return 0;
  }
  for (const { record: r } of runs) {
    const origin = r.scheduleId ? `schedule ${r.scheduleId}` : r.executor;
    process.stdout.write(
      `${r.startedAt}  ${r.study}  ${origin}  ${r.ran.length} ran / ${r.cached} cached  data ${shortDigest(r.data)}  manifest ${shortDigest(r.manifest)}  gate: ${decisionText(r)}\n`,
    );
  }
  return 0;
};
