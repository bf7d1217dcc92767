import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { strata } from "../support/cli.js";
import { makeTempProject } from "../support/temp-project.js";

/**
 * Complementary suppression (steps/report/suppression.ts): whatever the group sizes, no hidden figure of a report
 * follows by arithmetic from its shown ones, in any format. A real study runs through the CLI on a real store: the
 * depth evaluation (HTML, Markdown, JSON), the personalization report with DCP's envy table (HTML, Markdown) and
 * the promotion gate's gate.md (first run: no champion; second run: the promoted champion). Derivations checked:
 * - subtraction: the subgroups partition "overall", so in each column overall minus the shown groups is the sum over
 *   the hidden ones, safe only when no column hides exactly one;
 * - rate × n: a share or prevalence shown beside the count it is a rate of would give a hidden count;
 * - flags: a harm, envy or rare flag (or a p-value) on a hidden row would say which side of a threshold it is on;
 * - JSON: every hidden cell is null there too (no number left in it), under the same rule as HTML and Markdown.
 */
const K = 10;

interface Scenario {
  readonly sizes: readonly number[];
  /** Groups hidden in the Evaluated n column, and in the Cohort n column (cohorts are twice the test sets). */
  readonly hiddenTest: readonly string[];
  readonly hiddenCohort: readonly string[];
}

const SCENARIOS: readonly Scenario[] = [
  { sizes: [1, 5, 9, 10, 11], hiddenTest: ["a1", "b5", "c9"], hiddenCohort: ["a1", "b5"] },
  { sizes: [5, 10, 11], hiddenTest: ["a5", "b10"], hiddenCohort: [] },
];

/** Group i is named by a letter and its test size, so code-unit order is size order. */
const groupName = (sizes: readonly number[], i: number) => `${String.fromCharCode(97 + i)}${sizes[i]}`;

/** Cohorts of twice the test sizes, half positives, a learnable feature; a holdout of half of each group. */
const cohortCsv = (sizes: readonly number[]): string => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = ["x1,x2,band,target"];
  sizes.forEach((n, g) => {
    for (let i = 0; i < 2 * n; i++) {
      const target = i % 2;
      lines.push(`${((target - 0.5) * 1.2 + (random() - 0.5) * 2).toFixed(4)},${(random() * 2 - 1 + g * 0.1).toFixed(4)},${g + 1},${target}`);
    }
  });
  return `${lines.join("\n")}\n`;
};

/** The gate judges `gated`: generic on the first run (it becomes the champion), strong on the second. */
const pipeline = (sizes: readonly number[], gated: "generic" | "strong") => `import { study } from "../dsl/study.js";
import { evaluatePersonalization } from "../steps/evaluate/personalization.js";
import { promotionGate } from "../steps/evaluate/promotion-gate.js";
import { evaluateSubgroupMetrics } from "../steps/evaluate/subgroup-metrics.js";
import { readCsv } from "../steps/ingest/csv.js";
import { reportEvaluation } from "../steps/report/evaluation-report.js";
import { reportPersonalization } from "../steps/report/personalization-report.js";
import { stratifiedHoldout } from "../steps/split/holdout.js";
import { defineSubgroups } from "../steps/subgroups/define.js";
import { trainDcp } from "../steps/train/dcp.js";
import { trainLogisticRegression } from "../steps/train/logistic-regression.js";

export default study("suppression", (s) => {
  const columns = [{ name: "x1", type: "float" }, { name: "x2", type: "float" }, { name: "band", type: "int" }, { name: "target", type: "int" }] as const;
  const raw = readCsv(s, { path: "data/suppression.csv", columns, header: true }, { id: "ingest" });
  const levels = ${JSON.stringify(Object.fromEntries(sizes.map((_, i) => [String(i + 1), groupName(sizes, i)])))};
  const groups = defineSubgroups(raw, { rules: [{ column: "band", levels }], target: "target" }, { id: "subgroups" });
  const split = stratifiedHoldout(groups.table, { testFraction: 0.5, stratify: ["subgroup"] }, { id: "split" });
  const common = { features: ["x1", "x2"], target: "target" };
  const generic = trainLogisticRegression(groups.table, split, common, { id: "train-generic" });
  const strong = trainLogisticRegression(groups.table, split, { ...common, l2: 50 }, { id: "train-strong" });
  const dcp = trainDcp(groups.table, split, { ...common, subgroup: "subgroup", layers: [4], epochs: 3 }, { id: "train-dcp" });
  const depth = evaluateSubgroupMetrics(groups.table, { generic: generic.predictions, strong: strong.predictions }, { target: "target", subgroup: "subgroup", reference: "generic", resamples: 50, minCell: ${K}, rareBelow: 0.26 }, { id: "evaluate" });
  const personal = evaluatePersonalization(groups.table, { reference: generic.predictions, methods: { dcp: dcp.predictions, strong: strong.predictions }, cross: { dcp: dcp.cross } }, { target: "target", subgroup: "subgroup", bootstrapResamples: 50 }, { id: "personalization" });
  reportEvaluation(depth, { title: "Suppression", personalization: personal }, { id: "report-evaluation" });
  reportPersonalization(personal, groups.counts, { title: "Suppression", minCell: ${K} }, { id: "report-personalization" });
  promotionGate(${gated}.models, groups.table, split, { channel: "suppression/logreg:champion", target: "target", floor: 0, minCell: ${K} }, { id: "gate" });
});
`;

interface ParsedTable {
  readonly caption: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Every Markdown table (a header line, then a separator line), with the bold caption line above it if any. */
const markdownTables = (md: string): ParsedTable[] => {
  const tables: ParsedTable[] = [];
  const lines = md.split("\n");
  const cells = (l: string) => l.slice(2, -2).split(" | ").map((c) => c.replace(/\\(.)/g, "$1"));
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith("| ") || !lines[i + 1]?.startsWith("| ---")) continue;
    const caption = /^\*\*(.*)\*\*$/.exec(lines[i - 2] ?? "")?.[1] ?? "";
    const rows: string[][] = [];
    for (let j = i + 2; lines[j]?.startsWith("| "); j++) rows.push(cells(lines[j]!));
    tables.push({ caption, header: cells(lines[i]!), rows });
  }
  return tables;
};

const unescapeHtml = (s: string) => s.replace(/<br>/g, " ").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

const htmlTables = (html: string): ParsedTable[] =>
  [...html.matchAll(/<caption>(.*?)<\/caption>\n<thead><tr>(.*?)<\/tr><\/thead>\n<tbody>\n([\s\S]*?)<\/tbody>/g)].map((m) => ({
    caption: unescapeHtml(m[1]!),
    header: [...m[2]!.matchAll(/<th[^>]*>(.*?)<\/th>/g)].map((c) => unescapeHtml(c[1]!)),
    rows: m[3]!.split("\n").filter((l) => l.startsWith("<tr>")).map((l) => [...l.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((c) => unescapeHtml(c[1]!))),
  }));

const isHidden = (cell: string) => cell === "hidden" || cell === `< ${K}`;
const FLAG = /HARMED|harmed|\bdrop\b|ENVIES|envies|envy-free|no harm|\brare\b|^no$|^yes$|p [=<]/;
const GROUP_HEADERS = new Set(["Group", "group", "Subgroup"]);
const BLOCK_HEADERS = new Set(["Model", "Method"]);
const LABEL_HEADERS = new Set([...GROUP_HEADERS, ...BLOCK_HEADERS, "Other group's model"]);

/**
 * Subtraction: in every column of every per-group table with an overall row (one block per model or method where
 * the table has such a column), the hidden subgroups are none or at least two when overall's cell is shown.
 * Flags: a row whose figures are all hidden shows no flag or p-value beside them, except `allowed` ones. Returns
 * the number of columns checked.
 */
const expectNothingDerivable = (tables: readonly ParsedTable[], where: string, allowed: ReadonlySet<string> = new Set()): number => {
  let checked = 0;
  for (const t of tables) {
    if (!GROUP_HEADERS.has(t.header[0]!)) continue;
    for (const row of t.rows) {
      const data = row.filter((_, i) => !LABEL_HEADERS.has(t.header[i]!));
      const figures = data.filter((c) => !FLAG.test(c) && c !== "—" && c !== "");
      if (figures.length === 0 || !figures.every(isHidden)) continue;
      expect(data.filter((c) => FLAG.test(c) && !allowed.has(c)), `${where} › ${t.caption || t.header.join(" | ")} › ${row[0]}: a flag beside hidden figures`).toEqual([]);
    }
    const blockColumn = BLOCK_HEADERS.has(t.header[1]!) ? 1 : -1;
    const blocks = new Map<string, (readonly string[])[]>();
    for (const row of t.rows) {
      const key = blockColumn === -1 ? "" : row[blockColumn]!;
      blocks.set(key, [...(blocks.get(key) ?? []), row]);
    }
    for (const rows of blocks.values()) {
      const overall = rows.find((r) => r[0] === "overall");
      if (overall === undefined) continue;
      for (let c = blockColumn === -1 ? 1 : 2; c < t.header.length; c++) {
        if (isHidden(overall[c]!)) continue;
        const hidden = rows.filter((r) => r[0] !== "overall" && isHidden(r[c]!)).map((r) => r[0]);
        expect(hidden.length === 1 ? `${where} › ${t.caption || "table"} › ${t.header[c]}: only ${hidden[0]} hidden` : "ok").toBe("ok");
        checked++;
      }
    }
  }
  return checked;
};

/** Rate × n: a group's share needs its cohort n, its prevalence its evaluated n and positives, shown. */
const expectNoRateOfAHiddenCount = (sizes: ParsedTable, where: string) => {
  const col = (prefix: string) => sizes.header.findIndex((h) => h.startsWith(prefix));
  for (const row of sizes.rows) {
    if (isHidden(row[col("Cohort n")]!)) expect([row[col("Share")]!, row[col("Rare")]!].every(isHidden), `${where}: ${row[0]}'s share`).toBe(true);
    if (isHidden(row[col("Evaluated n")]!) || isHidden(row[col("Evaluated positives")]!)) expect(isHidden(row[col("Prevalence")]!), `${where}: ${row[0]}'s prevalence`).toBe(true);
  }
};

/** The numbers left anywhere inside a JSON value (what a hidden entry must not hold), with their paths. */
const numbersIn = (value: unknown, at = "", skip: ReadonlySet<string> = new Set()): string[] => {
  if (typeof value === "number") return [at];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => (skip.has(k) ? [] : numbersIn(v, `${at}.${k}`, skip)));
};

type Json = Record<string, any>;

/** The JSON's column rule: per column, hidden (suppressed) subgroups are none or at least two when overall is shown. */
const expectJsonColumns = (entries: readonly Json[], columnOf: (e: Json) => string, hidden: (e: Json) => boolean, what: string): number => {
  const columns = new Map<string, Json[]>();
  for (const e of entries) columns.set(columnOf(e), [...(columns.get(columnOf(e)) ?? []), e]);
  for (const [column, cells] of columns) {
    const overall = cells.find((e) => e.group === "overall");
    if (overall === undefined || hidden(overall)) continue;
    const hiddenGroups = cells.filter((e) => e.group !== "overall" && hidden(e)).map((e) => e.group);
    expect(hiddenGroups.length === 1 ? `report.json ${what} ${column}: only ${hiddenGroups[0]} hidden` : "ok").toBe("ok");
  }
  return columns.size;
};

const expectJsonSuppressed = (report: Json, sizesMd: ParsedTable) => {
  const doc = report.evaluation as Json;
  // The same cells as in Markdown, nulled: each size column's hidden groups.
  const fields = { "Cohort n": "cohortN", "Cohort positives": "cohortPositives", "Evaluated n": "testN", "Evaluated positives": "testPositives" } as const;
  for (const [heading, field] of Object.entries(fields)) {
    const c = sizesMd.header.indexOf(heading);
    const hiddenMd = sizesMd.rows.filter((r) => isHidden(r[c]!)).map((r) => r[0]);
    const nullJson = (doc.sizes as Json[]).filter((s) => s[field] === null).map((s) => s.group);
    expect(nullJson, `report.json sizes.${field}`).toEqual(hiddenMd);
    expectJsonColumns(doc.sizes as Json[], () => field, (s) => s[field] === null, "sizes");
  }
  for (const s of doc.sizes as Json[]) {
    if (s.cohortN === null) expect([s.share, s.shareInterval, s.rare], `report.json ${s.group}'s share`).toEqual([null, null, null]);
    if (s.testN === null || s.testPositives === null) expect([s.testPrevalence, s.testPrevalenceInterval], `report.json ${s.group}'s prevalence`).toEqual([null, null]);
  }
  const hiddenTest = new Set((doc.sizes as Json[]).filter((s) => s.testN === null).map((s) => s.group as string));
  const estimates = (doc.results as Json[]).flatMap((r) => Object.entries(r.metrics as Json).map(([metric, e]): Json => ({ ...(e as Json), group: r.group as string, column: `${r.model} ${metric}` })));
  let columns = expectJsonColumns(estimates, (e) => e.column, (e) => e.suppressed === true, "results");
  columns += expectJsonColumns(doc.gains as Json[], (g) => `${g.model} ${g.metric}`, (g) => g.suppressed === true, "gains");
  columns += expectJsonColumns(doc.harm as Json[], (h) => h.model, (h) => h.suppressed === true, "harm");
  const points = (doc.calibration as Json[]).flatMap((c) => (c.points as Json[]).map((p): Json => ({ ...p, group: c.group as string, model: c.model as string })));
  columns += expectJsonColumns(points, (p) => `${p.model} bin ${p.bin}`, (p) => p.suppressed === true, "calibration");
  expect(columns).toBeGreaterThan(20);
  // A hidden entry holds no number: no value, interval, basis, count or flag to work back from.
  for (const e of [...estimates, ...(doc.gains as Json[]), ...(doc.harm as Json[])].filter((e) => e.suppressed === true)) expect(numbersIn(e), `report.json ${e.group}`).toEqual([]);
  for (const p of points.filter((p) => p.suppressed === true)) expect(numbersIn(p, "", new Set(["bin", "lower", "upper"])), `report.json calibration ${p.group}`).toEqual([]);
  for (const h of (doc.harm as Json[]).filter((h) => h.suppressed === true)) expect(h.harmed).toBeNull();
  for (const c of (doc.calibration as Json[]).filter((c) => hiddenTest.has(c.group))) expect((c.points as Json[]).every((p) => p.suppressed === true)).toBe(true);
  // Per replicate: a hidden group's n and each hidden metric's values are null.
  for (const r of doc.perReplicate as Json[]) {
    if (hiddenTest.has(r.group)) expect(r.n, `perReplicate ${r.group}`).toBeNull();
    for (const [metric, value] of Object.entries(r.values as Json)) {
      const shown = estimates.find((e) => e.column === `${r.model} ${metric}` && e.group === r.group)!.suppressed === false;
      if (!shown) expect(value, `perReplicate ${r.group} ${metric}`).toBeNull();
    }
  }
  // A comparison over groups, one of them hidden, gives nothing (its min or max could be the hidden group's).
  for (const c of doc.comparisons as Json[]) {
    const anyHidden = estimates.some((e) => e.column === `${c.model} ${c.metric}` && e.group !== "overall" && e.suppressed === true);
    if (anyHidden) expect(numbersIn(c.all), `comparison ${c.model} ${c.metric}`).toEqual([]);
  }
  // Rare and common cases partition overall: both sides are hidden as soon as a group on either side is.
  const rare = doc.rareCases as Json;
  if (rare.rareTestN === null) expect([rare.commonTestN, ...numbersIn(rare.rcpg), ...numbersIn(rare.rcce)]).toEqual([null]);
  else expect((doc.sizes as Json[]).filter((s) => s.group !== "overall" && s.testN === null)).toEqual([]);
  for (const e of (report.envy as Json).envy as Json[]) if (hiddenTest.has(e.group)) expect(numbersIn(e), `report.json envy of ${e.group}`).toEqual([]);
};

const run = async (project: string) => {
  const r = await strata(["run", "pipelines/suppression.ts", "--store", path.join(project, ".strata"), "--out", path.join(project, "reports"), "--no-lock"], { cwd: project });
  expect(r.code, r.stderr).toBe(0);
  const read = (file: string) => fs.readFileSync(path.join(project, "reports", file), "utf8");
  return { read };
};

describe("complementary suppression, through the CLI", () => {
  it.each(SCENARIOS)("groups of $sizes (k = 10): no hidden figure follows from any report format", async ({ sizes, hiddenTest, hiddenCohort }) => {
    const project = makeTempProject("strata-suppression-");
    fs.writeFileSync(path.join(project, "data", "suppression.csv"), cohortCsv(sizes));
    fs.writeFileSync(path.join(project, "pipelines", "suppression.ts"), pipeline(sizes, "generic"));
    const first = await run(project);

    // The depth evaluation: HTML and Markdown under one rule, the JSON nulls the same cells.
    const md = first.read("report-evaluation.md");
    const html = first.read("report-evaluation.html");
    for (const [format, tables] of [["report-evaluation.md", markdownTables(md)], ["report-evaluation.html", htmlTables(html)]] as const) {
      expect(expectNothingDerivable(tables, format)).toBeGreaterThan(20);
      const sizesTable = tables.find((t) => t.caption === "Subgroup sizes")!;
      expect(sizesTable.rows.filter((r) => isHidden(r[4]!)).map((r) => r[0]), `${format}: Evaluated n`).toEqual(hiddenTest);
      expect(sizesTable.rows.filter((r) => isHidden(r[1]!)).map((r) => r[0]), `${format}: Cohort n`).toEqual(hiddenCohort);
      expectNoRateOfAHiddenCount(sizesTable, format);
      // DCP's envy rows of a hidden group are hidden whole.
      const envy = tables.find((t) => t.caption === "Envy-freeness")!;
      for (const row of envy.rows.filter((r) => hiddenTest.includes(r[0]!))) expect(row.slice(3).every(isHidden), `${format}: envy of ${row[0]}`).toBe(true);
    }
    expectJsonSuppressed(JSON.parse(first.read("report-evaluation.json")) as Json, markdownTables(md).find((t) => t.caption === "Subgroup sizes")!);

    // The personalization report: the same rule on its Table 1 and on the envy table.
    for (const format of ["report-personalization.md", "report-personalization.html"]) {
      const tables = format.endsWith(".md") ? markdownTables(first.read(format)) : htmlTables(first.read(format));
      expect(expectNothingDerivable(tables, format)).toBeGreaterThan(5);
      const main = tables.find((t) => t.caption.startsWith("This study"))!;
      const testN = main.header.indexOf("Test n");
      expect(main.rows.filter((r) => isHidden(r[testN]!)).map((r) => r[0]), `${format}: Test n`).toEqual(hiddenTest);
      expect(main.rows.filter((r) => isHidden(r[1]!)).map((r) => r[0]), `${format}: Cohort n`).toEqual(hiddenCohort);
      for (const row of main.rows.filter((r) => hiddenTest.includes(r[0]!))) expect(row.slice(testN).every(isHidden), `${format}: ${row[0]}'s row`).toBe(true);
      const envy = tables.find((t) => t.caption.startsWith("Envy-freeness"))!;
      expect(envy.rows.filter((r) => r.slice(1).every(isHidden)).map((r) => r[0]), `${format}: envy rows`).toEqual(hiddenTest);
    }

    // gate.md, with no champion (first run) and against the champion it promoted (second run: another candidate).
    const withoutChampion = first.read("gate.md");
    fs.writeFileSync(path.join(project, "pipelines", "suppression.ts"), pipeline(sizes, "strong"));
    const withChampion = (await run(project)).read("gate.md");
    expect(withChampion).toContain("champion `");
    for (const gate of [withoutChampion, withChampion]) {
      const [table] = markdownTables(gate);
      // The decision must say which groups block it, so a hidden one is named as blocking ("yes"), never why.
      expect(expectNothingDerivable([table!], "gate.md", new Set(["yes"]))).toBeGreaterThan(3);
      expect(table!.rows.filter((r) => isHidden(r[1]!)).map((r) => r[0]), "gate.md: n").toEqual(hiddenTest);
      for (const row of table!.rows.filter((r) => hiddenTest.includes(r[0]!))) expect(row.slice(1, 6).every((c) => isHidden(c) || c === "—"), `gate.md: ${row[0]}'s row`).toBe(true);
    }
  }, 180_000);
});
