/**
 * report.synthetic: the fidelity, privacy and utility report of one or more generators fitted to the same real rows
 * (HTML and Markdown). Fidelity and privacy are evaluate.synthetic's documents, one per generator; the marginal
 * overlays are binned here from the real and synthetic tables under the small-cell rule
 * (synthetic-report-marginals.ts); utility (optional) is evaluate.subgroup-metrics on the real test rows with the
 * real-trained model as reference (TSTR vs TRTR, synthetic-report-utility.ts). No row-level value is printed.
 */
import { Effect, Schema } from "effect";
import { denseColumns } from "../../artifacts/table.js";
import type { MetricsHandle, TableHandle } from "../../dsl/handles.js";
import { type StepContext, type StepInput, defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { FLAG_RULES } from "../evaluate/synthetic/privacy.js";
import { type SyntheticEvaluation, decodeSyntheticEvaluation } from "../evaluate/synthetic/document.js";
import { forestSpec, warmCharts, renderChart } from "./charts.js";
import { type Cell, type Table, complementCell, fixed, htmlDocument, htmlParagraphs, htmlTable, markdownHeading, markdownParagraphs, markdownTable, suppressedCell, text } from "./renderer.js";
import { OVERALL, columnVisibility } from "./suppression.js";
import { type CorrelationCell, correlationDifferenceSpec, marginalOverlaySpec } from "./synthetic-report-charts.js";
import { type Marginal, marginal, numericValues } from "./synthetic-report-marginals.js";
import { readUtilityDoc, utilityForestRows, utilityTables } from "./synthetic-report-utility.js";

const Label = Schema.String.check(Schema.isMinLength(1));

const Params = Schema.Struct({
  title: Label,
  /** One label per generator: per entry of the evaluations and synthetic lists, in the same order. */
  generators: Schema.Array(Label).check(Schema.isMinLength(1), Schema.isUnique({ message: "a generator is named twice" })),
  /** Small-cell rule of the overlays and the utility section: fewer real people than this are not shown. */
  minCell: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(10))),
  /** At most this many bins per overlay before merging. */
  bins: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 2, maximum: 50 })).pipe(Schema.withDecodingDefaultKey(Effect.succeed(12))),
  /** Lines printed at the end (the protocol, what the report cannot say). */
  notes: Schema.Array(Schema.String).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
});
type Params = typeof Params.Type;

const score = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : fixed(v, 3));
const percent = (v: number | null): string => (v === null ? "–" : `${(v * 100).toFixed(1)}%`);

const readEvaluations = (inputs: readonly StepInput[], params: Params, ctx: StepContext): SyntheticEvaluation[] => {
  if (inputs.length !== params.generators.length) ctx.fail("params.generators", `${params.generators.length} generator names for ${inputs.length} evaluations; name each evaluation once, in order`);
  return inputs.map((input, i) => {
    try {
      return decodeSyntheticEvaluation(input.json());
    } catch (e) {
      return ctx.fail(`inputs.evaluations[${i}]`, `expected a strata-synth-evaluation/1 document (the output of evaluate.synthetic): ${(e as Error).message.split("\n")[0]}`);
    }
  });
};

const summaryTable = (docs: readonly SyntheticEvaluation[], generators: readonly string[]): Table => ({
  caption: "Fidelity summary: SDMetrics' column shapes (mean KS / TV complement) and column-pair trends (mean correlation / contingency similarity); 1 = identical",
  header: ["measure", ...generators],
  rows: [
    [text("column shapes"), ...docs.map((d) => text(score(d.summary.overall.columnShapes)))],
    [text("column-pair trends"), ...docs.map((d) => text(score(d.summary.overall.columnPairTrends)))],
    [text("rows (real / synthetic / holdout)"), ...docs.map((d) => text(`${d.rows.real} / ${d.rows.synthetic} / ${d.rows.holdout}`))],
  ],
});

/** Per subgroup level: real rows (with complementary suppression across levels) and the two summaries per generator. */
const subgroupTable = (docs: readonly SyntheticEvaluation[], generators: readonly string[], minCell: number): Table | null => {
  const first = docs[0]!;
  if (first.subgroup === null) return null;
  const levels = first.summary.bySubgroup;
  const visibility = columnVisibility([{ group: OVERALL, basis: first.rows.real }, ...levels.map((l) => ({ group: l.level, basis: l.realN }))], minCell).slice(1);
  return {
    caption: `Fidelity per level of ${first.subgroup}: real training rows, then column shapes / column-pair trends per generator (a level with fewer than ${first.minCell} real or synthetic rows is not scored)`,
    header: [first.subgroup, "real rows", ...generators.map((g) => `${g}: shapes / pairs`)],
    rows: levels.map((l, i): Cell[] => [
      text(l.level),
      visibility[i] === "shown" ? text(String(l.realN)) : visibility[i] === "small" ? suppressedCell(minCell) : complementCell,
      ...docs.map((d) => {
        const mine = d.summary.bySubgroup.find((x) => x.level === l.level);
        return mine === undefined || mine.suppressed ? suppressedCell(d.minCell) : text(`${score(mine.columnShapes)} / ${score(mine.columnPairTrends)}`);
      }),
    ]),
  };
};

const columnTable = (docs: readonly SyntheticEvaluation[], generators: readonly string[]): Table => ({
  caption: "Column shapes per column: KSComplement (numeric) or TVComplement (categorical), overall",
  header: ["column", "metric", ...generators],
  rows: docs[0]!.columns.map((c): Cell[] => [text(c.column), text(c.metric), ...docs.map((d) => text(score(d.columns.find((x) => x.column === c.column)?.score)))]),
});

const pairTable = (docs: readonly SyntheticEvaluation[], generators: readonly string[]): Table => ({
  caption: "Column-pair trends: CorrelationSimilarity = 1 − |r_real − r_synthetic| / 2 (numeric pairs, Pearson); ContingencySimilarity = 1 − total variation of the two-way frequencies (other pairs)",
  header: ["pair", "metric", "real r", ...generators.map((g) => `${g}: r / score`)],
  rows: docs[0]!.pairs.map((p): Cell[] => [
    text(`${p.columns[0]} × ${p.columns[1]}`),
    text(p.metric),
    text(p.real === undefined ? "–" : score(p.real)),
    ...docs.map((d) => {
      const mine = d.pairs.find((x) => x.columns[0] === p.columns[0] && x.columns[1] === p.columns[1]);
      return text(mine === undefined ? "–" : mine.synthetic === undefined ? score(mine.score) : `${score(mine.synthetic)} / ${score(mine.score)}`);
    }),
  ]),
});

const privacyTable = (docs: readonly SyntheticEvaluation[], generators: readonly string[]): Table => {
  const row = (label: string, value: (p: SyntheticEvaluation["privacy"]) => string): Cell[] => [text(label), ...docs.map((d) => text(value(d.privacy)))];
  return {
    caption: "Privacy: distances to the closest real record (DCR) against a real holdout the generator never saw",
    header: ["measure", ...generators],
    rows: [
      row("rows compared (real / synthetic / holdout)", (p) => `${p.rowsCompared.real} / ${p.rowsCompared.synthetic} / ${p.rowsCompared.holdout}${p.sampled ? " (sampled)" : ""}`),
      row("median DCR, synthetic → training rows", (p) => score(p.dcr.medianSyntheticToTrain)),
      row("median DCR, holdout → training rows (baseline)", (p) => score(p.dcr.medianHoldoutToTrain)),
      row("DCR baseline ratio, min(1, synthetic / baseline) (ours)", (p) => score(p.dcr.baselineRatio)),
      row("DCROverfittingProtection (SDMetrics)", (p) => score(p.overfittingProtection.score)),
      row("share of synthetic rows closer to training than to holdout", (p) => percent(p.overfittingProtection.closerToTraining)),
      row("median NNDR (ours: nearest / second-nearest real distance)", (p) => score(p.nndr.median)),
      row("exact copies of training rows", (p) => percent(p.exactCopyRate)),
      row("holdout rows equal to a training row (baseline)", (p) => percent(p.holdoutExactCopyRate)),
      row("membership-inference AUC (ours, distance-based; 0.5 = chance)", (p) => score(p.membershipInferenceAuc)),
      row("rare quasi-identifier combinations reproduced", (p) =>
        p.rareCombinations.quasiIdentifiers.length === 0 ? "not measured (no quasi-identifiers)" : `${p.rareCombinations.reproduced} of ${p.rareCombinations.rare} (${percent(p.rareCombinations.rate)}) over ${p.rareCombinations.quasiIdentifiers.join(", ")}`,
      ),
      [text("flags"), ...docs.map((d): Cell => ({ lines: [d.privacy.flags.length === 0 ? "none" : d.privacy.flags.join("; ")], flag: d.privacy.flags.length > 0 }))],
    ],
  };
};

const flagRules = (): string =>
  `Flags (our thresholds): exact copies above the holdout's own rate by more than ${percent(FLAG_RULES.exactCopyExcess)} of rows; a DCR baseline ratio below ${FLAG_RULES.dcrRatio}; a membership-inference AUC above ${FLAG_RULES.membershipAuc}.`;

/** The numeric columns of the evaluation (KSComplement), binned across the real and every synthetic table. */
const marginals = (docs: readonly SyntheticEvaluation[], real: StepInput, synthetic: readonly StepInput[], params: Params, ctx: StepContext): Marginal[] => {
  const numeric = docs[0]!.columns.filter((c) => c.metric === "KSComplement").map((c) => c.column);
  const columnsOf = (input: StepInput, field: string) => {
    const cols = new Map(denseColumns(input.table()).map((c) => [c.name, c]));
    return (name: string) => {
      const col = cols.get(name);
      if (col === undefined || (col.type !== "float" && col.type !== "int")) ctx.fail(field, `column ${JSON.stringify(name)} is ${col === undefined ? "missing" : col.type}; pass the tables the evaluation compared`);
      return numericValues(col);
    };
  };
  const realCol = columnsOf(real, "inputs.real");
  const syntheticCols = synthetic.map((s, i) => columnsOf(s, `inputs.synthetic[${i}]`));
  return numeric.map((name) => marginal(name, realCol(name), syntheticCols.map((c) => c(name)), params.bins, params.minCell));
};

const correlationCells = (docs: readonly SyntheticEvaluation[], generators: readonly string[]): CorrelationCell[] =>
  docs.flatMap((d, i) =>
    d.pairs
      .filter((p) => p.metric === "CorrelationSimilarity")
      .map((p) => ({ generator: generators[i]!, a: p.columns[0], b: p.columns[1], difference: p.real === undefined || p.real === null || p.synthetic === undefined || p.synthetic === null ? null : p.synthetic - p.real })),
  );

const intro = (docs: readonly SyntheticEvaluation[], params: Params, utility: boolean): string[] => [
  `Each generator was fitted on the same ${docs[0]!.rows.real} real training rows. Fidelity compares its synthetic rows with those rows (SDMetrics 0.32's definitions, overall and per subgroup level); privacy measures how close synthetic rows come to the training rows, against ${docs[0]!.rows.holdout} real rows the generator never saw (the holdout baseline: a generator that learned the distribution and not the rows is no closer to its training rows than new patients are).${utility ? " Utility trains the same model on synthetic rows and on real rows and scores both on the real test rows (TSTR vs TRTR), per subgroup." : ""}`,
  `Small cells (minCell = ${params.minCell}): overlay bins holding 1 to ${params.minCell - 1} real rows are merged with their neighbours, and bin edges are multiples of a round width, so no single patient's value or small group is shown; counts per subgroup level follow the complementary rule of every Strata report.`,
];

export const syntheticReport = defineStep({
  kind: "report.synthetic",
  module: import.meta.url,
  warm: warmCharts,
  params: Params,
  // evaluations[i] and synthetic[i]: evaluate.synthetic's document and the sampled table of generator i; real: the
  // rows they were fitted on; utility: evaluate.subgroup-metrics of the TRTR and TSTR models on the real test rows.
  inputs: { evaluations: { list: "metrics" }, real: "table", synthetic: { list: "table" }, utility: { optional: "metrics" } },
  outputs: { html: "report", md: "report" },
  run: async (inputs, params, ctx) => {
    const docs = readEvaluations(inputs.evaluations, params, ctx);
    if (inputs.synthetic.length !== docs.length) ctx.fail("inputs.synthetic", `${inputs.synthetic.length} synthetic tables for ${docs.length} evaluations; pass each generator's sampled table, in order`);
    const utility = inputs.utility === undefined ? null : readUtilityDoc(inputs.utility.json(), (problem) => ctx.fail("inputs.utility", problem));
    const g = params.generators;
    const overlays = marginals(docs, inputs.real, inputs.synthetic, params, ctx);
    const hiddenColumns = overlays.filter((m) => m.bins === null).map((m) => m.column);
    const numericPairs = docs[0]!.pairs.filter((p) => p.metric === "CorrelationSimilarity");
    const numericColumns = [...new Set(numericPairs.flatMap((p) => [...p.columns]))];
    const overlaySvg = overlays.some((m) => m.bins !== null) ? await renderChart(marginalOverlaySpec(overlays, g)) : null;
    const heatmapSvg = numericPairs.length === 0 ? null : await renderChart(correlationDifferenceSpec(correlationCells(docs, g), numericColumns, g));
    const fidelity = [summaryTable(docs, g), subgroupTable(docs, g, params.minCell), columnTable(docs, g)].filter((t): t is Table => t !== null);
    const pairs = pairTable(docs, g);
    const privacy = privacyTable(docs, g);
    const utilityTabs = utility === null ? [] : utilityTables(utility, params.minCell);
    const forestSvg = utility === null ? null : await renderChart(forestSpec("Accuracy, TSTR − TRTR per subgroup (95% bootstrap interval)", utilityForestRows(utility, "accuracy", params.minCell), utility.groups));
    const overlayNote = hiddenColumns.length === 0 ? [] : [`Not drawn (fewer than ${params.minCell} non-missing real values): ${hiddenColumns.join(", ")}.`];
    const figure = (svg: string | null) => (svg === null ? [] : [`<div class="charts"><figure class="chart">${svg}</figure></div>`]);
    const html = htmlDocument(params.title, [
      ...htmlParagraphs(intro(docs, params, utility !== null), "intro"),
      "<h2>Fidelity</h2>",
      ...fidelity.map(htmlTable),
      "<h2>Marginal overlays</h2>",
      ...figure(overlaySvg),
      ...htmlParagraphs(overlayNote, "note"),
      "<h2>Column pairs</h2>",
      ...figure(heatmapSvg),
      htmlTable(pairs),
      "<h2>Privacy</h2>",
      htmlTable(privacy),
      ...htmlParagraphs([flagRules()], "note"),
      ...(utility === null ? [] : ["<h2>Utility: train on synthetic, test on real</h2>", ...figure(forestSvg), ...utilityTabs.map(htmlTable)]),
      ...(params.notes.length === 0 ? [] : ["<h2>Notes</h2>", ...htmlParagraphs(params.notes, "note")]),
    ]);
    const md = [
      ...markdownHeading(1, params.title),
      ...markdownParagraphs(intro(docs, params, utility !== null)),
      ...markdownHeading(2, "Fidelity"),
      ...fidelity.flatMap(markdownTable),
      ...markdownHeading(2, "Marginal overlays"),
      ...overlays.filter((m) => m.bins !== null).flatMap((m) => markdownTable(overlayTable(m, g))),
      ...markdownParagraphs(overlayNote),
      ...markdownHeading(2, "Column pairs"),
      ...markdownTable(pairs),
      ...markdownHeading(2, "Privacy"),
      ...markdownTable(privacy),
      ...markdownParagraphs([flagRules()]),
      ...(utility === null ? [] : [...markdownHeading(2, "Utility: train on synthetic, test on real"), ...utilityTabs.flatMap(markdownTable)]),
      ...(params.notes.length === 0 ? [] : [...markdownHeading(2, "Notes"), ...markdownParagraphs(params.notes)]),
    ].join("\n");
    ctx.log(`${docs.length} generator(s), ${overlays.length} overlays, ${utility === null ? "no utility" : "with utility"}`);
    return { html, md };
  },
});

/** The overlay as a table (Markdown has no charts): share of rows per merged bin. */
const overlayTable = (m: Marginal, generators: readonly string[]): Table => ({
  caption: `${m.column}: share of rows per bin (bins with 1 to minCell − 1 real rows merged)`,
  header: ["bin", "real", ...generators],
  rows: m.bins!.map((b): Cell[] => [
    text(`[${fixed(b.start, 4).replace(/\.?0+$/, "")}, ${fixed(b.end, 4).replace(/\.?0+$/, "")})`),
    text(percent(b.real / m.realN)),
    ...generators.map((_, i) => text(percent(m.syntheticN[i] === 0 ? null : b.synthetic[i]! / m.syntheticN[i]!))),
  ]),
});

export interface SyntheticReportInputs {
  readonly evaluations: readonly MetricsHandle[];
  readonly real: TableHandle;
  readonly synthetic: readonly TableHandle[];
  readonly utility?: MetricsHandle;
}

/** e.g. reportSynthetic({ evaluations: [copulaEval], real: train, synthetic: [copulaRows], utility }, { title, generators: ["copula"] }). */
export const reportSynthetic = (
  inputs: SyntheticReportInputs,
  params: { readonly title: string; readonly generators: readonly string[]; readonly minCell?: number; readonly bins?: number; readonly notes?: readonly string[] },
  options?: NodeOptions,
) => {
  const wired = { evaluations: inputs.evaluations, real: inputs.real, synthetic: inputs.synthetic, utility: inputs.utility };
  const node = addNode(inputs.real.study, syntheticReport, wired, params, options);
  return { html: node.report("html"), md: node.report("md") };
};
