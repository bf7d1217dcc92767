/**
 * The rare-weighted study end to end with the real CLI and store: what the issue says must hold on the planted
 * cohort (weighting raises the rare subgroup's sensitivity by a margin whose interval excludes 0, and the report
 * states what it cost the common subgroups), two cold runs give identical digests, and the weight sweep's cells
 * are cached separately (adding a strength trains only it).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SubgroupMetricsDoc } from "../../steps/evaluate/subgroup-metrics.js";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

interface RunJson {
  status: string;
  nodes: { id: string; cached: boolean; outputs: Record<string, string> }[];
}

const PIPELINE = "pipelines/rare-weighted.ts";
const run = async (pipeline: string, store: string): Promise<RunJson> =>
  jsonOf<RunJson>(await strata(["run", pipeline, "--store", store, "--out", path.join(store, "reports"), "--no-lock", "--json"]));
const outputsOf = (r: RunJson) => Object.fromEntries(r.nodes.map((n) => [n.id, n.outputs]));

describe("pipelines/rare-weighted.ts", () => {
  // The first test's cold store, reused by the second (a third full run would only repeat the first).
  const coldStore = makeTempDir("strata-rare-weighted-");
  const otherStore = makeTempDir("strata-rare-weighted-");
  afterAll(() => {
    for (const dir of [coldStore, otherStore]) fs.rmSync(dir, { recursive: true, force: true });
  });
  let coldOutputs: Record<string, Record<string, string>> = {};

  it("weighting raises the rare subgroup's sensitivity (interval excludes 0), reports the cost to the others, and reruns cold to the same digests", async () => {
    const first = coldStore;
    const second = otherStore;
    const [a, b] = await Promise.all([run(PIPELINE, first), run(PIPELINE, second)]);
    expect(a.status).toBe("succeeded");
    expect(outputsOf(b)).toEqual(outputsOf(a));
    coldOutputs = outputsOf(a);

    const report = JSON.parse(fs.readFileSync(path.join(first, "reports", "report.json"), "utf8")) as { evaluation: SubgroupMetricsDoc };
    const doc = report.evaluation;
    const gain = (model: string, group: string, metric: string) => doc.gains.find((g) => g.model === model && g.group === group && g.metric === metric)!;
    const rareSensitivity = gain("utility-1", "rare", "sensitivity");
    expect(rareSensitivity.estimate!).toBeGreaterThan(0.2);
    expect(rareSensitivity.interval![0]).toBeGreaterThan(0);
    expect(rareSensitivity.suppressed).toBe(false);
    // What it cost: the rare subgroup's specificity falls, with an interval below 0; harm tests cover every subgroup.
    expect(gain("utility-1", "rare", "specificity").interval![1]).toBeLessThan(0);
    expect(new Set(doc.harm.filter((h) => h.model === "utility-1").map((h) => h.group))).toEqual(new Set(doc.groups));
    expect(doc.prevalenceUtilityRarity!.cells.filter((c) => c.rare).map((c) => [c.group, c.label])).toEqual([["rare", 1]]);
    expect(doc.netBenefit!.curves.filter((c) => c.group === "rare").map((c) => c.model)).toEqual(doc.models);

    const md = fs.readFileSync(path.join(first, "reports", "report.md"), "utf8");
    expect(md).toContain("## Net benefit (decision curves)");
    expect(md).toContain("Rare cells of this cohort: (rare, label 1).");
    expect(md).toMatch(/## Harm tests/);
  }, 300_000);

  it("adding a weight strength to the sweep trains only it", async () => {
    const after = await run("test/pipelines/rare-weighted-extra-strength.pipeline.ts", coldStore);
    const ran = after.nodes.filter((n) => !n.cached).map((n) => n.id);
    expect(ran).toEqual(["train-utility-2", "evaluate", "report"]);
    for (const n of after.nodes.filter((x) => x.cached)) expect(n.outputs).toEqual(coldOutputs[n.id]);
  }, 240_000);
});
