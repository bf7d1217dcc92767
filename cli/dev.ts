import * as path from "node:path";
import { Schema } from "effect";
import { resolveStoreRoot } from "../artifacts/store.js";
import { UsageError } from "../dsl/errors.js";
import { startDevServer } from "../workers/dev-server.js";
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE } from "../workers/study-types.js";
import { resolveTemporalBinary } from "../workers/temporal-binary.js";
import { createStrataWorker, streamActivityLog } from "../workers/worker.js";
import { findProjectRoot } from "../engine/project.js";
import { commonOptions, parseCommand, PositiveIntFlag } from "./args.js";
import { defaultWorkerConcurrency } from "./temporal-flags.js";
import { onInterrupt } from "./worker.js";

export const devHelp = `Usage: strata dev [options]

Starts a local Temporal dev server and a Strata worker in this process, for running studies durably on one
machine: \`strata run <pipeline> --engine temporal\` in another terminal. The server keeps its state in a SQLite
file inside the store folder (<store>/temporal/dev.sqlite), so workflows survive a restart of \`strata dev\`.
Prints the Temporal UI address. Runs until Ctrl-C, then stops the worker and the server.

The server is the \`temporal\` CLI: $STRATA_TEMPORAL_BIN, \`temporal\` on PATH, or the one
workers/setup-temporal.sh builds into ~/.cache/strata (nothing is downloaded).

Options:
  --store DIR          content-addressed store (default: $STRATA_STORE or .strata)
  --port N             Temporal frontend port (default: 7233)
  --ui-port N          web UI port (default: 8233)
  --namespace NAME     namespace (default: ${DEFAULT_NAMESPACE})
  --task-queue NAME    task queue of the worker (default: ${DEFAULT_TASK_QUEUE})
  --concurrency N      activities (nodes, or units of a node) the worker runs at once (default: number of cores)
  --root DIR           project checkout holding the step modules (default: the one around the current folder)
  -h, --help           this help
`;

const Port = Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 65535 }));

const DevFlags = Schema.Struct({
  store: Schema.optional(Schema.String),
  port: Schema.optional(Port),
  "ui-port": Schema.optional(Port),
  namespace: Schema.optional(Schema.String),
  "task-queue": Schema.optional(Schema.String),
  concurrency: Schema.optional(PositiveIntFlag),
  root: Schema.optional(Schema.String),
  help: Schema.Boolean,
});

export const devCommand = async (argv: readonly string[]): Promise<number> => {
  const { flags, positionals } = parseCommand(
    "dev",
    argv,
    {
      ...commonOptions,
      port: { type: "string" },
      "ui-port": { type: "string" },
      namespace: { type: "string" },
      "task-queue": { type: "string" },
      concurrency: { type: "string" },
      root: { type: "string" },
    },
    DevFlags,
  );
  if (flags.help) {
    process.stdout.write(devHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError({ problem: `strata dev: takes no arguments (got ${positionals.join(" ")}). Run \`strata dev --help\`.` });
  const port = flags.port ?? 7233;
  const uiPort = flags["ui-port"] ?? 8233;
  if (port === uiPort) throw new UsageError({ problem: `strata dev: --port and --ui-port must differ (both ${port})` });
  const namespace = flags.namespace ?? DEFAULT_NAMESPACE;
  const taskQueue = flags["task-queue"] ?? DEFAULT_TASK_QUEUE;
  const storeRoot = resolveStoreRoot(flags.store);
  const root = flags.root !== undefined ? path.resolve(flags.root) : findProjectRoot(path.join(process.cwd(), "-"));
  const concurrency = flags.concurrency ?? defaultWorkerConcurrency();
  const binary = resolveTemporalBinary();
  const dbFile = path.join(storeRoot, "temporal", "dev.sqlite");

  process.stderr.write(`strata dev: starting the Temporal dev server (${binary})...\n`);
  const server = await startDevServer({ binary, dbFile, port, uiPort, namespace });
  let worker;
  try {
    worker = await createStrataWorker({ address: server.address, namespace, taskQueue, concurrency, root, storeRoot, log: streamActivityLog(process.stderr) });
  } catch (e) {
    await server.stop();
    throw e;
  }
  const w = worker;
  const addressFlag = port === 7233 ? "" : ` --address ${server.address}`;
  process.stdout.write(
    `Temporal dev server  ${server.address} (namespace ${namespace}; state in ${dbFile})\n` +
      `Temporal UI          ${server.uiAddress}\n` +
      `worker               ${w.identity}, task queue "${taskQueue}", ${concurrency} at once, store ${storeRoot}\n\n` +
      `Run a study from another terminal:\n  strata run <pipeline.ts> --engine temporal --store ${storeRoot}${addressFlag}\n` +
      `Ctrl-C stops the worker and the server.\n`,
  );

  let serverDied: number | NodeJS.Signals | undefined;
  void server.exited.then((code) => {
    if (w.worker.getState() === "RUNNING" || w.worker.getState() === "INITIALIZED") {
      serverDied = code;
      w.shutdown();
    }
  });
  const off = onInterrupt(() => w.shutdown());
  try {
    await w.run();
  } finally {
    off();
    await server.stop();
  }
  if (serverDied !== undefined) {
    process.stderr.write(`strata dev: error: the Temporal dev server exited unexpectedly (${serverDied}); the worker stopped\n`);
    return 1;
  }
  process.stderr.write("strata dev: worker and server stopped\n");
  return 0;
};
