import { describe, expect, it } from "vitest";
import { personalization } from "../../steps/evaluate/personalization.js";
import { personalizationReport } from "../../steps/report/personalization-report.js";
import { runStep } from "../support/step-harness.js";
import { GROUP, harmless, hurtsB, labelsTable, reference } from "./evaluate-personalization.fixtures.js";

const EVIL = "<img src=x onerror=alert(1)>";

const metricsFor = async (groups: readonly string[] = GROUP) =>
  (
    await runStep(
      personalization,
      { table: labelsTable(groups), predictions: [reference, harmless, hurtsB] },
      { target: "target", subgroup: "subgroup", methods: ["harmless", "hurts-b"], cross: [], adjust: "none" },
      4,
    )
  ).metrics as object;

const counts = (a: string, b: string) => ({ groups: [{ name: a, n: 6, positives: 3 }, { name: b, n: 6, positives: 3 }] });

const published = {
  source: "A paper, Table 1",
  claimFor: "harmless",
  rows: [
    { group: "a", n: 6, accuracy: { harmless: { mean: 90, sd: 5 }, generic: { mean: 80, sd: 4 } }, gain: { harmless: { mean: 10, sd: 3 }, "hurts-b": { mean: -1, sd: 2 } } },
    { group: "b", n: 6, accuracy: { harmless: { mean: 85, sd: 5 } }, gain: { harmless: { mean: 5, sd: 1 } } },
  ],
};

const render = async (params: object, groups: readonly string[] = GROUP) => {
  const metrics = await metricsFor(groups);
  const [a, b] = [...new Set(groups)].sort();
  const out = await runStep(personalizationReport, { sources: [], metrics, counts: counts(a!, b!) }, { title: "Study <1>", ...params });
  return { html: out.html as string, md: out.md as string };
};

describe("report.personalization", () => {
  // The fixture's cross table is not wired in here (no cross labels), so this report has no envy table.
  it("puts our table in the paper's format beside the published one, with harm flags and per-subgroup verdicts", async () => {
    const { html, md } = await render({ minCell: 5, published, names: { harmless: "Harmless", "hurts-b": "Hurts B", generic: "Generic" }, notes: ["A note."] });
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/<script|<link|src=/i);
    expect(html).toContain("<title>Study &lt;1&gt;</title>");
    for (const h of ["Harmless (%)", "Hurts B (%)", "Generic (%)", "Harmless gain (points)", "Hurts B gain (points)", "Hurts B: harm test"]) expect(html).toContain(h);
    // group b under hurts-b: 0% vs 83.33%, flagged
    expect(html).toMatch(/<td class="flag">HARMED \(raw p = 0\.031\)<\/td>/);
    expect(html).toContain("-83.33 ± 0.00");
    expect(md).toContain("| b | 6 | 6 | 83.33 ± 0.00 | 0.00 ± 0.00 | 83.33 ± 0.00 | 0.00 ± 0.00 | -83.33 ± 0.00 | 0/3 | 3/3 | no harm (raw p = 1.000) | HARMED (raw p = 0.031) |");
    // the published table, labelled as such, printed as published
    expect(md).toContain("The paper's published numbers (A paper, Table 1), as published");
    expect(md).toContain("| a | 6 | 90.00 ± 5.00 | — | 80.00 ± 4.00 | +10.00 ± 3.00 | -1.00 ± 2.00 |");
    // verdicts: a positive gain without harm agrees; no gain does not
    expect(md).toContain("Our replication agrees (a positive mean gain and no significant harm) for 1 of 2 subgroups; the gain is itself significant at α = 0.05 in 0 of them. Harmless significantly harms no subgroup. Hurts B significantly harms b.");
    expect(md).toMatch(/a: AGREES with the paper\. Mean gain of Harmless \+11\.11 points \(paper \+10\.00\), negative in 0 of 3 runs; no significant harm/);
    expect(md).toMatch(/b: DISAGREES with the paper\. Mean gain of Harmless 0\.00 points \(paper \+5\.00\).*The claimed positive gain is not reproduced\. Hurts B: -83\.33 points, HARMED\./);
    expect(md).toContain("A note.");
  });

  it("suppresses groups with fewer than minCell test rows, tests and verdicts included", async () => {
    const { html, md } = await render({ minCell: 7, published });
    expect(md).toContain("| a | < 7 | < 7 | < 7 | < 7 | < 7 | < 7 | < 7 | < 7 | < 7 | < 7 | < 7 |");
    expect(md).toContain("a: not shown (fewer than 7 test rows).");
    expect(md).not.toMatch(/AGREES|DISAGREES/);
    expect(md).toContain("| b | < 7 | < 7 | < 7 |");
    expect(html).toContain('<td class="suppressed">&lt; 7</td>');
    // the overall row has 12 test rows and stays visible
    expect(md).toMatch(/\| overall \| 12 \| 12 \| /);
  });

  it("escapes subgroup names and text in both formats", async () => {
    const { html, md } = await render({ minCell: 5, notes: ["**bold** <b>x</b>"] }, GROUP.map((g) => (g === "b" ? EVIL : g)));
    expect(html).not.toContain(EVIL);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("<p class=\"note\">**bold** &lt;b&gt;x&lt;/b&gt;</p>");
    expect(md).toContain("\\<img src=x onerror=alert(1)>");
    expect(md).toContain("\\*\\*bold\\*\\* \\<b>x\\</b>");
  });

  it("rejects a claim about a method that was not evaluated, and metrics of another kind", async () => {
    const metrics = await metricsFor();
    await expect(runStep(personalizationReport, { sources: [], metrics, counts: counts("a", "b") }, { title: "t", published: { ...published, claimFor: "dcp" } })).rejects.toThrow(
      /params\.published\.claimFor.*not one of the evaluated methods/,
    );
    await expect(runStep(personalizationReport, { sources: [], metrics: { format: "strata-metrics/1", metric: "by-subgroup" }, counts: counts("a", "b") }, { title: "t" })).rejects.toThrow(
      /inputs\.metrics/,
    );
  });
});
