import * as os from "node:os";
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from "@temporalio/worker";
import { UsageError } from "../dsl/errors.js";
import type { PlanNode } from "../dsl/plan.js";
import { makeEngineContext } from "../engine/run-study.js";
import type { EngineContext } from "../engine/node-runner.js";
import { createActivities, type ActivityLog } from "./activities.js";
import { workflowBundlePath } from "./bundle.js";
import { probeAddress, unreachable } from "./errors.js";

export interface StrataWorkerOptions {
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  /** Node activities this worker runs at once; also the size of its step thread pool. */
  readonly concurrency: number;
  /** The project checkout whose step modules the plans name (the same checkout as the submitting machine). */
  readonly root: string;
  /** The content-addressed store, shared by every worker and the client. */
  readonly storeRoot: string;
  readonly log?: ActivityLog;
  readonly identity?: string;
}

export interface StrataWorker {
  readonly worker: Worker;
  readonly ctx: EngineContext;
  readonly identity: string;
  /** Polls until shutdown() (or a fatal error); closes the connection and the step pool when done. */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * Installs the SDK runtime once per process: SDK logs at ERROR unless STRATA_TEMPORAL_LOG names another level,
 * and no signal handlers of its own (the CLI decides how Ctrl-C shuts things down, e.g. `strata dev` stops the
 * worker before the server).
 */
export const ensureTemporalRuntime = (): void => {
  try {
    const level = (process.env.STRATA_TEMPORAL_LOG?.toUpperCase() ?? "ERROR") as LogLevel;
    Runtime.install({
      logger: new DefaultLogger(level, (entry) => process.stderr.write(`[temporal ${entry.level}] ${entry.message}${entry.meta ? ` ${JSON.stringify(entry.meta)}` : ""}\n`)),
      shutdownSignals: [],
    });
  } catch {
    // already installed in this process
  }
};

/**
 * Connects to Temporal and builds a worker for the study workflow and the node activity. The workflow code comes
 * from the ahead-of-time bundle; activities share one engine context (store, code digests, step pool).
 */
export const createStrataWorker = async (options: StrataWorkerOptions): Promise<StrataWorker> => {
  ensureTemporalRuntime();
  await probeAddress(options.address, options.namespace);
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address: options.address });
  } catch (e) {
    throw unreachable(options.address, options.namespace, e);
  }
  let workflowBundle: { codePath: string };
  try {
    workflowBundle = { codePath: await workflowBundlePath() };
  } catch (e) {
    await connection.close();
    throw e;
  }
  const ctx = makeEngineContext(options.root, options.storeRoot, options.concurrency);
  // A worker serves many activities: its step threads start now, so the first one does not wait for them.
  ctx.pool.start();
  const identity = options.identity ?? `${process.pid}@${os.hostname()}`;
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      identity,
      workflowBundle,
      activities: createActivities(ctx, options.log),
      maxConcurrentActivityTaskExecutions: options.concurrency,
      // Workflow tasks are tiny; after a worker dies its sticky queue is abandoned sooner than the 10 s default.
      stickyQueueScheduleToStartTimeout: "5s",
      // Ctrl-C: running steps get a moment, then are cancelled and retried by another worker.
      shutdownGraceTime: "3s",
    });
  } catch (e) {
    await ctx.pool.close();
    await connection.close();
    if (e instanceof Error && /namespace/i.test(e.message)) {
      throw new UsageError({ problem: `Temporal at ${options.address} has no namespace "${options.namespace}": ${e.message.split("\n")[0]}` });
    }
    throw unreachable(options.address, options.namespace, e);
  }
  return {
    worker,
    ctx,
    identity,
    run: async () => {
      try {
        await worker.run();
      } finally {
        await ctx.pool.close();
        await connection.close();
      }
    },
    shutdown: () => {
      if (worker.getState() === "RUNNING") worker.shutdown();
    },
  };
};

/** The log lines `strata worker` prints on stderr, one per event; `label` is "<study>/<node>". */
export const streamActivityLog = (out: NodeJS.WritableStream): ActivityLog => {
  const label = (node: PlanNode) => node.id;
  const line = (text: string) => out.write(`${text}\n`);
  return {
    started: (node, attempt) => line(`  ▶ ${label(node)} (${node.step}) running, attempt ${attempt}`),
    finished: (r, attempt) => line(`  ${r.cached ? "✓" : "●"} ${r.id}${r.cached ? " (cached)" : ""} ${r.seconds.toFixed(2)}s${attempt > 1 ? `, attempt ${attempt}` : ""}`),
    failed: (node, attempt, message, retryable) => line(`  ✗ ${label(node)} attempt ${attempt} failed${retryable ? " (will be retried if attempts remain)" : " (not retryable)"}: ${message}`),
    cancelled: (node, attempt, reason) => line(`  ■ ${label(node)} attempt ${attempt} cancelled (${reason}); its step was stopped`),
    message: (node, text) => line(`    ${label(node)}: ${text}`),
    part: (node, part, attempt) => line(`  ▶ ${label(node)} ${part} running, attempt ${attempt}`),
    partFinished: (node, part, seconds, attempt) => line(`  ● ${label(node)} ${part} ${seconds.toFixed(2)}s${attempt > 1 ? `, attempt ${attempt}` : ""}`),
    ran: (text) => line(`  ■ ${text}`),
  };
};
