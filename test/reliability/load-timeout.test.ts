import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { strata } from "../support/cli.js";
import { makeTempDir, makeTempProject } from "../support/temp-project.js";

/**
 * Every command that loads a pipeline file takes --load-timeout (cli/load-pipeline.ts): the same flag, default,
 * help line and message, so none of them hangs on a builder that never returns.
 */
const PIPELINE = "pipelines/loop.ts";
const project = makeTempProject("strata-load-timeout-");
fs.writeFileSync(path.join(project, PIPELINE), 'import { study } from "../dsl/study.js";\nexport default study("loop", () => {\n  for (;;) {}\n});\n');
const store = makeTempDir();

const COMMANDS: readonly { readonly name: string; readonly args: readonly string[] }[] = [
  { name: "run", args: ["run", PIPELINE, "--store", store, "--no-lock"] },
  { name: "plan", args: ["plan", PIPELINE] },
  { name: "explain", args: ["explain", PIPELINE, "--store", store] },
  { name: "schedule create", args: ["schedule", "create", PIPELINE, "--id", "loop", "--every", "1h"] },
];

const TIMED_OUT = `strata: error: ${PIPELINE}: did not finish loading within 1 s; look for an endless loop in the study builder or a top-level await that never settles (if the file is just slow to load, raise --load-timeout or STRATA_LOAD_TIMEOUT)\n`;

describe("--load-timeout on every command that loads a pipeline", () => {
  it.each(COMMANDS)("strata $name: a builder that never returns ends at the flag's timeout, exit 2, one message", async ({ args }) => {
    const r = await strata([...args, "--load-timeout", "1"], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(TIMED_OUT);
  }, 30_000);

  it.each(COMMANDS)("strata $name: STRATA_LOAD_TIMEOUT sets the same timeout", async ({ args }) => {
    const r = await strata(args, { cwd: project, env: { STRATA_LOAD_TIMEOUT: "1" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(TIMED_OUT);
  }, 30_000);

  it.each(COMMANDS)("strata $name: --help shows the flag and its default; a bad value is a usage error", async ({ args }) => {
    const help = await strata([...args.slice(0, args[0] === "schedule" ? 2 : 1), "--help"], { cwd: project });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}--load-timeout S +seconds the pipeline file may take to load \(default: \$STRATA_LOAD_TIMEOUT or 60\)$/m);
    const bad = await strata([...args, "--load-timeout", "0"], { cwd: project });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^strata: error: strata .+: --load-timeout: .*greater than 0.*, got "0"\. Run `strata .+ --help`\.\n$/);
  }, 30_000);
});
