/**
 * The heart bias-modulation study end to end. The full study (pipelines/heart-bias-modulation.ts, 25 replicates ×
 * (Generic + 4 DCP models + a two-stage conditional-bias model) at the paper's sizes) takes many minutes on 2 cores,
 * so the CLI runs here use its small variant (heart-bias-modulation-small.pipeline.ts: the same nodes, ids and
 * upstream, smaller and shorter trainings). That the full study shares heart-disease's upstream nodes is checked on
 * its plan: the same step, params, inputs and seed per node give the same cache key.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Study } from "../../dsl/study.js";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

interface RunJson {
  status: string;
  nodes: { id: string; step: string; cached: boolean; outputs: Record<string, string> }[];
  reports: string[];
}

const UPSTREAM = ["ingest", "drop-missing", "encode", "target", "subgroups", "holdout", "cv"];
const SMALL = "test/pipelines/heart-bias-modulation-small.pipeline.ts";

const run = async (pipeline: string, store: string): Promise<RunJson> =>
  jsonOf<RunJson>(await strata(["run", pipeline, "--store", store, "--out", path.join(store, "reports"), "--no-lock", "--json"]));

const byId = (r: RunJson) => new Map(r.nodes.map((n) => [n.id, n]));

describe("pipelines/heart-bias-modulation.ts", () => {
  it("declares the heart-disease study's upstream nodes exactly, then Generic, DCP, conditional bias, the paper-format evaluation and report, and the depth evaluation and report", async () => {
    const heart = (await import("../../pipelines/heart-disease.js")).default as Study;
    const bias = (await import("../../pipelines/heart-bias-modulation.js")).default as Study;
    const strip = (s: Study, id: string) => {
      const n = s.nodes.find((x) => x.id === id)!;
      return { step: n.step, moduleUrl: n.moduleUrl, params: n.params, inputs: n.inputs, seed: n.seed };
    };
    for (const id of UPSTREAM) expect(strip(bias, id)).toEqual(strip(heart, id));
    expect(bias.nodes.map((n) => `${n.id}:${n.step}`)).toEqual([
      ...UPSTREAM.map((id) => `${id}:${heart.nodes.find((n) => n.id === id)!.step}`),
      "train-generic:train.mlp",
      "train-dcp:train.dcp",
      "train-cond-bias:train.conditional-bias",
      "evaluate:evaluate.personalization",
      "report:report.personalization",
      "evaluate-depth:evaluate.subgroup-metrics",
      "report-depth:report.evaluation",
    ]);
    // One label predictor for all three methods; the attribute predictor's documented deviation; minCell 5.
    const params = (id: string) => bias.nodes.find((n) => n.id === id)!.params as Record<string, unknown>;
    const labelPredictor = { layers: [64, 64, 64, 64, 64, 64], dropout: 0.2, learningRate: 0.001, epochs: 100, batchSize: 32, patience: 10 };
    expect(params("train-generic")).toMatchObject(labelPredictor);
    expect(params("train-dcp")).toMatchObject(labelPredictor);
    expect(params("train-cond-bias")).toMatchObject({ label: labelPredictor, attribute: { layers: [64, 64, 64, 64, 64, 64] }, k: 1 });
    expect(bias.nodes.find((n) => n.id === "train-cond-bias")!.seed).toBe(bias.nodes.find((n) => n.id === "train-generic")!.seed);
    expect(params("report")).toMatchObject({ minCell: 5, published: { claimFor: "cond-bias" } });
    // The deviation is declared on the plan, with the value the node really has, and read by both reports' Methods.
    for (const report of ["report", "report-depth"]) {
      expect((params(report).methods as { deviations: unknown[] }).deviations).toEqual([
        expect.objectContaining({ node: "train-cond-bias", param: "attribute.layers", planned: [64, 64, 64, 64, 64, 64] }),
      ]);
    }
    // The depth evaluation scores the three methods' predictions against Generic; its report also reads the
    // personalization metrics (for envy-freeness).
    expect(params("evaluate-depth")).toMatchObject({ models: ["cond-bias", "dcp", "generic"], reference: "generic", rareBelow: 0.15, minCell: 5 });
    const node = (id: string) => bias.nodes.find((n) => n.id === id)!;
    expect(node("evaluate-depth").inputs.predictions).toEqual(["train-cond-bias", "train-dcp", "train-generic"].map((id) => ({ node: id, output: "predictions" })));
    expect(node("report-depth").inputs.evaluations).toEqual([{ node: "evaluate-depth", output: "metrics" }, { node: "evaluate", output: "metrics" }]);
  });

  it("reuses heart-disease's ingest .. cv by cache hit, and trains identically in two cold processes", async () => {
    const shared = makeTempDir("strata-heart-bias-");
    const other = makeTempDir("strata-heart-bias-");
    // heart-disease fills `shared`; at the same time a separate process runs the small study cold in `other`.
    const [heart, coldOther] = await Promise.all([run("pipelines/heart-disease.ts", shared), run(SMALL, other)]);
    const cold = await run(SMALL, shared);

    const h = byId(heart);
    const c = byId(cold);
    for (const id of UPSTREAM) {
      expect(c.get(id)!.cached, id).toBe(true);
      expect(c.get(id)!.outputs).toEqual(h.get(id)!.outputs);
    }
    const trained = ["train-generic", "train-dcp", "train-cond-bias", "evaluate", "report", "evaluate-depth", "report-depth"];
    for (const id of trained) expect(c.get(id)!.cached, id).toBe(false);

    // Two cold runs in separate processes and stores: identical model, prediction, metric and report digests.
    expect(coldOther.nodes.every((n) => !n.cached)).toBe(true);
    expect(cold.nodes.map((n) => [n.id, n.outputs])).toEqual(coldOther.nodes.map((n) => [n.id, n.outputs]));
    expect(Object.keys(c.get("train-dcp")!.outputs).sort()).toEqual(["cross", "models", "predictions"]);

    // Warm: everything from the cache.
    const warm = await run(SMALL, shared);
    expect(warm.nodes.every((n) => n.cached)).toBe(true);

    // Two reports: the paper-format table (report.*) and the depth report (report-depth.*, loaded in a browser by
    // test/report/browser.test.ts).
    expect(cold.reports.map((r) => path.basename(r)).sort()).toEqual(["report-depth.html", "report-depth.json", "report-depth.md", "report.html", "report.md"]);
    const report = (name: string) => fs.readFileSync(cold.reports.find((r) => path.basename(r) === name)!, "utf8");

    // The paper-format report: our table beside the paper's numbers, with harm flags and verdicts.
    const md = report("report.md");
    const html = report("report.html");
    for (const name of ["old_female", "old_male", "young_female", "young_male"]) {
      const group = name.replace("_", "\\\\_"); // Markdown escapes "_" as "\_"; this is that, as a regex
      expect(md).toMatch(new RegExp(`\\| ${group} \\| \\d+ \\| \\d+ \\| \\d+\\.\\d\\d ± \\d+\\.\\d\\d \\|`));
      expect(md).toMatch(new RegExp(`^${group}: (AGREES|DISAGREES) with the paper\\.`, "m"));
    }
    expect(md).toContain("| Group | Cohort n | Test n | Cond. bias (%) | DCP (%) | Generic (%) | Cond. bias gain (points) | DCP gain (points) |");
    expect(md).toContain("| old\\_female | 8 | 64.50 ± 16.81 | 52.50 ± 14.60 | 44.00 ± 36.47 | +20.50 ± 34.39 | +8.50 ± 19.79 |");
    expect(md).toContain("Envy-freeness of DCP");
    expect(md).toMatch(/no harm \(raw p = |HARMED \(raw p/);
    expect(html).toContain("The paper&#39;s published numbers");
  }, 900_000);
});
