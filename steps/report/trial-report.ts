/**
 * report.trial: the N-of-1 series report in the spirit of CENT 2015 (Vohra et al., BMJ 2015), as one self-contained
 * HTML file (inline CSS and SVG, no script, no fetch) and as Markdown: the design and its randomization, patients
 * and days analysed and missing, a forest plot of individual effects raw and shrunken, the pooled μ and τ (REML and
 * Gibbs), the power table (trial.power's table and summary, optional), the hybrid check (trial.hybrid, optional), and a
 * patient's own time series only when `showPatientSeries` is set (pseudonymous ids, as in the data).
 * trial-report-view.ts builds the sections; evaluation-render.ts renders them, as for report.evaluation.
 */
import { Effect, Schema } from "effect";
import type { MetricsHandle, ReportHandle, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { PHASES } from "../trials/trial-days.js";
import { warmCharts, renderChart } from "./charts.js";
import { renderHtml, renderMarkdown } from "./evaluation-render.js";
import { type ForestPoint, RAW_ESTIMATE, SHRUNKEN_ESTIMATE, type SeriesPoint, trialForestSpec, trialSeriesSpec } from "./trial-report-charts.js";
import { type TrialReportInputs, readTrialReportInputs } from "./trial-report-inputs.js";
import { buildTrialReport } from "./trial-report-view.js";

const Text = Schema.String.check(Schema.isMinLength(1));

const Params = Schema.Struct({
  title: Text,
  /** Draw every patient's daily outcomes (by pseudonymous id). Off by default: row-level data. */
  showPatientSeries: Schema.Boolean.pipe(Schema.withDecodingDefaultKey(Effect.succeed(false))),
  /** Lines printed under the summary (settings, why the study is designed as it is). */
  notes: Schema.Array(Text).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
});

const forestPoints = (inputs: TrialReportInputs): ForestPoint[] => {
  const e = inputs.effects;
  const points: ForestPoint[] = [];
  e.patients.forEach((patient, i) => {
    const raw = [e.effect[i]!, e.lower[i]!, e.upper[i]!];
    if (raw.every(Number.isFinite)) points.push({ patient, estimate: RAW_ESTIMATE, value: raw[0]!, low: raw[1]!, high: raw[2]! });
    const shrunk = [e.shrunken[i]!, e.shrunkenLower[i]!, e.shrunkenUpper[i]!];
    if (shrunk.every(Number.isFinite)) points.push({ patient, estimate: SHRUNKEN_ESTIMATE, value: shrunk[0]!, low: shrunk[1]!, high: shrunk[2]! });
  });
  return points;
};

/** The days with an observed outcome, labelled by treatment on active days and by phase otherwise. */
const seriesPoints = (inputs: TrialReportInputs): { points: SeriesPoint[]; labels: string[] } => {
  const d = inputs.days;
  const active = PHASES.indexOf("active");
  const points: SeriesPoint[] = [];
  for (let p = 0; p < d.patients.length; p++) {
    for (let r = d.start[p]!; r < d.start[p + 1]!; r++) {
      const outcome = d.outcome![r]!;
      if (Number.isNaN(outcome)) continue;
      points.push({ patient: d.patients[p]!, day: d.day[r]!, outcome, label: d.phase[r] === active ? d.treatments[d.treatment[r]!]! : PHASES[d.phase[r]!]! });
    }
  }
  return { points, labels: [...d.treatments, ...PHASES.filter((ph) => ph !== "active")] };
};

export const trialReport = defineStep({
  kind: "report.trial",
  module: import.meta.url,
  warm: warmCharts,
  params: Params,
  inputs: {
    design: "metrics",
    outcomes: "table",
    effects: "table",
    shrunken: "table",
    pooled: "metrics",
    summary: "metrics",
    hybrid: { optional: "metrics" },
    powerTable: { optional: "table" },
    powerSummary: { optional: "metrics" },
  },
  outputs: { html: "report", md: "report" },
  run: async (inputs, params, ctx) => {
    const read = readTrialReportInputs(inputs, ctx);
    const { reference, treatment } = read.summary;
    const forest = await renderChart(trialForestSpec(forestPoints(read), read.effects.patients, read.pooled.mu, `${treatment} − ${reference} (outcome scale)`));
    let series: string | null = null;
    if (params.showPatientSeries) {
      const { points, labels } = seriesPoints(read);
      series = await renderChart(trialSeriesSpec(points, labels, read.days.patients));
    }
    const digests: [string, string][] = [
      ["Design", inputs.design.digest],
      ["Outcomes", inputs.outcomes.digest],
      ["Effects", inputs.effects.digest],
      ["Shrunken effects", inputs.shrunken.digest],
      ["Pooled", inputs.pooled.digest],
      ["Analysis summary", inputs.summary.digest],
      ...(inputs.hybrid === undefined ? [] : [["Hybrid check", inputs.hybrid.digest] as [string, string]]),
      ...(inputs.powerTable === undefined ? [] : [["Power table", inputs.powerTable.digest] as [string, string]]),
      ...(inputs.powerSummary === undefined ? [] : [["Power summary", inputs.powerSummary.digest] as [string, string]]),
    ];
    const view = buildTrialReport(read, params, { forest, series }, digests);
    return { html: renderHtml(view), md: renderMarkdown(view) };
  },
});

export interface TrialReportOptions {
  readonly title: string;
  readonly showPatientSeries?: boolean;
  readonly notes?: readonly string[];
}

/**
 * Pipeline builder, e.g.
 *   reportTrial({ design, outcomes, effects, shrunken, pooled, summary, hybrid: check.hybrid, power: trialPowerGrid(s, grid) }, { title: "…" });
 */
export const reportTrial = (
  inputs: {
    readonly design: MetricsHandle;
    readonly outcomes: TableHandle;
    readonly effects: TableHandle;
    readonly shrunken: TableHandle;
    readonly pooled: MetricsHandle;
    readonly summary: MetricsHandle;
    readonly hybrid?: MetricsHandle;
    /** trial.power's outputs (trialPowerGrid's table and summary). */
    readonly power?: { readonly table: TableHandle; readonly summary: MetricsHandle };
  },
  params: TrialReportOptions,
  options: NodeOptions = {},
): { readonly html: ReportHandle; readonly markdown: ReportHandle } => {
  const node = addNode(inputs.outcomes.study, trialReport, { ...inputs, hybrid: inputs.hybrid, powerTable: inputs.power?.table, powerSummary: inputs.power?.summary }, params, options);
  return { html: node.report("html"), markdown: node.report("md") };
};
