/**
 * Prevalence-utility rarity (our definition): which (subgroup, label) cells are rare, the opt-in field of
 * evaluate.subgroup-metrics, and its section and Methods sentence in report.evaluation.
 */
import { Schema } from "effect";
import { describe, expect, it } from "vitest";
import { makeTable } from "../../artifacts/table.js";
import { PrevalenceUtilityRaritySchema, rarityCells } from "../../steps/evaluate/prevalence-utility-rarity.js";
import { type SubgroupMetricsDoc, subgroupMetrics } from "../../steps/evaluate/subgroup-metrics.js";
import { evaluationReport } from "../../steps/report/evaluation-report.js";
import { runStep } from "../support/step-harness.js";

const decode = Schema.decodeUnknownSync(PrevalenceUtilityRaritySchema);
// 40 rows: "common" 30 (12 positive), "rare" 10 (3 positive).
const group = [...Array(30).fill("common"), ...Array(10).fill("rare")] as string[];
const y = group.map((g, r) => (g === "common" ? (r < 12 ? 1 : 0) : r < 33 ? 1 : 0));
const definition = { utilities: [{ group: "rare", label: 1, utility: 10 }, { group: "common", label: 1, utility: 10 }], prevalenceBelow: 0.1, utilityAbove: 5 };

describe("prevalence-utility rarity", () => {
  it("a cell is rare when its prevalence is below the threshold and its utility above", () => {
    const groups = ["common", "rare"];
    const cells = rarityCells(decode(definition), groups, group.map((g) => groups.indexOf(g)), y);
    expect(cells.map((c) => [c.group, c.label, c.n, c.rare])).toEqual([
      ["common", 0, 18, false],
      ["common", 1, 12, false], // utility 10 but prevalence 30%
      ["rare", 0, 7, false], // prevalence 17.5% and utility 1
      ["rare", 1, 3, true], // 7.5% and utility 10
    ]);
    expect(cells[3]!.prevalence).toBe(3 / 40);
    expect(cells[2]!.utility).toBe(1);
  });

  it("refuses a cell declared twice", () => {
    expect(() => decode({ ...definition, utilities: [definition.utilities[0], definition.utilities[0]] })).toThrow(/declared twice/);
  });

  it("is an opt-in field of the evaluation, shown in its report and Methods text", async () => {
    const table = makeTable([
      { name: "target", type: "int", values: y },
      { name: "subgroup", type: "string", values: group },
    ]);
    const predictions = makeTable([
      { name: "replicate", type: "int", values: Array(40).fill(0) },
      { name: "seed", type: "int", values: Array(40).fill(1) },
      { name: "fold", type: "int", values: Array(40).fill(0) },
      { name: "row", type: "int", values: [...Array(40).keys()] },
      { name: "prob", type: "float", values: y.map((v, r) => (v ? 0.7 : 0.3) + (r % 3) * 0.05) },
    ]);
    const params = { models: ["m"], target: "target", subgroup: "subgroup", resamples: 0, minCell: 3 };
    const plain = (await runStep(subgroupMetrics, { table, predictions: [predictions] }, params)).metrics as unknown as SubgroupMetricsDoc;
    expect("prevalenceUtilityRarity" in plain).toBe(false);
    const doc = (await runStep(subgroupMetrics, { table, predictions: [predictions] }, { ...params, rarity: definition })).metrics as unknown as SubgroupMetricsDoc;
    expect(doc.prevalenceUtilityRarity!.definition).toBe("our definition");
    expect(doc.prevalenceUtilityRarity!.cells.filter((c) => c.rare).map((c) => c.group)).toEqual(["rare"]);
    const out = await runStep(evaluationReport, { sources: [], evaluations: [doc] }, { title: "Rarity" });
    const html = out.html as string;
    expect(html).toContain('<section id="prevalence-utility-rarity">');
    expect(html).toContain("Rare cells of this cohort: (rare, label 1).");
    expect(html).toContain("our definition; the paper proposes the idea without a formula");
    const plainReport = await runStep(evaluationReport, { sources: [], evaluations: [plain] }, { title: "Rarity" });
    expect(plainReport.html as string).not.toContain("prevalence-utility-rarity");
  });
});
