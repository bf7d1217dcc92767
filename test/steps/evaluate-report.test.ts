import { describe, expect, it } from "vitest";
import type { MetricsHandle } from "../../dsl/handles.js";
import { StudyGraph } from "../../dsl/study.js";
import type { SubgroupMetricsDoc } from "../../steps/evaluate/subgroup-metrics.js";
import { CODE_DIGEST_TOKEN, MANIFEST_DIGEST_TOKEN } from "../../dsl/report-provenance.js";
import { evaluationReport, reportEvaluation } from "../../steps/report/evaluation-report.js";
import { makeTable } from "../../artifacts/table.js";
import { seededRandom } from "../../engine/random.js";
import { personalization as personalizationStep } from "../../steps/evaluate/personalization.js";
import { subgroupMetrics } from "../../steps/evaluate/subgroup-metrics.js";
import { METRIC_NAMES } from "../../steps/evaluate/metrics/registry.js";
import { escapeHtml } from "../../steps/report/escape.js";
import { runStep } from "../support/step-harness.js";
import { EVIL, SMALL, syntheticEvaluation, syntheticPlan } from "./evaluate-fixtures.js";

const render = async (doc: SubgroupMetricsDoc, params: object = {}) => {
  const out = await runStep(evaluationReport, { sources: [], evaluations: [doc] }, { title: `Study ${EVIL}`, plan: syntheticPlan, highlight: ["evaluate", "report"], ...params });
  return { html: out.html as string, markdown: out.md as string, json: JSON.parse(out.json as string) as Record<string, unknown> };
};

/** The HTML table rows whose row header is `group`, as lists of cell texts. */
const htmlRows = (html: string, group: string): string[][] =>
  [...html.matchAll(/<tr><th scope="row">([^<]*)<\/th>(.*?)<\/tr>/g)]
    .filter((m) => m[1] === group)
    .map((m) => [...m[2]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]!));

const markdownRows = (markdown: string, group: string): string[][] =>
  markdown
    .split("\n")
    .filter((l) => l.startsWith(`| ${group} |`))
    .map((l) => l.split(" | ").slice(1).map((c) => c.replace(/ \|$/, "")));

describe("report.evaluation", async () => {
  const doc = await syntheticEvaluation();
  const { html, markdown, json } = await render(doc);

  it("shows every metric of the registry, MCC included, in the JSON, the HTML and the Markdown", () => {
    const evaluation = json.evaluation as SubgroupMetricsDoc;
    const overall = evaluation.results.find((r) => r.model === "personalized" && r.group === "overall")!;
    expect(overall.metrics.mcc.estimate).not.toBeNull();
    expect(evaluation.metricInfo.mcc.label).toBe("MCC");
    // MCC can be negative: its comparisons give differences and no ratios.
    const comparison = doc.comparisons.find((c) => c.model === "personalized" && c.metric === "mcc")!;
    expect(comparison.all.differenceBetweenGroups).not.toBeNull();
    expect(comparison.all.ratioBetweenGroups).toBeNull();
    for (const name of METRIC_NAMES) expect(html).toContain(`<th scope="col">${escapeHtml(evaluation.metricInfo[name].label)}</th>`);
    const mccCell = overall.metrics.mcc.estimate!.toFixed(3);
    expect(htmlRows(html, "overall").some((row) => row.some((c) => c.startsWith(mccCell)))).toBe(true);
    const header = markdown.split("\n").find((l) => l.startsWith("| Group | Model |"))!;
    expect(header).toContain("| MCC |");
    expect(markdownRows(markdown, "overall").some((row) => row.some((c) => c.startsWith(mccCell)))).toBe(true);
  });

  it("escapes names from data and params as text in HTML, SVG charts included", () => {
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>"); // nothing from data turns into markup
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("<title>Study &lt;img src=x onerror=alert(1)&gt;</title>");
    // The charts name the group too (axis labels), escaped by vega.
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g)!;
    expect(svgs.some((svg) => svg.includes("&lt;img src=x onerror=alert(1)&gt;"))).toBe(true);
  });

  it("escapes them in Markdown", () => {
    expect(markdown).not.toMatch(/(^|[^\\])<img/m);
    expect(markdown).toContain("\\<img src=x onerror=alert(1)>");
  });

  it('shows a 7-person subgroup as "< 10" in HTML and Markdown, and as null in the JSON', () => {
    const rows = htmlRows(html, SMALL);
    expect(rows.length).toBeGreaterThanOrEqual(4); // sizes, two model tables, key metrics, gains, harm
    const sizes = rows[0]!;
    expect(sizes[0]).toBe("&lt; 10"); // cohort n
    for (const row of rows.slice(1)) {
      // Every numeric cell of the group's rows is suppressed (the model name cells are text).
      const numeric = row.filter((c) => c !== "generic" && c !== "personalized");
      expect(numeric.every((c) => c === "&lt; 10"), row.join(" | ")).toBe(true);
    }
    expect(html).toMatch(new RegExp(`<td class="suppressed">&lt; 10</td>`));
    const mdRows = markdownRows(markdown, SMALL.replace("_", "\\_"));
    expect(mdRows.length).toBeGreaterThanOrEqual(3);
    for (const row of mdRows) {
      const numeric = row.filter((c) => c !== "generic" && c !== "personalized" && c !== "rare" && c !== "no");
      expect(numeric.every((c) => c === "< 10"), row.join(" | ")).toBe(true);
    }
    // The JSON report nulls the same cells, with the flag (the evaluation document keeps them).
    const evaluation = json.evaluation as SubgroupMetricsDoc;
    const small = evaluation.results.find((r) => r.group === SMALL && r.model === "generic")!.metrics.accuracy;
    expect(small.suppressed).toBe(true);
    expect([small.estimate, small.sd, small.interval, small.basis]).toEqual([null, null, null, null]);
    expect(doc.results.find((r) => r.group === SMALL && r.model === "generic")!.metrics.accuracy.estimate).toEqual(expect.any(Number));
  });

  it("leaves suppressed values out of every chart", () => {
    // The small group appears in the sizes and forest charts only with the "< 10" note, never as a bar or point.
    const smallSize = doc.sizes.find((s) => s.group === SMALL)!;
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g)!;
    for (const svg of svgs) {
      expect(svg).not.toMatch(new RegExp(`n: ${smallSize.cohortN}; group: ${SMALL}`));
      for (const m of svg.matchAll(/aria-label="([^"]*tiny_group[^"]*)"/g)) expect(m[1]).toMatch(/< 10|&lt; 10|^Y-axis|^X-axis/);
    }
  });

  it("is one self-contained page: inline SVG charts, no script, no external resource", () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("Content-Security-Policy");
    expect(html).not.toMatch(/<script|<link|<iframe|<object|url\(/i);
    const withoutNamespaces = html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, "");
    expect(withoutNamespaces).not.toMatch(/https?:\/\//);
    // Plan graph, sizes, one forest plot per key metric, calibration per shown group.
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(2 + 5 + 3);
    for (const section of ["plan", "sizes", "metrics", "gains", "harm", "calibration", "comparisons", "rare"]) expect(html).toContain(`<section id="${section}">`);
  });

  it("labels the rare-case metrics as our definitions", () => {
    expect(html).toContain("Rare cases (our definitions)");
    expect(html).toContain("RCPG (our definition)");
    expect(html).toContain("RCCE (our definition)");
    expect(markdown).toContain("RCPG (our definition)");
  });

  it("leaves provenance tokens for strata run to fill, and cites the data digests", () => {
    for (const out of [html, markdown, JSON.stringify(json)]) {
      expect(out).toContain(MANIFEST_DIGEST_TOKEN);
      expect(out).toContain(CODE_DIGEST_TOKEN);
      expect(out).toContain(doc.inputs.table);
    }
    expect(json).toMatchObject({ format: "strata-report/1", minCell: 10, plan: syntheticPlan });
  });

  it("gives identical bytes for identical input", async () => {
    const again = await render(doc);
    expect(again.html).toBe(html);
    expect(again.markdown).toBe(markdown);
  });

  it("applies its own minCell from each value's basis", async () => {
    const loose = await render(doc, { minCell: 5 });
    expect(htmlRows(loose.html, SMALL)[0]![0]).toBe("7");
  });

  it("shows envy-freeness from evaluate.personalization's document, with flags and suppression", async () => {
    const entry = (group: string, modelGroup: string, envious: boolean) => ({
      method: "dcp",
      group,
      modelGroup,
      accuracy: { mean: 0.8, sd: 0.1 },
      envy: { mean: envious ? 0.12 : -0.05, sd: 0.04 },
      envyRuns: 3,
      envyFraction: 0.6,
      mcnemar: { test: "exact-mcnemar", b: envious ? 9 : 1, c: envious ? 1 : 4, pValue: envious ? 0.0107 : 0.97, harmed: envious },
      envious,
    });
    const personalization = {
      format: "strata-metrics/1",
      metric: "personalization",
      alpha: 0.05,
      envy: [entry(EVIL, "young_male", true), entry("young_male", EVIL, false), entry(SMALL, "young_male", true)],
      envyFreeness: [],
    };
    const out = await runStep(evaluationReport, { sources: [], evaluations: [doc, personalization] }, { title: "Envy" });
    const envyHtml = out.html as string;
    expect(envyHtml).toContain('<section id="envy">');
    expect(envyHtml).not.toContain("<img");
    expect(htmlRows(envyHtml, "&lt;img src=x onerror=alert(1)&gt;").at(-1)).toEqual(["dcp", "young_male", "+0.120 ± 0.040", "9 / 1", "0.0107", "ENVIES"]);
    expect(htmlRows(envyHtml, SMALL).at(-1)!.slice(2).every((c) => c === "&lt; 10")).toBe(true);
    expect(out.md as string).toContain("| young\\_male | dcp | \\<img src=x onerror=alert(1)> | -0.050 ± 0.040 | 1 / 4 | 0.970 | envy-free |");
    // Without it, the harm section says how to get it.
    expect(html).toContain("pass evaluate.personalization");
    await expect(runStep(evaluationReport, { sources: [], evaluations: [doc, { metric: "other" }] }, { title: "x" })).rejects.toThrow(/inputs\.evaluations\[1\]/);
  });

  it("reads the envy-freeness of a real evaluate.personalization result", async () => {
    // Two groups of 20; a generic model and a DCP-like method with cross predictions (each group's model on all rows).
    const random = seededRandom(3, "envy-integration");
    const group = [...Array<string>(20).fill("a"), ...Array<string>(20).fill("b")];
    const target = group.map((_, i) => i % 2);
    const table = makeTable([
      { name: "target", type: "int", values: target },
      { name: "subgroup", type: "string", values: group },
    ]);
    const lines = (prob: (row: number, modelGroup: string) => number, cross: boolean) => {
      const out: { rep: number; row: number; prob: number; g: string }[] = [];
      for (let rep = 0; rep < 3; rep++) {
        for (let row = 0; row < 40; row++) {
          for (const g of cross ? ["a", "b"] : [group[row]!]) out.push({ rep, row, prob: prob(row, g), g });
        }
      }
      const columns = [
        { name: "replicate", type: "int" as const, values: out.map((l) => l.rep) },
        { name: "seed", type: "int" as const, values: out.map((l) => l.rep + 1) },
        { name: "fold", type: "int" as const, values: out.map(() => 0) },
        { name: "row", type: "int" as const, values: out.map((l) => l.row) },
        { name: "prob", type: "float" as const, values: out.map((l) => l.prob) },
      ];
      return makeTable(cross ? [...columns, { name: "model_group", type: "string" as const, values: out.map((l) => l.g) }] : columns);
    };
    const noisy = (row: number) => Math.min(1, Math.max(0, 0.5 + (target[row]! - 0.5) * 0.4 + (random() - 0.5) * 0.5));
    // b's rows: a's model is right, b's own model is always wrong → b envies a.
    const dcpProb = (row: number, g: string) => (group[row] === "b" && g === "b" ? 1 - target[row]! : target[row]! === 1 ? 0.8 : 0.2);
    const generic = lines((row) => noisy(row), false);
    const dcp = lines((row) => dcpProb(row, group[row]!), false);
    const cross = lines(dcpProb, true);
    const pers = (await runStep(personalizationStep, { table, predictions: [generic, dcp, cross] }, { target: "target", subgroup: "subgroup", methods: ["dcp"], cross: ["dcp"], bootstrapResamples: 50 }))
      .metrics as object;
    const depth = (await runStep(subgroupMetrics, { table, predictions: [dcp, generic] }, { models: ["dcp", "generic"], reference: "generic", target: "target", subgroup: "subgroup", resamples: 20 }))
      .metrics as object;
    const out = await runStep(evaluationReport, { sources: [], evaluations: [depth, pers] }, { title: "Envy, end to end" });
    expect(htmlRows(out.html as string, "b").at(-1)).toEqual(expect.arrayContaining(["dcp", "a", "ENVIES"]));
    expect(htmlRows(out.html as string, "a").at(-1)).toEqual(expect.arrayContaining(["dcp", "b", "envy-free"]));
  });

  it("fails with a readable message on another metrics document", async () => {
    await expect(runStep(evaluationReport, { sources: [], evaluations: [{ format: "strata-metrics/1", metric: "by-subgroup" }] }, { title: "x" })).rejects.toThrow(/inputs\.evaluations\[0\].*subgroup-metrics/);
  });

  it("builder: passes the plan so far plus itself, and highlights the evaluation and the report", () => {
    const graph = new StudyGraph("s", 0);
    graph.nodes.push({ id: "train", step: "train.mlp", moduleUrl: "file:///x", params: {}, inputs: { split: { source: "data.csv" } }, outputs: {}, seed: 0 });
    graph.nodes.push({ id: "evaluate", step: "evaluate.subgroup-metrics", moduleUrl: "file:///y", params: {}, inputs: { predictions: [{ node: "train", output: "predictions" }] }, outputs: { metrics: "metrics" }, seed: 0 });
    const evaluation = { kind: "metrics", ref: { node: "evaluate", output: "metrics" }, study: graph } as MetricsHandle;
    const out = reportEvaluation(evaluation, { title: "T" });
    expect(out.html.ref).toEqual({ node: "report-evaluation", output: "html" });
    expect(graph.nodes.at(-1)!.params).toMatchObject({
      plan: [
        { id: "train", step: "train.mlp", inputs: [] },
        { id: "evaluate", step: "evaluate.subgroup-metrics", inputs: ["train"] },
        { id: "report-evaluation", step: "report.evaluation", inputs: ["evaluate"] },
      ],
      highlight: ["evaluate", "report-evaluation"],
    });
  });
});
