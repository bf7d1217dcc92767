import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import { repoRoot, strata } from "../support/cli.js";
import { makeTempDir, makeTempProject } from "../support/temp-project.js";
import { corpusCases, corpusPipeline } from "./bad-input-corpus.js";

/**
 * The bad-input corpus (test/fixtures/bad-input): each case must end with one readable error naming the file,
 * node and field, a non-zero exit, and a store holding nothing partial: no temp files, every object intact,
 * no manifest, and no cache entry for the failed node.
 */
const cases = [
  { file: "missing-file.ts", exit: 1, mentions: ["no-such-file.csv", 'node "ingest"', "inputs.file", "no such data file"] },
  { file: "malformed-row.ts", exit: 1, mentions: ["malformed.csv", 'node "ingest"', "line 18", "expected 4 fields, found 3"] },
  { file: "unknown-subgroup-column.ts", exit: 2, mentions: ["unknown-subgroup-column.ts", 'node "subgroups"', "params.rules[0].column", '"agegroup"'] },
  { file: "wrong-param-type.ts", exit: 2, mentions: ["wrong-param-type.ts", 'node "holdout"', "params.testFraction", "Expected number"] },
  { file: "empty-subgroup.ts", exit: 1, mentions: ["empty-subgroup.ts", 'node "subgroups"', '"over90" has no rows'] },
  { file: "single-class-fold.ts", exit: 1, mentions: ["single-class-fold.ts", 'node "cv"', "old_female", "only class 0"] },
] as const;

describe("bad input", () => {
  it.each(cases)("$file fails with one clear message and leaves nothing partial", async ({ file, exit, mentions }) => {
    const storeDir = makeTempDir();
    const r = await strata(["run", `test/fixtures/bad-input/${file}`, "--store", storeDir, "--no-lock", "--out", path.join(storeDir, "reports")]);
    expect(r.code).toBe(exit);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("strata: error:"));
    expect(errors).toHaveLength(1);
    for (const m of mentions) expect(errors[0]).toContain(m);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace for a user mistake

    const store = new ContentStore(storeDir);
    expect(store.listTemp()).toEqual([]);
    for (const digest of store.listObjects()) expect(store.check(digest)).toBeUndefined();
    expect(fs.existsSync(path.join(storeDir, "refs"))).toBe(false);
    if (exit === 2) expect(store.listObjects()).toEqual([]); // a bad pipeline fails before anything runs
    const indexed = fs.existsSync(path.join(storeDir, "index")) ? fs.readdirSync(path.join(storeDir, "index"), { recursive: true }).filter((f) => String(f).endsWith(".json")) : [];
    const failedStep = errors[0]!.match(/\(([a-z]+\.[a-z-]+)\)/)![1];
    for (const f of indexed) {
      const entry = JSON.parse(fs.readFileSync(path.join(storeDir, "index", String(f)), "utf8")) as { step: string };
      expect(entry.step).not.toBe(failedStep);
    }
  });
});

describe("a pipeline file that cannot be loaded", () => {
  const project = makeTempProject("strata-bad-pipeline-");
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));
  const cases = [
    { name: "a syntax error", text: 'import { study } from "../dsl/study.js";\nexport default study("x", (s) => {\n', mentions: ["pipelines/broken.ts", "line 3, column 1", "Unexpected end of file"] },
    { name: "an import that does not exist", text: 'import { study } from "../dsl/studies.js";\nexport default study("x", () => {});\n', mentions: ["pipelines/broken.ts", "dsl/studies.js", "check the import paths"] },
    {
      name: "a promotion gate with a bad channel name",
      text: fs.readFileSync(path.join(repoRoot, "pipelines", "heart-retrain.ts"), "utf8").replace('"heart-retrain/logreg:champion"', '"champion"'),
      mentions: ["pipelines/broken.ts", 'node "gate"', "params.channel", 'expected a channel name "<study>/<model>:<channel>"'],
    },
  ];
  it.each(cases)("$name is one message naming the file, exit 2, nothing stored", async ({ text, mentions }) => {
    fs.writeFileSync(path.join(project, "pipelines", "broken.ts"), text);
    const storeDir = makeTempDir();
    const r = await strata(["run", "pipelines/broken.ts", "--store", storeDir, "--no-lock"], { cwd: project });
    expect(r.code).toBe(2);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("strata: error:"));
    expect(errors).toHaveLength(1);
    for (const m of mentions) expect(errors[0]).toContain(m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(storeDir, "objects"))).toBe(false);
  });
});

describe("the bad-input corpus", () => {
  const project = makeTempProject("strata-bad-corpus-");
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));
  const listing = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).sort() : []);

  it.each(corpusCases)("$name: one clear message, exit $exit, nothing partial", async ({ pipeline, args, env, exit, mentions }) => {
    if (pipeline !== undefined) fs.writeFileSync(path.join(project, "pipelines", "case.ts"), pipeline);
    const storeDir = makeTempDir();
    const before = listing(storeDir);
    const r = await strata([...(args?.[0] === "run" || args?.[0] === "rn" ? args : ["run", "pipelines/case.ts", ...(args ?? [])]), "--store", storeDir, "--no-lock", "--out", path.join(storeDir, "..", `${path.basename(storeDir)}-reports`)], { cwd: project, ...(env ? { env } : {}) });
    expect(r.code, r.stderr).toBe(exit);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("strata: error:"));
    expect(errors, r.stderr).toHaveLength(1);
    for (const m of mentions) expect(errors[0]).toContain(m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr + r.stdout).not.toContain("\u001b"); // data never reaches the terminal raw
    if (exit === 2) expect(listing(storeDir)).toEqual(before); // found before any work: the store is untouched
    const store = new ContentStore(storeDir);
    expect(store.listTemp()).toEqual([]);
    for (const digest of store.listObjects()) expect(store.check(digest)).toBeUndefined();
    expect(fs.existsSync(path.join(storeDir, "refs"))).toBe(false);
  }, 60_000);

  it("a CSV of 100,000 columns gets a message of one bounded line", async () => {
    const header = ["age", "sex", "x", "y", ...Array.from({ length: 100_000 }, (_, i) => `c${i}`)].join(",");
    fs.writeFileSync(path.join(project, "test", "fixtures", "bad-input", "wide.csv"), `${header}\n${Array(100_004).fill("1").join(",")}\n`);
    fs.writeFileSync(path.join(project, "pipelines", "case.ts"), corpusPipeline(`cohort(s, "wide.csv");`));
    const r = await strata(["run", "pipelines/case.ts", "--store", makeTempDir(), "--no-lock"], { cwd: project });
    expect(r.code).toBe(1);
    expect(r.stderr.length).toBeLessThan(2_000);
    expect(r.stderr).toContain("wide.csv");
    expect(r.stderr).toContain("100004 fields where 4 are declared");
  }, 60_000);

  it("holds at least 60 cases with the fixture files above", () => {
    expect(corpusCases.length + cases.length + 3).toBeGreaterThanOrEqual(60);
  });
});
