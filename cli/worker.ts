import * as path from "node:path";
import { Schema } from "effect";
import { resolveStoreRoot } from "../artifacts/store.js";
import { UsageError } from "../dsl/errors.js";
import { createStrataWorker, streamActivityLog } from "../workers/worker.js";
import { findProjectRoot } from "../engine/project.js";
import { commonOptions, parseCommand, PositiveIntFlag } from "./args.js";
import { defaultWorkerConcurrency, TemporalConnectionFlags, temporalConnectionHelp, temporalConnectionOptions, temporalTarget } from "./temporal-flags.js";

export const workerHelp = `Usage: strata worker [options]

Polls a Temporal task queue and runs study nodes: the study workflow (plan interpretation) and one activity per
node, which looks the node up in the store's cache or runs its step in this worker's thread pool. Start as many
workers as you like, on as many machines, as long as each sees the same project checkout and the same store.
Runs until Ctrl-C (running steps get 3 s, then are cancelled and retried on another worker).

Options:
${temporalConnectionHelp}
  --concurrency N      activities (nodes, or units of a node) this worker runs at once (default: number of cores)
  --store DIR          content-addressed store shared by all workers (default: $STRATA_STORE or .strata)
  --root DIR           project checkout holding the step modules (default: the one around the current folder)
  -h, --help           this help

Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, STRATA_STORE; STRATA_TEMPORAL_LOG=WARN|INFO|DEBUG shows SDK logs.

Example:
  strata worker --address temporal.lab:7233 --store /shared/strata --concurrency 4
`;

const WorkerFlags = Schema.Struct({
  ...TemporalConnectionFlags,
  concurrency: Schema.optional(PositiveIntFlag),
  store: Schema.optional(Schema.String),
  root: Schema.optional(Schema.String),
  help: Schema.Boolean,
});

/** Stops `stop` on the first SIGINT/SIGTERM; a second one exits at once. Returns a function removing the handlers. */
export const onInterrupt = (stop: () => void): (() => void) => {
  let asked = false;
  const handler = (signal: NodeJS.Signals) => {
    if (asked) process.exit(130);
    asked = true;
    process.stderr.write(`\nstrata: ${signal}: shutting down (again to force)\n`);
    stop();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
};

export const workerCommand = async (argv: readonly string[]): Promise<number> => {
  const { flags, positionals } = parseCommand(
    "worker",
    argv,
    { ...commonOptions, ...temporalConnectionOptions, concurrency: { type: "string" }, root: { type: "string" } },
    WorkerFlags,
  );
  if (flags.help) {
    process.stdout.write(workerHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError({ problem: `strata worker: takes no arguments (got ${positionals.join(" ")}). Run \`strata worker --help\`.` });
  const target = temporalTarget(flags);
  const concurrency = flags.concurrency ?? defaultWorkerConcurrency();
  const root = flags.root !== undefined ? path.resolve(flags.root) : findProjectRoot(path.join(process.cwd(), "-"));
  const storeRoot = resolveStoreRoot(flags.store);
  const w = await createStrataWorker({ ...target, concurrency, root, storeRoot, log: streamActivityLog(process.stderr) });
  process.stderr.write(
    `strata worker ${w.identity}: polling task queue "${target.taskQueue}" on ${target.address} (namespace ${target.namespace}); ` +
      `${concurrency} at once; store ${storeRoot}; project ${root}\n`,
  );
  const off = onInterrupt(() => w.shutdown());
  try {
    await w.run();
  } finally {
    off();
  }
  process.stderr.write("strata worker: stopped\n");
  return 0;
};
