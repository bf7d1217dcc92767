import * as path from "node:path";
import { Cause, Exit, Schema } from "effect";
import { resolveStoreRoot } from "../artifacts/store.js";
import { shortDigest } from "../artifacts/digest.js";
import { UsageError } from "../dsl/errors.js";
import { defaultConcurrency } from "../engine/local-executor.js";
import { makeEngineContext, materializeReports, runStudyLocally } from "../engine/run-study.js";
import { commonOptions, parseCommand, PositiveIntFlag } from "./args.js";
import { loadPipeline, loadTimeoutHelp, LoadTimeoutFlags, loadTimeoutOptions } from "./load-pipeline.js";
import { terminalProgress } from "./progress.js";
import { printRunSummary, runSummaryJson } from "./run-summary.js";
import { finishRun } from "../engine/finish-run.js";
import { requireWritableFolder, requireWritableStore } from "../engine/writable-folder.js";
import { frozenGate, lockAfterRun } from "../engine/audit/run-lock.js";
import { temporalOnlyFlagsGiven, temporalRunHelp, temporalRunOptions, TemporalRunFlags } from "./temporal-flags.js";

export const runHelp = `Usage: strata run <pipeline.ts | study.yaml> [options]

Runs a study on the embedded local engine (or, with --engine temporal, as a durable Temporal workflow). Each
node runs once per distinct input; finished nodes are served from the store's cache, so a rerun (or a run after
a crash) only does what changed.

Options:
  --store DIR        content-addressed store (default: $STRATA_STORE or .strata)
  --out DIR          where reports are written (default: reports/<study>)
  --concurrency N    threads for steps: nodes, and units of a node, running at once (default: number of cores; local engine only)
${loadTimeoutHelp(19)}
  --engine E         local (default) or temporal
  --frozen           fail (exit 1) unless the plan (before running) and every output digest (after) match
                     study.lock beside the pipeline; never write the lock
  --no-lock          do not record the run in study.lock
  --json             print one JSON object {status, study, manifest, run, nodes, reports, decisions} on stdout
  -h, --help         this help

Example:
  strata run pipelines/heart-disease.ts
  strata run pipelines/heart-disease.ts --engine temporal

${temporalRunHelp}`;

const RunFlags = Schema.Struct({
  store: Schema.optional(Schema.String),
  out: Schema.optional(Schema.String),
  concurrency: Schema.optional(PositiveIntFlag),
  ...LoadTimeoutFlags,
  engine: Schema.optional(Schema.Literals(["local", "temporal"])),
  ...TemporalRunFlags,
  frozen: Schema.Boolean,
  "no-lock": Schema.Boolean,
  json: Schema.Boolean,
  help: Schema.Boolean,
});

export const runCommand = async (argv: readonly string[]): Promise<number> => {
  const { flags, positionals } = parseCommand("run", argv, { ...commonOptions, out: { type: "string" }, concurrency: { type: "string" }, ...loadTimeoutOptions, frozen: { type: "boolean", default: false }, "no-lock": { type: "boolean", default: false }, engine: { type: "string" }, ...temporalRunOptions }, RunFlags);
  if (flags.help) {
    process.stdout.write(runHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError({ problem: `strata run: expected one pipeline file, got ${positionals.length}. Run \`strata run --help\`.` });
  if (flags.engine === "temporal" && flags.concurrency !== undefined) {
    throw new UsageError({ problem: "strata run: --concurrency applies to the local engine; with --engine temporal set it on each `strata worker`" });
  }
  const temporalOnly = flags.engine === "temporal" ? [] : temporalOnlyFlagsGiven(flags);
  if (temporalOnly.length > 0) throw new UsageError({ problem: `strata run: ${temporalOnly.join(", ")} ${temporalOnly.length === 1 ? "applies" : "apply"} only with --engine temporal` });
  const storeRoot = resolveStoreRoot(flags.store);
  requireWritableStore(flags.store, storeRoot);
  const study = await loadPipeline(positionals[0]!, flags);
  const outDir = requireWritableFolder("--out", flags.out ?? path.join("reports", study.plan.study));
  const refusal = flags.frozen ? frozenGate(study, flags.store) : undefined;
  if (refusal !== undefined) return void process.stderr.write(refusal), 1;
  // Loaded on demand: the Temporal SDK adds a second to startup that local runs should not pay.
  if (flags.engine === "temporal") return (await import("./temporal-run.js")).runOnTemporal(study, flags);
  const concurrency = flags.concurrency ?? defaultConcurrency();
  const ctx = makeEngineContext(study.root, storeRoot, concurrency);
  process.stderr.write(`strata: running study ${study.plan.study} (${study.plan.nodes.length} nodes, plan ${shortDigest(study.planDigest)}) with store ${ctx.store.root}\n`);
  try {
    const exit = await runStudyLocally(ctx, study, { concurrency, events: terminalProgress(process.stderr, study.plan.nodes.length) });
    if (Exit.isFailure(exit)) throw Cause.squash(exit.cause);
    const { manifestDigest, manifest } = exit.value;
    const lock = lockAfterRun(study, manifest, { frozen: flags.frozen, write: !flags["no-lock"] });
    process.stderr.write(lock.message);
    const finished = await finishRun(ctx.store, manifestDigest, manifest, { workflowId: null, scheduleId: null });
    const reports = materializeReports(ctx.store, manifest, outDir);
    if (flags.json) process.stdout.write(JSON.stringify(runSummaryJson(manifestDigest, manifest, reports, finished)) + "\n");
    else printRunSummary(process.stdout, finished, manifest, reports);
    return lock.failed ? 1 : 0;
  } finally {
    await ctx.pool.close();
  }
};
