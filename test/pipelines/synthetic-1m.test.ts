/**
 * pipelines/synthetic-1m.ts's builder at 4,000 patients through the real CLI and store: the heart protocol's nodes
 * (holdout, 25 CV replicates, logistic regression, evaluation with 1000 resamples, report) on a planted cohort, and
 * the comparison with the truth: logistic regression, which ignores the subgroup, falls further short of the
 * Bayes-optimal accuracy in young_female (thal defect reversed) than in young_male (the shared rule).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import type { AgainstTruthDoc } from "../../steps/evaluate/against-truth.js";
import type { SubgroupMetricsDoc } from "../../steps/evaluate/subgroup-metrics/document.js";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("pipelines/synthetic-1m.ts (at 4,000 patients)", () => {
  it("runs the heart protocol with logistic regression on the planted cohort and compares it with the truth", async () => {
    const dir = makeTempDir("strata-synthetic-1m-");
    dirs.push(dir);
    const run = jsonOf<{ nodes: { id: string; outputs: Record<string, string> }[] }>(
      await strata(["run", "test/pipelines/synthetic-1m-small.pipeline.ts", "--store", path.join(dir, "store"), "--out", path.join(dir, "out"), "--no-lock", "--json"]),
    );
    expect(run.nodes.map((n) => n.id)).toEqual(["cohort", "holdout", "cv", "train-logreg", "evaluate", "report", "against-truth", "report-truth"]);
    const store = new ContentStore(path.join(dir, "store"));
    const output = (node: string, name: string): unknown => JSON.parse(new TextDecoder().decode(store.get(run.nodes.find((n) => n.id === node)!.outputs[name]!)));
    const metrics = output("evaluate", "metrics") as SubgroupMetricsDoc;
    expect(metrics.params.resamples).toBe(1000);
    const comparison = output("against-truth", "comparison") as AgainstTruthDoc;
    expect(comparison.groups.map((g) => [g.group, g.planted])).toEqual([["old_female", true], ["old_male", true], ["young_female", true], ["young_male", false]]);
    expect(comparison.groups.reduce((sum, g) => sum + g.cohortN, 0)).toBe(4000);
    const regret = (group: string) => comparison.groups.find((g) => g.group === group)!.methods[0]!.accuracyRegret!;
    expect(regret("young_female")).toBeGreaterThan(0.04);
    expect(regret("young_female")).toBeGreaterThan(regret("young_male") + 0.03);
    expect(fs.readFileSync(path.join(dir, "out", "report-truth.md"), "utf8")).toContain("| young\\_female (planted) |");
    expect(fs.readFileSync(path.join(dir, "out", "report.md"), "utf8")).toContain("Planted heart cohort (4,000 synthetic patients)");
  }, 240_000);
});
