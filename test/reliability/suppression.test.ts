import { describe, expect, it } from "vitest";
import { makeTable } from "../../artifacts/table.js";
import { seededRandom } from "../../engine/random.js";
import { type SubgroupMetricsDoc, subgroupMetrics } from "../../steps/evaluate/subgroup-metrics.js";
import { evaluationReport } from "../../steps/report/evaluation-report.js";
import { runStep } from "../support/step-harness.js";

/**
 * Complementary suppression (steps/report/suppression.ts): whatever the group sizes, no hidden figure of a report
 * follows by arithmetic from its shown ones. The subgroups partition "overall", so in each column the overall
 * value minus the shown groups is the sum over the hidden groups: safe only when no column hides exactly one.
 */
const K = 10;

const evaluation = async (sizes: readonly number[]): Promise<SubgroupMetricsDoc> => {
  const random = seededRandom(5, "suppression");
  const group = sizes.flatMap((n, i) => Array<string>(n).fill(`g${i + 1}n${n}`));
  const target = group.map((_, i) => (i % 2 === 0 ? 1 : 0));
  const table = makeTable([
    { name: "target", type: "int", values: target },
    { name: "subgroup", type: "string", values: group },
  ]);
  const predictions = (skill: number) => {
    const rows = target.map((t, row) => [row, Math.min(1, Math.max(0, 0.5 + (t - 0.5) * skill + (random() - 0.5) * 0.7))] as const);
    return makeTable([
      { name: "replicate", type: "int", values: rows.map(() => 0) },
      { name: "seed", type: "int", values: rows.map(() => 1) },
      { name: "fold", type: "int", values: rows.map(() => 0) },
      { name: "row", type: "int", values: rows.map((r) => r[0]) },
      { name: "prob", type: "float", values: rows.map((r) => r[1]) },
    ]);
  };
  const out = await runStep(
    subgroupMetrics,
    { table, predictions: [predictions(0.5), predictions(0.3)] },
    { models: ["generic", "personalized"], reference: "generic", target: "target", subgroup: "subgroup", resamples: 20, rareBelow: 0.01, minCell: K },
    1,
  );
  return out.metrics as unknown as SubgroupMetricsDoc;
};

interface ParsedTable {
  readonly caption: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const markdownTables = (md: string): ParsedTable[] => {
  const tables: ParsedTable[] = [];
  const lines = md.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const caption = /^\*\*(.*)\*\*$/.exec(lines[i]!)?.[1];
    if (caption === undefined || !lines[i + 2]?.startsWith("| ")) continue;
    const cells = (l: string) => l.slice(2, -2).split(" | ");
    const header = cells(lines[i + 2]!);
    const rows: string[][] = [];
    for (let j = i + 4; lines[j]?.startsWith("| "); j++) rows.push(cells(lines[j]!));
    tables.push({ caption, header, rows });
  }
  return tables;
};

const htmlTables = (html: string): ParsedTable[] =>
  [...html.matchAll(/<caption>(.*?)<\/caption>\n<thead><tr>(.*?)<\/tr><\/thead>\n<tbody>\n([\s\S]*?)<\/tbody>/g)].map((m) => ({
    caption: m[1]!,
    header: [...m[2]!.matchAll(/<th[^>]*>(.*?)<\/th>/g)].map((c) => c[1]!),
    rows: m[3]!.split("\n").filter((l) => l.startsWith("<tr>")).map((l) => [...l.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((c) => c[1]!)),
  }));

const isHidden = (cell: string) => cell === "hidden" || cell === `< ${K}` || cell === `&lt; ${K}`;

/**
 * In every column of every per-group table, the hidden cells among the subgroups (for one model where a table
 * has a Model column) are none or at least two; when overall's cell is shown, the shown groups with it then fix
 * only a sum of two or more unknowns.
 */
const expectNoColumnHidesExactlyOne = (tables: readonly ParsedTable[]) => {
  let checked = 0;
  for (const t of tables) {
    if (t.header[0] !== "Group") continue;
    const modelColumn = t.header[1] === "Model" ? 1 : -1;
    const blocks = new Map<string, (readonly string[])[]>();
    for (const row of t.rows) {
      const key = modelColumn === -1 ? "" : row[modelColumn]!;
      blocks.set(key, [...(blocks.get(key) ?? []), row]);
    }
    for (const rows of blocks.values()) {
      const overall = rows.find((r) => r[0] === "overall");
      for (let c = modelColumn === -1 ? 1 : 2; c < t.header.length; c++) {
        if (overall === undefined || isHidden(overall[c]!)) continue;
        const hiddenGroups = rows.filter((r) => r[0] !== "overall" && isHidden(r[c]!)).map((r) => r[0]);
        expect(hiddenGroups.length === 1 ? `${t.caption} › ${t.header[c]}: only ${hiddenGroups[0]} hidden` : "ok").toBe("ok");
        checked++;
      }
    }
  }
  expect(checked).toBeGreaterThan(10);
};

describe("complementary suppression", () => {
  it.each([
    { sizes: [1, 5, 9, 10, 11], hidden: ["g1n1", "g2n5", "g3n9"] },
    { sizes: [5, 10, 11], hidden: ["g1n5", "g2n10"] },
    { sizes: [9, 30, 40], hidden: ["g1n9", "g2n30"] },
  ])("groups of $sizes (k = 10): no hidden figure follows from the shown ones, in HTML and Markdown", async ({ sizes, hidden }) => {
    const doc = await evaluation(sizes);
    const out = await runStep(evaluationReport, { sources: [], evaluations: [doc] }, { title: "suppression" });
    const md = out.md as string;
    const html = out.html as string;
    for (const tables of [markdownTables(md), htmlTables(html)]) {
      expectNoColumnHidesExactlyOne(tables);
      const sizesTable = tables.find((t) => t.caption === "Subgroup sizes")!;
      const hiddenN = sizesTable.rows.filter((r) => isHidden(r[1]!)).map((r) => r[0]);
      expect(hiddenN).toEqual(hidden);
    }
    // The hidden groups' counts appear nowhere as numbers: only "< 10" and "hidden" stand for them.
    const complement = sizes.length === 3 && sizes[0]! < K && sizes[1]! >= K ? `g2n${sizes[1]}` : undefined;
    if (complement !== undefined) expect(markdownTables(md).find((t) => t.caption === "Subgroup sizes")!.rows.find((r) => r[0] === complement)![1]).toBe("hidden");
  }, 60_000);
});
