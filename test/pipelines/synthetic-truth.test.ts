/**
 * pipelines/synthetic-truth.ts through the real CLI and store: in the planted cohort, DCP (one model per group)
 * recovers group c's reversed rule and Generic (which ignores the group) does not; in the unplanted groups every
 * method is near the Bayes-optimal accuracy; the comparison's Bayes figures are the truth document's, its method
 * figures the evaluation's; the report prints the verdict and the same numbers.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import type { AgainstTruthDoc } from "../../steps/evaluate/against-truth.js";
import type { SubgroupMetricsDoc } from "../../steps/evaluate/subgroup-metrics/document.js";
import { fixed } from "../../steps/report/renderer.js";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

interface RunJson {
  nodes: { id: string; outputs: Record<string, string> }[];
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("pipelines/synthetic-truth.ts", () => {
  it("finds that DCP recovers the planted subgroup rule and Generic does not, against the Bayes-optimal figures", async () => {
    const dir = makeTempDir("strata-synthetic-truth-");
    dirs.push(dir);
    const runJson = jsonOf<RunJson>(await strata(["run", "pipelines/synthetic-truth.ts", "--store", path.join(dir, "store"), "--out", path.join(dir, "out"), "--no-lock", "--json"]));
    const store = new ContentStore(path.join(dir, "store"));
    const output = (node: string, name: string): unknown => JSON.parse(new TextDecoder().decode(store.get(runJson.nodes.find((n) => n.id === node)!.outputs[name]!)));
    const comparison = output("against-truth", "comparison") as AgainstTruthDoc;
    const truth = output("cohort", "truth") as { subgroups: { subgroup: string; level: string; n: number; accuracy: number; auroc: number }[] };
    const metrics = output("evaluate", "metrics") as SubgroupMetricsDoc;

    expect(comparison.groups.map((g) => [g.group, g.planted])).toEqual([["a", false], ["b", false], ["c", true]]);
    for (const g of comparison.groups) {
      const t = truth.subgroups.find((x) => x.subgroup === "group" && x.level === g.group)!;
      expect([g.cohortN, g.bayesAccuracy, g.bayesAuroc]).toEqual([t.n, t.accuracy, t.auroc]);
      for (const m of g.methods) {
        const r = metrics.results.find((x) => x.model === m.model && x.group === g.group)!;
        expect(m.accuracy).toBe(r.metrics.accuracy.estimate);
        expect(m.accuracyRegret).toBeCloseTo(g.bayesAccuracy - r.metrics.accuracy.estimate!, 12);
      }
    }
    const regret = (group: string, model: string) => comparison.groups.find((g) => g.group === group)!.methods.find((m) => m.model === model)!.accuracyRegret!;
    // Group c's effects are reversed: a pooled model is wrong there, one model per group is not.
    expect(regret("c", "generic")).toBeGreaterThan(0.15);
    expect(regret("c", "dcp")).toBeLessThan(0.08);
    for (const group of ["a", "b"]) for (const model of comparison.models) expect(Math.abs(regret(group, model)), `${model} in ${group}`).toBeLessThan(0.06);
    expect(comparison.recovers.dcp).toBe(true);
    expect(comparison.recovers.generic).toBeNull();
    expect(comparison.groups.find((g) => g.group === "c")!.methods.find((m) => m.model === "dcp")!.gapClosed!).toBeGreaterThan(0.7);

    const md = fs.readFileSync(path.join(dir, "out", "report.md"), "utf8");
    expect(md).toContain("DCP recovers the planted difference in c");
    const c = comparison.groups.find((g) => g.group === "c")!;
    const dcp = c.methods.find((m) => m.model === "dcp")!;
    expect(md).toContain(`| c (planted) | ${c.cohortN} | ${c.testN} | ${fixed(c.bayesAccuracy, 3)} |`);
    expect(md).toContain(`${fixed(dcp.accuracy!, 3)} (+${fixed(dcp.accuracyRegret!, 3)})`);
  }, 150_000);
});
