import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";
import { killChildren, runStrata, startTestServer, strata } from "../temporal/support.js";
import { copyHeartDisease, installPackedStrata, ok, sh } from "./install-packed.js";

// The packed and installed Strata (test/package/install-packed.ts), run where a user would run it. Takes 2–3
// minutes on a 2-core machine under load: ~20 s npm pack (tsc, esbuild), ~40 s npm install, the rest a few study
// runs and three tsc checks.

const CUSTOM_STEP = `import { addNode, defineStep, Schema, type Columns, type NodeOptions, type TableHandle } from "strata";
import { makeTable } from "strata/artifacts/table";
import { readColumns, takeRows } from "strata/steps/preprocess/columns";

/** Keeps the people at least \`min\` years old. */
export const minimumAgeStep = defineStep({
  kind: "example.minimum-age",
  module: import.meta.url,
  params: Schema.Struct({ min: Schema.Number }),
  inputs: { table: "table" },
  outputs: { table: "table" },
  run: (inputs, params, ctx) => {
    const cols = readColumns(inputs.table.table(), ctx);
    const age = cols.get("age", "params.min");
    const keep: number[] = [];
    for (let r = 0; r < age.values.length; r++) if ((age.values[r] as number) >= params.min) keep.push(r);
    return { table: makeTable(takeRows(cols.all, Int32Array.from(keep))) };
  },
});

export const minimumAge = <C extends Columns & { readonly age: "float" }>(table: TableHandle<C>, params: { readonly min: number }, options?: NodeOptions): TableHandle<C> =>
  addNode(table.study, minimumAgeStep, { table }, params, options).table("table", table.columns);
`;

// The holdout split passed where the subgroups step wants a table: tsc must reject it.
const MISWIRED = `import { study } from "strata";
import { readCsv } from "strata/steps/ingest/csv";
import { defineSubgroups } from "strata/steps/subgroups/define";
import { stratifiedHoldout } from "strata/steps/split/holdout";

export default study("miswired", (s) => {
  const raw = readCsv(s, { path: "data/example.csv", columns: [{ name: "age", type: "float" }, { name: "outcome", type: "int" }], header: true });
  const holdout = stratifiedHoldout(raw, { testFraction: 0.25 });
  defineSubgroups(holdout, { rules: [{ column: "age", cuts: [60], labels: ["young", "old"] }], target: "outcome" });
});
`;

let work: string;
let study: string;

interface RunJson {
  readonly nodes: readonly { readonly id: string; readonly cached: boolean; readonly outputs: Readonly<Record<string, string>> }[];
}

/** Every output digest of a run, by "node.output". */
const outputDigests = (j: RunJson): Record<string, string> =>
  Object.fromEntries(j.nodes.flatMap((n) => Object.entries(n.outputs).map(([output, digest]) => [`${n.id}.${output}`, digest])));

const runStudy = (): { ran: string[]; cached: string[] } => {
  const j = JSON.parse(ok(sh("npx", ["strata", "run", "pipelines/example.ts", "--json"], study)).stdout) as RunJson;
  return { ran: j.nodes.filter((n) => !n.cached).map((n) => n.id), cached: j.nodes.filter((n) => n.cached).map((n) => n.id) };
};

beforeAll(() => {
  work = makeTempDir("strata-package-");
  study = installPackedStrata(repoRoot, work);
}, 600_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe("strata as an installed package", () => {
  it("packs compiled JavaScript and declarations, and no sources, tests or data", () => {
    const installed = path.join(study, "node_modules/strata");
    const files = sh("find", [".", "-type", "f"], installed).stdout.split("\n").filter(Boolean);
    expect(files).toContain("./dist/dsl/index.js");
    expect(files).toContain("./dist/dsl/index.d.ts");
    expect(files).toContain("./bin/strata.mjs");
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual(["./dist/templates/init/pipelines/example.ts"]);
    expect(files.filter((f) => f.startsWith("./test") || f.startsWith("./data") || f.startsWith("./pipelines"))).toEqual([]);
  });

  it("scaffolds a study that runs, and reruns from the cache", () => {
    for (const f of ["package.json", "tsconfig.json", ".gitignore", "README.md", "pipelines/example.ts", "data/example.csv"]) expect(fs.existsSync(path.join(study, f)), f).toBe(true);
    expect(fs.readFileSync(path.join(study, ".gitignore"), "utf8")).toContain(".strata/");
    const cold = runStudy();
    expect(cold.cached).toEqual([]);
    expect(cold.ran).toEqual(["ingest", "drop-missing", "subgroups", "holdout", "cv", "train-logreg", "evaluate", "report"]);
    expect(runStudy().ran).toEqual([]);
    // The hooks installed under node_modules/strata transpiled the study's TypeScript and cached it in the
    // study's node_modules.
    expect(fs.readdirSync(path.join(study, "node_modules/.cache/strata/ts")).length).toBeGreaterThan(0);
    // The installed command scaffolds too (its templates ship in dist/).
    ok(sh("npx", ["strata", "init", "../second-study"], study));
    expect(fs.readFileSync(path.join(work, "second-study/pipelines/example.ts"), "utf8")).toBe(fs.readFileSync(path.join(study, "pipelines/example.ts"), "utf8"));
  });

  it("type-checks the study against Strata's types and rejects a miswired one", () => {
    ok(sh("npx", ["tsc", "--noEmit"], study));
    fs.writeFileSync(path.join(study, "pipelines/miswired.ts"), MISWIRED);
    const r = sh("npx", ["tsc", "--noEmit"], study);
    fs.rmSync(path.join(study, "pipelines/miswired.ts"));
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/pipelines\/miswired\.ts\(9,/);
  });

  it("runs a custom step of the study's own and recomputes only it and its dependants when it is edited", () => {
    fs.mkdirSync(path.join(study, "steps"), { recursive: true });
    fs.writeFileSync(path.join(study, "steps/minimum-age.ts"), CUSTOM_STEP);
    const pipeline = path.join(study, "pipelines/example.ts");
    const text = fs.readFileSync(pipeline, "utf8");
    fs.writeFileSync(
      pipeline,
      text
        .replace('import { study } from "strata";', 'import { study } from "strata";\nimport { minimumAge } from "../steps/minimum-age.js";')
        .replace("dropMissing(raw,", 'dropMissing(minimumAge(raw, { min: 35 }, { id: "adults" }),'),
    );
    ok(sh("npx", ["tsc", "--noEmit"], study));
    const added = runStudy();
    expect(added.cached).toEqual(["ingest"]);
    expect(added.ran[0]).toBe("adults");
    expect(runStudy().ran).toEqual([]);

    fs.writeFileSync(path.join(study, "steps/minimum-age.ts"), CUSTOM_STEP.replace(">= params.min", "> params.min"));
    const explained = ok(sh("npx", ["strata", "explain", "pipelines/example.ts"], study)).stdout;
    expect(explained).toMatch(/adults: changed\n\s+code file steps\/minimum-age\.ts: /);
    expect(explained).toMatch(/ingest: unchanged/);
    const edited = runStudy();
    expect(edited.cached).toEqual(["ingest"]);
    expect(edited.ran).toEqual(["adults", "drop-missing", "subgroups", "holdout", "cv", "train-logreg", "evaluate", "report"]);
  });

  it("keys Strata's own steps by the installed package, so a changed installed Strata changes them", () => {
    const csv = path.join(study, "node_modules/strata/dist/steps/ingest/csv.js");
    fs.appendFileSync(csv, "\n// patched\n");
    const explained = ok(sh("npx", ["strata", "explain", "pipelines/example.ts"], study)).stdout;
    expect(explained).toMatch(/ingest: changed\n\s+package strata: "0\.1\.0 sha256:([0-9a-f]{64})" → "0\.1\.0 sha256:(?!\1)[0-9a-f]{64}"/);
    // The study's own step imports strata too, so its key follows the installed package as well.
    expect(explained).toMatch(/adults: changed\n\s+package strata: /);
  });

  it("serves a warm heart-disease run from its bundles with the output digests of the sources CLI, and prints its help", () => {
    const pipeline = copyHeartDisease(repoRoot, study);
    const store = path.join(work, "sources-store");
    const run = (cli: string, cwd: string, storeDir: string) =>
      JSON.parse(ok(sh(process.execPath, [cli, "run", pipeline, "--store", storeDir, "--out", path.join(storeDir, "reports"), "--no-lock", "--json"], cwd)).stdout) as RunJson;
    const fromSources = run(path.join(repoRoot, "bin/strata.mjs"), repoRoot, store);
    const installedCli = path.join(study, "node_modules/strata/bin/strata.mjs");
    const studyStore = path.join(study, ".strata-heart");
    expect(run(installedCli, study, studyStore).nodes.filter((n) => n.cached)).toEqual([]);
    const warm = run(installedCli, study, studyStore);
    expect(warm.nodes.filter((n) => !n.cached).map((n) => n.id)).toEqual([]);
    expect(outputDigests(warm)).toEqual(outputDigests(fromSources));
    expect(Object.keys(outputDigests(warm)).length).toBeGreaterThan(10);

    const help = ok(sh("npx", ["strata", "--help"], study)).stdout;
    expect(help).toMatch(/^\s+run\s+run a study on the embedded local engine$/m);
  });

  it("serves an unchanged pipeline's plan from its plan cache without running its code, and runs a changed or ambient one", () => {
    const cli = path.join(study, "node_modules/strata/bin/strata.mjs");
    const planDigestOf = (file: string) => /^plan\s+([0-9a-f]{64})$/m.exec(ok(sh(process.execPath, [cli, "plan", file], study)).stdout)?.[1];
    const example = fs.readFileSync(path.join(repoRoot, "templates/init/pipelines/example.ts"), "utf8");
    fs.writeFileSync(path.join(study, "pipelines/cached.ts"), example);
    // It reads the clock, so its plan may differ from run to run: never cached.
    fs.writeFileSync(path.join(study, "pipelines/ambient.ts"), `${example}\nexport const loadedAt = Date.now();\n`);
    const digest = planDigestOf("pipelines/cached.ts");
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(planDigestOf("pipelines/ambient.ts")).toBe(digest);

    // What a loader thread would run is the pipelines' transpiled code: broken, only a cached plan still loads.
    const transpiled = path.join(study, "node_modules/.cache/strata/ts");
    const saved = new Map(fs.readdirSync(transpiled).map((f) => [f, fs.readFileSync(path.join(transpiled, f))]));
    for (const f of saved.keys()) fs.writeFileSync(path.join(transpiled, f), 'throw new Error("the transpiled pipeline ran");\n');
    try {
      expect(planDigestOf("pipelines/cached.ts")).toBe(digest);
      const ambient = sh(process.execPath, [cli, "plan", "pipelines/ambient.ts"], study);
      expect(ambient.code).not.toBe(0);
      expect(ambient.stderr).toContain("the transpiled pipeline ran");
      // An edited pipeline is transpiled and run afresh, and its plan follows the edit.
      fs.writeFileSync(path.join(study, "pipelines/cached.ts"), example.replace('seed: 7 }', 'seed: 8 }'));
      const edited = planDigestOf("pipelines/cached.ts");
      expect(edited).toMatch(/^[0-9a-f]{64}$/);
      expect(edited).not.toBe(digest);
    } finally {
      for (const [f, bytes] of saved) fs.writeFileSync(path.join(transpiled, f), bytes);
    }
    // Back to the first text: the first plan, from the cache again.
    fs.writeFileSync(path.join(study, "pipelines/cached.ts"), example);
    expect(planDigestOf("pipelines/cached.ts")).toBe(digest);
  });

  it("runs a study durably on Temporal with the installed worker, with the local run's digests", async () => {
    const cli = path.join(study, "node_modules/strata/bin/strata.mjs");
    const run = ["run", "pipelines/example.ts", "--no-lock", "--json"];
    const local = JSON.parse(ok(sh(process.execPath, [cli, ...run, "--store", path.join(work, "local-example-store")], study)).stdout) as RunJson;
    const server = await startTestServer();
    try {
      const store = path.join(work, "temporal-store");
      // The worker bundles the workflow code from the package's own copy of it (dist/workflow-sources/).
      const worker = strata(["worker", "--address", server.address, "--store", store, "--concurrency", "1"], {}, study, cli);
      await worker.waitFor(/polling task queue/, 120_000);
      const durable = await runStrata([...run, "--engine", "temporal", "--address", server.address, "--store", store], {}, study, cli);
      expect(durable.stderr).not.toMatch(/internal error/);
      expect(durable.code).toBe(0);
      expect(outputDigests(JSON.parse(durable.stdout) as RunJson)).toEqual(outputDigests(local));
    } finally {
      killChildren();
      await server.stop();
    }
  }, 300_000);
});

