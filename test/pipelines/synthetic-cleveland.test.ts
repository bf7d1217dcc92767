/**
 * pipelines/synthetic-cleveland.ts through the real CLI and store: the report prints evaluate.synthetic's (copula
 * and VAE) and the utility evaluation's figures, both generators' fidelity is high and neither raises a privacy
 * flag, TSTR and TRTR are compared for every subgroup, and every overlay bin holds 0 or at least minCell real rows. Then a generator built
 * to copy rows (test/pipelines/synthetic-copy.pipeline.ts, same store) is flagged, and with minCell 35 the
 * smallest subgroup's count is suppressed together with a complementary one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import type { SubgroupMetricsDoc } from "../../steps/evaluate/subgroup-metrics/document.js";
import { type SyntheticEvaluation, decodeSyntheticEvaluation } from "../../steps/evaluate/synthetic/document.js";
import { fixed } from "../../steps/report/renderer.js";
import { MIN_CELL } from "../../pipelines/synthetic-cleveland.js";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";
import { REPORT_MIN_CELL } from "./synthetic-copy.pipeline.js";

interface RunJson {
  nodes: { id: string; outputs: Record<string, string> }[];
}

const stores: string[] = [];
afterAll(() => {
  for (const s of stores) fs.rmSync(s, { recursive: true, force: true });
});

const run = async (pipeline: string, store: string, out: string) => jsonOf<RunJson>(await strata(["run", pipeline, "--store", store, "--out", out, "--no-lock", "--json"]));

const jsonOutput = (store: ContentStore, runJson: RunJson, node: string, output: string): unknown =>
  JSON.parse(new TextDecoder().decode(store.get(runJson.nodes.find((n) => n.id === node)!.outputs[output]!)));

/** The Markdown table rows (cells, unescaped) following the caption that starts with `caption`. */
const tableRows = (md: string, caption: string): string[][] => {
  const lines = md.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`**${caption}`));
  expect(start, caption).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (let i = start + 4; i < lines.length && lines[i]!.startsWith("|"); i++) {
    rows.push(lines[i]!.slice(2, -2).split(" | ").map((c) => c.replace(/\\(.)/g, "$1")));
  }
  return rows;
};

describe("pipelines/synthetic-cleveland.ts", () => {
  it("reports the copula's and the VAE's fidelity, privacy and TSTR vs TRTR per subgroup, and flags a copying generator", async () => {
    const dir = makeTempDir("strata-synthetic-cleveland-");
    stores.push(dir);
    const store = path.join(dir, "store");
    const first = await run("pipelines/synthetic-cleveland.ts", store, path.join(dir, "out"));
    const content = new ContentStore(store);
    const evaluation: SyntheticEvaluation = decodeSyntheticEvaluation(jsonOutput(content, first, "evaluate-copula", "evaluation"));
    const vae: SyntheticEvaluation = decodeSyntheticEvaluation(jsonOutput(content, first, "evaluate-vae", "evaluation"));
    const utility = jsonOutput(content, first, "evaluate-utility", "metrics") as SubgroupMetricsDoc;
    const md = fs.readFileSync(path.join(dir, "out", "report.md"), "utf8");
    expect(fs.readFileSync(path.join(dir, "out", "report.html"), "utf8").match(/<svg/g)?.length).toBe(3);

    // Fidelity: the copula on the training rows, as the evaluation computed it.
    const summary = tableRows(md, "Fidelity summary");
    expect(summary[0]).toEqual(["column shapes", ...[evaluation, vae].map((d) => fixed(d.summary.overall.columnShapes!, 3))]);
    expect(summary[1]).toEqual(["column-pair trends", ...[evaluation, vae].map((d) => fixed(d.summary.overall.columnPairTrends!, 3))]);
    expect(evaluation.summary.overall.columnShapes!).toBeGreaterThanOrEqual(0.9);
    expect(vae.summary.overall.columnShapes!).toBeGreaterThanOrEqual(0.85);
    expect(evaluation.rows).toEqual({ real: 237, synthetic: 297, holdout: 60 });
    const levels = tableRows(md, "Fidelity per level of subgroup");
    expect(levels.map((r) => r[0]).sort()).toEqual(["old_female", "old_male", "young_female", "young_male"]);
    expect(levels.map((r) => Number(r[1])).reduce((a, b) => a + b, 0)).toBe(237);

    // Privacy: no flag, no exact copy; the table prints the evaluation's median DCRs.
    const privacy = tableRows(md, "Privacy");
    expect(privacy.find((r) => r[0] === "flags")!.slice(1)).toEqual(["none", "none"]);
    expect(privacy.find((r) => r[0] === "exact copies of training rows")!.slice(1)).toEqual(["0.0%", "0.0%"]);
    expect(privacy.find((r) => r[0] === "median DCR, holdout → training rows (baseline)")![1]).toBe(fixed(evaluation.privacy.dcr.medianHoldoutToTrain!, 3));

    // Overlays: every bin's real share is of 0 or at least minCell of the 237 training rows (shares have 0.1% steps, finer than 1/237).
    const numeric = evaluation.columns.filter((c) => c.metric === "KSComplement").map((c) => c.column);
    expect(numeric).toEqual(["age", "trestbps", "chol", "thalach", "oldpeak"]);
    for (const column of numeric) {
      const bins = tableRows(md, `${column}: share of rows per bin`);
      expect(bins.length).toBeGreaterThan(2);
      const counts = bins.map((b) => Math.round((Number(b[1]!.replace("%", "")) / 100) * 237));
      for (const c of counts) expect(c === 0 || c >= MIN_CELL, `${column}: a bin of ${c} real rows`).toBe(true);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(237);
    }

    // Utility: TSTR vs TRTR on the 60 real test rows, every subgroup shown at minCell 5, the evaluation's own numbers.
    expect(utility.models).toEqual(["trtr", "tstr-copula", "tstr-vae"]);
    const candidates = ["tstr-copula", "tstr-vae"];
    const accuracy = tableRows(md, "Accuracy on the real test rows");
    expect(accuracy.map((r) => r[0])).toEqual(utility.groups);
    for (const row of accuracy) {
      utility.models.forEach((model, i) => {
        const result = utility.results.find((r) => r.model === model && r.group === row[0])!.metrics.accuracy;
        expect(row[2 + i]!.startsWith(fixed(result.estimate!, 3)), `${model} in ${row[0]}`).toBe(true);
      });
      candidates.forEach((model, i) => {
        const gain = utility.gains.find((g) => g.model === model && g.group === row[0] && g.metric === "accuracy")!;
        expect(Number(row[2 + utility.models.length + i]!.split(" ")[0])).toBeCloseTo(gain.estimate!, 3);
      });
    }
    expect(accuracy.find((r) => r[0] === "old_female")![1]).toBe("8");
    // Train-on-synthetic loses little overall: within 0.1 of train-on-real.
    expect(Math.abs(utility.gains.find((g) => g.model === "tstr-copula" && g.group === "overall" && g.metric === "accuracy")!.estimate!)).toBeLessThan(0.1);

    // A generator that copies its training rows, in the same store.
    const copyOut = path.join(dir, "out-copy");
    const copy = await run("test/pipelines/synthetic-copy.pipeline.ts", store, copyOut);
    const copied = decodeSyntheticEvaluation(jsonOutput(content, copy, "evaluate-copy", "evaluation"));
    expect(copied.privacy.exactCopyRate).toBe(1);
    const copyMd = fs.readFileSync(path.join(copyOut, "report.md"), "utf8");
    const flags = tableRows(copyMd, "Privacy").find((r) => r[0] === "flags")![1]!;
    expect(flags).toContain("exact copies of training rows");
    expect(tableRows(copyMd, "Privacy").find((r) => r[0] === "exact copies of training rows")![1]).toBe("100.0%");
    // minCell 35: old_female (31 rows) is a small cell, and the next smallest level (old_male, 41) is hidden with it.
    const copyLevels = Object.fromEntries(tableRows(copyMd, "Fidelity per level of subgroup").map((r) => [r[0], r[1]]));
    expect(copyLevels).toEqual({ old_female: `< ${REPORT_MIN_CELL}`, old_male: "hidden", young_female: "46", young_male: "119" });
    for (const column of numeric) {
      const counts = tableRows(copyMd, `${column}: share of rows per bin`).map((b) => Math.round((Number(b[1]!.replace("%", "")) / 100) * 237));
      for (const c of counts) expect(c === 0 || c >= REPORT_MIN_CELL, `${column}: a bin of ${c} real rows`).toBe(true);
    }
  }, 180_000);
});
