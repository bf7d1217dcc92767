import { describe, expect, it } from "vitest";
import { displayText, escapeJsonText, ownTextSafe } from "../../dsl/display-text.js";
import type { SubgroupMetricsDoc } from "../../steps/evaluate/subgroup-metrics.js";
import { evaluationReport } from "../../steps/report/evaluation-report.js";
import { runStep } from "../support/step-harness.js";
import { syntheticEvaluation } from "../steps/evaluate-fixtures.js";

/**
 * The one output-encoding rule (dsl/display-text.ts): control characters from data (a subgroup label, a column
 * name) reach no output raw. ESC[2J would clear a terminal; a newline would end a Markdown cell or forge a line.
 */
const PAYLOAD = "old\u001b[2J\nfemale\u009b2J\u202e";
const ACTING = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe("the output-encoding rule", () => {
  it("shows each acting character as its escape, and keeps JSON equal when parsed", () => {
    expect(displayText(PAYLOAD)).toBe("old\\u001b[2J\\nfemale\\u009b2J\\u202e");
    expect(ownTextSafe(`line one ${PAYLOAD}\n`)).toBe("line one old\\u001b[2J\nfemale\\u009b2J\\u202e\n");
    const json = escapeJsonText(JSON.stringify({ label: PAYLOAD }));
    expect(json).not.toMatch(ACTING);
    expect((JSON.parse(json) as { label: string }).label).toBe(PAYLOAD);
  });

  it("a subgroup label and a column name with ESC[2J and a newline reach HTML, Markdown and JSON only escaped", async () => {
    const base = await syntheticEvaluation({ resamples: 20 });
    // The label of the 40-person group (shown, not suppressed) and a metric label, as if they came from data.
    const doc = JSON.parse(JSON.stringify(base).replaceAll("old_female", JSON.stringify(PAYLOAD).slice(1, -1)).replaceAll('"AUROC"', JSON.stringify(`AUROC${PAYLOAD}`))) as SubgroupMetricsDoc;
    expect(doc.groups).toContain(PAYLOAD);
    const out = await runStep(evaluationReport, { sources: [], evaluations: [doc] }, { title: `Study ${PAYLOAD}` });
    for (const [format, text] of Object.entries({ html: out.html as string, md: out.md as string, json: out.json as string })) {
      expect(text, format).not.toMatch(ACTING);
      // Shown as the escape: in Markdown its backslashes are escaped in turn, so it renders as \u001b[2J\n.
      if (format === "html") expect(text).toContain("old\\u001b[2J\\nfemale");
      if (format === "md") expect(text).toContain("old\\\\u001b\\[2J\\\\nfemale");
    }
    // Markdown: the label stays inside its cell (no line of the table starts with the label's second half).
    expect((out.md as string).split("\n").some((l) => l.startsWith("female"))).toBe(false);
    // JSON: the same label when parsed.
    expect((JSON.parse(out.json as string) as { evaluation: SubgroupMetricsDoc }).evaluation.groups).toContain(PAYLOAD);
  }, 60_000);
});
