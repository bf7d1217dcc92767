import * as path from "node:path";
import { shortDigest } from "../artifacts/digest.js";
import { resolveStoreRoot } from "../artifacts/store.js";
import { UsageError } from "../dsl/errors.js";
import { activityPollers, connectClient, StudyWorkflowError, submitStudy, waitForStudy } from "../workers/client.js";
import type { StudyProgress, StudyWorkflowInput } from "../workers/study-types.js";
import type { LoadedStudy } from "../engine/load-study.js";
import { lockAfterRun } from "../engine/audit/run-lock.js";
import { readManifest } from "../engine/manifest.js";
import { makeEngineContext, materializeReports } from "../engine/run-study.js";
import { printRunSummary, runSummaryJson } from "./run-summary.js";
import { durationMs, temporalTarget, type TemporalRunFlagValues } from "./temporal-flags.js";

/** Progress on stderr in the local executor's format, from the workflow's progress query. */
const progressPrinter = (out: NodeJS.WriteStream, total: number) => {
  const started = new Set<string>();
  const finished = new Set<string>();
  return (p: StudyProgress) => {
    for (const id of p.running) {
      if (started.has(id) || finished.has(id)) continue;
      started.add(id);
      out.write(`  ▶ ${id} running\n`);
    }
    for (const r of p.finished) {
      if (finished.has(r.id)) continue;
      finished.add(r.id);
      out.write(`  ${r.cached ? "✓" : "●"} [${finished.size}/${total}] ${r.id}${r.cached ? " (cached)" : ""} ${r.seconds.toFixed(2)}s\n`);
    }
  };
};

/**
 * `strata run --engine temporal`: submits (or attaches to) the study workflow, waits while printing progress,
 * then records the run in study.lock and writes the reports of the manifest the workflow's finish activity recorded
 * (executor "temporal") exactly as a local run does, and prints the same summary or --json plus the workflow id.
 */
export const runOnTemporal = async (
  study: LoadedStudy,
  flags: TemporalRunFlagValues & { readonly store?: string | undefined; readonly out?: string | undefined; readonly json: boolean; readonly frozen: boolean; readonly "no-lock": boolean },
): Promise<number> => {
  const target = temporalTarget(flags);
  const heartbeat = flags["heartbeat-timeout"];
  const startToClose = flags["start-to-close"];
  if (heartbeat !== undefined && startToClose !== undefined && durationMs(heartbeat) >= durationMs(startToClose)) {
    throw new UsageError({ problem: `strata run: --heartbeat-timeout (${heartbeat}) must be shorter than --start-to-close (${startToClose})` });
  }
  const input: StudyWorkflowInput = {
    plan: study.plan,
    planDigest: study.planDigest,
    pipeline: study.pipeline,
    activity: {
      ...(startToClose !== undefined ? { startToCloseTimeout: startToClose as never } : {}),
      ...(heartbeat !== undefined ? { heartbeatTimeout: heartbeat as never } : {}),
      retry: {
        ...(flags["max-attempts"] !== undefined ? { maximumAttempts: flags["max-attempts"] } : {}),
        ...(flags["retry-initial"] !== undefined ? { initialInterval: flags["retry-initial"] as never } : {}),
        ...(flags["retry-max-interval"] !== undefined ? { maximumInterval: flags["retry-max-interval"] as never } : {}),
        ...(flags["retry-backoff"] !== undefined ? { backoffCoefficient: flags["retry-backoff"] } : {}),
      },
    },
  };
  // The client needs no step pool; a context of size 1 gives the store and this machine's environment.
  const ctx = makeEngineContext(study.root, resolveStoreRoot(flags.store), 1);
  const tc = await connectClient(target.address, target.namespace);
  let detach: (() => void) | undefined;
  try {
    const sub = await submitStudy(tc, input, target.taskQueue);
    process.stderr.write(
      `strata: ${sub.attached ? "attached to the running" : "started"} study ${study.plan.study} (${study.plan.nodes.length} nodes, plan ${shortDigest(study.planDigest)}) ` +
        `as Temporal workflow ${sub.workflowId} on ${target.address}, task queue "${target.taskQueue}"\n`,
    );
    const pollers = await activityPollers(tc, target.taskQueue).catch(() => -1);
    if (pollers === 0) {
      process.stderr.write(`strata: no worker polls task queue "${target.taskQueue}" yet; the study waits until one does (start one with \`strata worker --store ${ctx.store.root}\`)\n`);
    }
    const printProgress = progressPrinter(process.stderr, study.plan.nodes.length);
    // Ctrl-C leaves the study running on the workers: say how to come back to it or stop it.
    detach = () => {
      process.stderr.write(
        `\nstrata: stopped waiting; study workflow ${sub.workflowId} keeps running. Run the same command again to attach, ` +
          `or cancel it with: temporal workflow cancel --workflow-id ${sub.workflowId} --address ${target.address} --namespace ${target.namespace}\n`,
      );
      process.exit(130);
    };
    process.once("SIGINT", detach);
    let result;
    try {
      result = await waitForStudy(sub, printProgress);
      printProgress({ finished: result.nodes, running: [] });
    } catch (e) {
      if (e instanceof StudyWorkflowError) {
        process.stderr.write(`strata: error: ${e.message}\n`);
        return 1;
      }
      throw e; // a user or store error rebuilt from the workflow's failure: main prints it as a local run would
    }
    const missing = result.nodes.flatMap((n) => Object.values(n.outputs).filter((o) => !ctx.store.has(o.digest)).map((o) => `${n.id}: ${o.digest}`));
    if (missing.length > 0) {
      throw new UsageError({
        problem: `the study finished on the workers, but ${missing.length} of its outputs are not in ${ctx.store.root} (e.g. ${missing[0]}); ` +
          "pass --store with the store the workers write to",
      });
    }
    if (result.finish === undefined) throw new Error(`study workflow ${sub.workflowId} returned no finished run; are the workers older than this client?`);
    const finished = result.finish;
    const { manifest } = readManifest(ctx.store, finished.manifest);
    process.stderr.write(lockAfterRun(study, finished.manifest, manifest, ctx.store, { frozen: flags.frozen, write: !flags["no-lock"] }));
    const reports = materializeReports(ctx.store, manifest, path.resolve(flags.out ?? path.join("reports", manifest.study)));
    if (flags.json) {
      process.stdout.write(JSON.stringify({ ...runSummaryJson(finished.manifest, manifest, reports, finished), executor: "temporal", workflowId: sub.workflowId, attached: sub.attached }) + "\n");
    } else {
      printRunSummary(process.stdout, finished, manifest, reports);
      process.stdout.write(`workflow ${sub.workflowId}\n`);
    }
    return 0;
  } finally {
    if (detach) process.off("SIGINT", detach);
    await tc.close();
    await ctx.pool.close();
  }
};
