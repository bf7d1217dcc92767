/**
 * pipelines/heart-sites-meta.ts end to end with the real CLI and store, on its reduced variant
 * (heart-sites-meta-small.pipeline.ts: the same nodes for k 0 and 10, three seeds, two meta methods, fewer
 * meta-iterations): one node per (site, k, seed); two cold processes give identical digests; adding a shot count
 * runs only the new cells (and the summary and report); the report gives a verdict per site.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fewShotReport } from "../../steps/report/few-shot-report.js";
import { runStep } from "../support/step-harness.js";
import { ContentStore } from "../../artifacts/store.js";
import type { Study } from "../../dsl/study.js";
import { SITE_NAMES } from "../../pipelines/heart-sites-common.js";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

interface RunJson {
  nodes: { id: string; step: string; cached: boolean; outputs: Record<string, string> }[];
  reports: string[];
}

const SMALL = "test/pipelines/heart-sites-meta-small.pipeline.ts";
const MORE = "test/pipelines/heart-sites-meta-more-shots.pipeline.ts";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = makeTempDir("strata-heart-sites-meta-");
  dirs.push(d);
  return d;
};
const run = async (pipeline: string, store: string): Promise<RunJson> =>
  jsonOf<RunJson>(await strata(["run", pipeline, "--store", store, "--out", path.join(store, "reports"), "--no-lock", "--json"]));

describe("pipelines/heart-sites-meta.ts", () => {
  it("declares one cell per (site, k, seed), fed by its site's meta-initializations", async () => {
    const small = (await import("./heart-sites-meta-small.pipeline.js")).default as Study;
    const cells = small.nodes.filter((n) => n.step === "evaluate.few-shot-cell");
    expect(cells.map((n) => n.id)).toEqual(SITE_NAMES.flatMap((site) => [0, 10].flatMap((k) => [1, 2, 3].map((seed) => `cell-${site.toLowerCase()}-k${k}-s${seed}`))));
    expect(cells.map((n) => n.seed)).toEqual(cells.map((n) => Number(/-s(\d+)$/.exec(n.id)![1])));
    const va = small.nodes.find((n) => n.id === "cell-va-k10-s2")!;
    expect(va.inputs.inits).toEqual([{ node: "meta-va-reptile", output: "init" }, { node: "meta-va-maml", output: "init" }]);
    expect(va.params).toMatchObject({ site: "VA", shots: 10, adapt: { steps: 5, lr: 0.1, optimizer: "sgd" } });
    const full = (await import("../../pipelines/heart-sites-meta.js")).default as Study;
    expect(full.nodes.filter((n) => n.step === "evaluate.few-shot-cell")).toHaveLength(4 * 5 * 10);
  });

  it("gives identical digests in two cold processes, runs only the new cells when a shot count is added, and reports a verdict per site", async () => {
    const [a, b] = [tempDir(), tempDir()];
    const [first, second] = await Promise.all([run(SMALL, a), run(SMALL, b)]);
    expect(first.nodes.every((n) => !n.cached)).toBe(true);
    expect(Object.fromEntries(second.nodes.map((n) => [n.id, n.outputs]))).toEqual(Object.fromEntries(first.nodes.map((n) => [n.id, n.outputs])));

    const more = await run(MORE, a);
    const ran = more.nodes.filter((n) => !n.cached).map((n) => n.id);
    expect(ran).toEqual([...SITE_NAMES.flatMap((site) => [1, 2, 3].map((seed) => `cell-${site.toLowerCase()}-k20-s${seed}`)), "few-shot", "report"]);

    const md = fs.readFileSync(path.join(a, "reports", "report.md"), "utf8");
    expect(md).toContain("## Verdict per site");
    for (const site of SITE_NAMES) expect(md).toMatch(new RegExp(`^${site}\\. Meta-learning (helps|does not help) ${site}`, "m"));
    expect(md).toMatch(/paired tests over seeds instead/);
    const html = fs.readFileSync(path.join(a, "reports", "report.html"), "utf8");
    expect(html).toContain("<svg");
    const summaryDigest = more.nodes.find((n) => n.id === "few-shot")!.outputs.summary!;
    const summary = JSON.parse(new TextDecoder().decode(new ContentStore(a).get(summaryDigest))) as {
      methods: string[];
      sites: { site: string; shots: { shots: number }[] }[];
    };
    expect(summary.methods).toEqual(["pooled", "pooled+support", "local-lr", "local-adapt", "fine-tuned", "reptile", "maml"]);
    expect(summary.sites.map((s) => [s.site, s.shots.map((k) => k.shots)])).toEqual(SITE_NAMES.map((s) => [s, [0, 10, 20]]));

    // The small-cell rule: Switzerland's query set (15 patients) is shown at minCell 10 and hidden at 16, and a
    // class of 1 to minCell - 1 patients hides the class counts.
    const params = { title: "t", metaMethods: ["reptile", "maml"] };
    const shownMd = (await runStep(fewShotReport, { summary }, { ...params, minCell: 10 })).md as string;
    expect(shownMd).toMatch(/^Switzerland\. Meta-learning/m);
    const hiddenMd = (await runStep(fewShotReport, { summary }, { ...params, minCell: 16 })).md as string;
    expect(hiddenMd).not.toMatch(/^Switzerland\. Meta-learning/m);
    expect(hiddenMd).toContain("Switzerland: its query set has fewer than 16 patients, so its figures are not shown");
    expect(hiddenMd).not.toMatch(/\| Switzerland/);
    const va = (summary as unknown as { sites: { site: string; shots: { querySize: number; queryPositives: number }[] }[] }).sites.find((s) => s.site === "VA")!.shots[0]!;
    const smallest = Math.min(va.queryPositives, va.querySize - va.queryPositives);
    const countsMd = (await runStep(fewShotReport, { summary }, { ...params, minCell: smallest + 1 })).md as string;
    expect(countsMd).toContain(`VA: query set ${va.querySize} patients (a class has fewer than ${smallest + 1}: counts hidden)`);
    expect(shownMd).toContain(`VA: query set ${va.querySize} patients (${va.queryPositives} positive)`);
  }, 120_000);
});
