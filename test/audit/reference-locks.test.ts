// The numbers of the reference studies, held to their committed study.lock files through the real CLI: every
// table, model, metric and report digest a cold run computes on this machine must be the one committed, so a
// change anywhere fails CI unless the lock was updated on purpose (`npm run locks`) in the same commit.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lockPathFor, readLock } from "../../engine/audit/lock.js";
import { REFERENCE_STUDIES } from "../../scripts/reference-studies.mjs";
import { repoRoot, strata } from "../support/cli.js";
import { makeTempDir, makeTempProject } from "../support/temp-project.js";

const HEART = "pipelines/heart-disease.ts";
const temps: string[] = [];
const temp = (make: () => string): string => {
  const dir = make();
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

// One cold store for the whole file: the studies share their upstream nodes by cache hit, as in `npm run locks`.
const store = temp(() => makeTempDir("strata-reference-store-"));
const frozenRun = (pipeline: string, cwd = repoRoot) =>
  strata(["run", pipeline, "--frozen", "--store", store, "--out", path.join(store, "reports", path.basename(pipeline))], { cwd });

describe("the reference studies reproduce their committed study.lock", () => {
  for (const pipeline of REFERENCE_STUDIES) {
    it(`${pipeline}: a cold --frozen run gives every locked output digest and leaves the lock untouched`, async () => {
      const lockFile = lockPathFor(path.join(repoRoot, pipeline));
      const before = fs.readFileSync(lockFile);
      expect(readLock(lockFile)?.studies[pipeline], `${path.relative(repoRoot, lockFile)} has no entry for ${pipeline}; run \`npm run locks\` and commit it`).toBeDefined();
      const r = await frozenRun(pipeline);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("outputs match");
      expect(fs.readFileSync(lockFile)).toEqual(before);
    });
  }
});

describe("a deliberate change to a preprocessing constant fails the frozen check, naming the node", () => {
  it("in the pipeline (a param): refused before anything runs, naming the node, even in an empty store", async () => {
    const project = temp(() => makeTempProject("strata-reference-param-"));
    const common = path.join(project, "pipelines", "heart-common.ts");
    const source = fs.readFileSync(common, "utf8");
    expect(source).toContain("cuts: [60]");
    fs.writeFileSync(common, source.replace("cuts: [60]", "cuts: [61]"));
    const lock = fs.readFileSync(path.join(project, "pipelines", "study.lock"));
    // A fresh machine's store does not hold the locked plan: the lock's node digests name the node by themselves.
    const empty = temp(() => makeTempDir("strata-reference-empty-"));
    const r = await strata(["run", HEART, "--frozen", "--store", empty], { cwd: project });
    expect(r.code).toBe(1);
    // The changed node, and the report whose Methods section quotes the subgroup rule (a param derived from the plan).
    expect(r.stderr.match(/^ {4}node [a-z-]+(?=:)/gm), r.stderr).toEqual(["    node subgroups", "    node report"]);
    expect(r.stderr).toContain("node subgroups: step, params, inputs or seed: entry ");
    expect(r.stderr).not.toContain("[1/11]");
    expect(fs.readFileSync(path.join(project, "pipelines", "study.lock"))).toEqual(lock);
  });

  it("in a step's code (same plan): the run finishes, then fails with exit 1, naming each moved node and output with both digests", async () => {
    const project = temp(() => makeTempProject("strata-reference-code-"));
    const step = path.join(project, "steps", "preprocess", "ordinal-encode.ts");
    const source = fs.readFileSync(step, "utf8");
    expect(source).toContain("[level, j]");
    // Codes start at 1 instead of 0: the plan is the same, the encoded table (and all that follows) is not.
    fs.writeFileSync(step, source.replace("[level, j]", "[level, j+1]"));
    const lockFile = path.join(project, "pipelines", "study.lock");
    const lockBefore = fs.readFileSync(lockFile);
    const locked = readLock(lockFile)!.studies[HEART]!;
    const r = await frozenRun(HEART, project);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`differ from pipelines/study.lock (the plan matches; the lock was not written)`);
    const now = r.stderr.match(/node encode, output table: locked ([0-9a-f]{64}), now ([0-9a-f]{64})/);
    expect(now, r.stderr).not.toBeNull();
    expect(now![1]).toBe(locked.nodes["encode"]!["table"]);
    expect(now![2]).not.toBe(now![1]);
    // The mapping is the same levels; only the codes moved. Nodes upstream of the change are not named.
    expect(r.stderr).not.toMatch(/node (ingest|drop-missing), output/);
    expect(r.stderr).toContain("without --frozen");
    expect(fs.readFileSync(lockFile)).toEqual(lockBefore);
  });
});
