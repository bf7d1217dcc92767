import { displayText } from "../dsl/display-text.js";
import { guardTerminalOutput } from "./terminal.js";

type Command = (argv: readonly string[]) => Promise<number>;

// Each command's module is imported only when that command runs: startup is most of a warm run's time, and the
// Temporal SDK alone adds about a second. This module itself imports nothing at load time (the error types pull in
// effect), so `strata --help` starts no more than the hooks and this file.
const commands: Record<string, { run: Command; summary: string }> = {
  init: { run: async (argv) => (await import("./init.js")).initCommand(argv), summary: "scaffold a study repository of your own (package.json, tsconfig, an example study)" },
  run: { run: async (argv) => (await import("./run.js")).runCommand(argv), summary: "run a study on the embedded local engine" },
  plan: { run: async (argv) => (await import("./plan.js")).planCommand(argv), summary: "print a study's plan (digest, nodes) without running it; --yaml writes it as a YAML study" },
  show: { run: async (argv) => (await import("./inspect.js")).showCommand(argv), summary: "show a recorded run (manifest)" },
  explain: { run: async (argv) => (await import("./inspect.js")).explainCommand(argv), summary: "say which cache-key components changed since the last run" },
  verify: { run: async (argv) => (await import("./inspect.js")).verifyCommand(argv), summary: "check the whole store (objects, cache entries, manifests, run records) and name every problem" },
  replay: { run: async (argv) => (await import("./audit.js")).replayCommand(argv), summary: "re-execute a recorded run in isolation and compare every output bit for bit" },
  export: { run: async (argv) => (await import("./audit.js")).exportCommand(argv), summary: "write a run as a portable bundle (--to) or a Workflow Run RO-Crate (--ro-crate)" },
  lineage: { run: async (argv) => (await import("./audit.js")).lineageCommand(argv), summary: "show the nodes, params and inputs that produced an artifact, back to raw files" },
  schedule: { run: async (argv) => (await import("./schedule.js")).scheduleCommand(argv), summary: "run a study on a Temporal schedule: create, list, describe, pause, unpause, trigger, backfill, delete" },
  models: { run: async (argv) => (await import("./models.js")).modelsCommand(argv), summary: "the model registry: list, show, history, promote, rollback" },
  runs: { run: async (argv) => (await import("./runs.js")).runsCommand(argv), summary: "the run history: every run with its data digest and promotion decisions" },
  worker: { run: async (argv) => (await import("./worker.js")).workerCommand(argv), summary: "run study nodes from a Temporal task queue (for run --engine temporal)" },
  dev: { run: async (argv) => (await import("./dev.js")).devCommand(argv), summary: "start a local Temporal dev server plus a worker" },
};

const usage = () =>
  `Usage: strata <command> [options]\n\nCommands:\n${Object.entries(commands)
    .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
    .join("\n")}\n\nRun \`strata <command> --help\` for a command's options.\n`;

/** Exit codes: 0 ok, 1 a check failed or the study failed on its data, 2 bad usage or pipeline, 70 a bug. */
export const main = async (argv: readonly string[]): Promise<number> => {
  const [name, ...rest] = argv;
  // The same words bin/strata.mjs treats as a request for this list.
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  const [{ isUserError, UsageError }, { isStoreError }] = await Promise.all([import("../dsl/errors.js"), import("../artifacts/errors.js")]);
  guardTerminalOutput(process.stdout);
  guardTerminalOutput(process.stderr);
  try {
    if (!command) throw new UsageError({ problem: `unknown command "${name}"; commands are ${Object.keys(commands).join(", ")}` });
    return await command.run(rest);
  } catch (e) {
    if (isUserError(e) || isStoreError(e)) {
      // One line, whatever the data in the message holds: a newline from a label cannot forge a second message.
      process.stderr.write(`strata: error: ${displayText(e.message)}\n`);
      return e._tag === "UsageError" || e._tag === "PipelineError" ? 2 : 1;
    }
    process.stderr.write(`strata: internal error (a bug; please report it with this trace):\n${e instanceof Error ? e.stack : String(e)}\n`);
    return 70;
  }
};
