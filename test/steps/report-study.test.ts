import { describe, expect, it } from "vitest";
import { DataError } from "../../dsl/errors.js";
import type { MetricsHandle } from "../../dsl/handles.js";
import { StudyGraph } from "../../dsl/study.js";
import { escapeHtml, escapeMarkdown } from "../../steps/report/escape.js";
import { reportStudy, studyReport } from "../../steps/report/study-report.js";
import { runStep } from "../support/step-harness.js";

const EVIL = "<img src=x onerror=alert(1)>";

const meanSd = (mean: number | null, sd: number | null, replicates = 25) => ({ mean, sd, replicates });
const summary = (model: string, group: string, nMin: number, nMax: number, acc: number) => ({
  model,
  group,
  replicates: 25,
  nMin,
  nMax,
  nTotal: 25 * nMin,
  positivesMin: 1,
  positivesTotal: 25,
  accuracy: meanSd(acc, 0.05),
  auroc: meanSd(0.9, 0.04),
  brier: meanSd(0.12, 0.02),
});

const metrics = {
  format: "strata-metrics/1",
  metric: "by-subgroup",
  threshold: 0.5,
  models: ["logreg", "mlp"],
  groups: ["overall", EVIL, "old_female", "young_male"],
  perReplicate: [],
  summary: [
    ...["logreg", "mlp"].flatMap((m) => [
      summary(m, "overall", 59, 60, 0.8312),
      summary(m, EVIL, 12, 14, 0.75),
      summary(m, "old_female", 1, 3, 0.6),
      summary(m, "young_male", 28, 32, 0.7604),
    ]),
  ],
};
const counts = {
  groups: [
    { name: EVIL, n: 60, positives: 30 },
    { name: "old_female", n: 7, positives: 4 },
    { name: "young_male", n: 150, positives: 145 },
  ],
};

const render = async (params: object = { title: `Heart ${EVIL}` }) => {
  const out = await runStep(studyReport, { metrics, counts }, params);
  return { html: out.html as string, markdown: out.markdown as string };
};

describe("escaping helpers", () => {
  it("escapes HTML metacharacters", () => {
    expect(escapeHtml(`a<b>&"c'`)).toBe("a&lt;b&gt;&amp;&quot;c&#39;");
  });
  it("keeps Markdown cells literal: no pipes, no formatting, no raw HTML, one line", () => {
    expect(escapeMarkdown("a|b*c_d[e](f)\nx #1")).toBe("a\\|b\\*c\\_d\\[e\\](f) x \\#1");
    expect(escapeMarkdown(EVIL)).toBe("\\<img src=x onerror=alert(1)>");
    expect(escapeMarkdown("</b> <!-- &amp; &#60; a & b")).toBe("\\</b> \\<!-- \\&amp; &\\#60; a & b"); // "&#60;" loses its "#" to an escape: literal text either way
    expect(escapeMarkdown("< 10 and 3 < 4")).toBe("< 10 and 3 < 4");
  });
});

describe("report.study", () => {
  it("escapes subgroup names and the title in HTML", async () => {
    const { html } = await render();
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("<title>Heart &lt;img src=x onerror=alert(1)&gt;</title>");
  });

  it("escapes them in Markdown too", async () => {
    const { markdown } = await render();
    expect(markdown).not.toMatch(/(^|[^\\])<img/);
    expect(markdown).toContain("| \\<img src=x onerror=alert(1)> |");
  });

  it("is one self-contained HTML file: inline CSS, no scripts, no external fetches", async () => {
    const { html } = await render();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("<style>");
    // The escaped subgroup name is text that mentions "src="; everything else must hold no reference to fetch.
    const markup = html.replaceAll("&lt;img src=x onerror=alert(1)&gt;", "");
    expect(markup).not.toMatch(/<script|<link|<iframe|<img|src=|href=|url\(|@import|https?:/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it("suppresses a 7-person subgroup's counts and metrics in HTML and Markdown", async () => {
    const { html, markdown } = await render();
    const htmlRow = html.split("\n").find((l) => l.includes(">old_female<"))!;
    expect(htmlRow).toBeDefined();
    expect(htmlRow).not.toMatch(/>\s*[0-9]/); // no number in any cell
    expect(htmlRow.match(/&lt; 10/g)).toHaveLength(3 + 3 * 2); // n, positives, test n; 3 metrics × 2 models
    const mdRow = markdown.split("\n").find((l) => l.startsWith("| old\\_female |"))!;
    expect(mdRow).toBeDefined();
    expect(mdRow.split("|").slice(2, -1).map((c) => c.trim())).toEqual(new Array(9).fill("< 10"));
  });

  it("shows large groups as numbers, mean ± sd, and suppresses positives whose complement is small", async () => {
    const { markdown } = await render();
    const overall = markdown.split("\n").find((l) => l.startsWith("| overall |"))!;
    // overall n and positives are summed from the groups: 217 people, 179 positive, 38 negative
    expect(overall).toBe("| overall | 217 | 179 | 59–60 | 83.12 ± 5.00 | 0.900 ± 0.040 | 0.120 ± 0.020 | 83.12 ± 5.00 | 0.900 ± 0.040 | 0.120 ± 0.020 |");
    const young = markdown.split("\n").find((l) => l.startsWith("| young\\_male |"))!;
    expect(young.split("|")[3]!.trim()).toBe("< 10"); // 145 positives of 150: 5 negatives could be derived
    expect(young.split("|")[2]!.trim()).toBe("150");
  });

  it("uses minCell from params", async () => {
    const { markdown } = await render({ title: "t", minCell: 5 });
    const row = markdown.split("\n").find((l) => l.startsWith("| old\\_female |"))!;
    expect(row).toContain("| 7 |");
    expect(row).toContain("< 5");
  });

  it("is deterministic", async () => {
    const a = await render();
    const b = await render();
    expect(a).toEqual(b);
  });

  it("rejects inputs that are not by-subgroup metrics", async () => {
    await expect(runStep(studyReport, { metrics: { hello: 1 }, counts }, { title: "t" })).rejects.toThrow(DataError);
    await expect(runStep(studyReport, { metrics: { hello: 1 }, counts }, { title: "t" })).rejects.toThrow(/inputs\.metrics: expected by-subgroup metrics/);
  });

  it("builder adds a report node with html and markdown outputs", () => {
    const graph = new StudyGraph("report-builder", 1);
    const m = (node: string) => ({ kind: "metrics", ref: { node, output: "metrics" }, study: graph }) as MetricsHandle;
    const out = reportStudy(m("evaluate"), m("subgroups"), { title: "Heart" });
    expect(out.html.kind).toBe("report");
    expect(out.markdown.ref).toEqual({ node: "study", output: "markdown" });
    expect(graph.nodes[0]!.params).toEqual({ title: "Heart", minCell: 10 });
  });
});
