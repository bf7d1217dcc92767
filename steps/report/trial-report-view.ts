/**
 * report.trial's view: every section of the N-of-1 series report as final text cells (rendered by
 * evaluation-render.ts, the sectioned renderer, to HTML and Markdown), in the order of CENT 2015's results:
 * methods (design, randomization, analysis, pooling, deviations from the anchors), participants and days,
 * individual effects (forest plot and table, raw and shrunken), the pooled effect (REML and Gibbs), the power
 * table, the hybrid check, and — only when the study asks — each patient's own time series.
 *
 * Individual effects are the point of an N-of-1 series and are shown per pseudonymous id. The hybrid section's
 * aggregates follow the small-cell rule (suppression.ts) through the visibilities trial.hybrid recorded.
 */
import { type CellValue, tableColumns } from "../../artifacts/table.js";
import { CODE_DIGEST_TOKEN, MANIFEST_DIGEST_TOKEN } from "../../dsl/report-provenance.js";
import { scheduleDays } from "../trials/design-document.js";
import { PHASES } from "../trials/trial-days.js";
import type { HybridDoc, HybridGroup } from "../trials/hybrid-document.js";
import type { Visibility } from "./suppression.js";
import type { ReportView, Section, Table } from "./evaluation-view.js";
import { type Cell, complementCell, fixed, suppressedCell, text } from "./renderer.js";
import type { PowerResults, TrialReportInputs } from "./trial-report-inputs.js";

export interface TrialReportParams {
  readonly title: string;
  readonly showPatientSeries: boolean;
  readonly notes: readonly string[];
}

export interface TrialCharts {
  readonly forest: string;
  readonly series: string | null;
}

const num = (v: number, digits = 3): string => (Number.isFinite(v) ? fixed(v, digits) : "—");
const interval = (lo: number, hi: number, digits = 3): string => (Number.isFinite(lo) && Number.isFinite(hi) ? `${fixed(lo, digits)} to ${fixed(hi, digits)}` : "—");
const orDash = (v: number | null, digits = 3): string => (v === null ? "—" : fixed(v, digits));
const pct = (v: number | null): string => (v === null ? "—" : `${fixed(v * 100, 1)}%`);
const table = (caption: string, header: readonly string[], rows: readonly (readonly Cell[])[]): Table => ({ caption, header, rows, markdown: true });

const RANDOMIZATION: Readonly<Record<string, (cycles: number, maxRun: number | undefined) => string>> = {
  alternating: () => "one order of the treatments drawn per patient and repeated in every cycle (ABAB…)",
  counterbalanced: () => "an order drawn per patient, then its reverse, alternating by cycle (ABBA…)",
  "randomized-cycles": () => "an independent random order of the treatments in every cycle",
  randomized: (cycles, maxRun) => `a sequence drawn uniformly per patient with each treatment in ${cycles} periods${maxRun === undefined ? "" : ` and no treatment in more than ${maxRun} consecutive periods`}`,
};

/** What our implementation does differently from the issue's anchors, stated once in every report. */
const DEVIATIONS = [
  "Deviations from the anchors. n1-simulator (Percha et al., JMIR 2019): the mechanistic model (onset and washout time constants, baseline drift, process and measurement noise) is re-implemented in trial.simulate on Strata's seeded random streams, so a series is not numerically identical to the n1-simulator's; of its four analysis models, the paired mean difference over cycles and a regression with treatment, trend and AR(1) errors are fitted, not the block or random-block models.",
  "nof1 / TrialistNof1 (Schmid lab): only continuous outcomes are analysed (no logistic or Poisson models); the per-patient probabilities of benefit and of a clinically important benefit come from each method's sampling distribution rather than from an MCMC fit with the packages' priors; the series is pooled with a normal–normal hierarchical model (REML, and a seeded Gibbs sampler), not a network meta-analysis across more than two treatments.",
];

const methodsSection = (inputs: TrialReportInputs): Section => {
  const d = inputs.design;
  const { reference, treatment } = inputs.summary;
  const rows: [string, string][] = [
    ["Design", d.design],
    ["Treatments (reference first)", d.treatments.join(", ")],
    ["Cycles", String(d.cycles)],
    ["Period length (days)", String(d.periodDays)],
    ["Washout (days at the start of each period; kept in the data, excluded from the analysis)", String(d.washoutDays)],
    ["Baseline days (no treatment)", String(d.baselineDays)],
    ["Run-in days (no treatment)", String(d.runInDays)],
    ["Randomization", RANDOMIZATION[d.design]!(d.cycles, d.maxRun)],
    ["Days per patient", String(scheduleDays(d))],
  ];
  const a = inputs.summary;
  const analysis: [string, string][] = [
    ["Compared", `${a.treatment} against ${a.reference}`],
    ["Better outcome", a.better],
    ["Primary method", a.primary],
    ["Interval level", `${fixed(a.level * 100, 0)}%`],
    ["Minimal clinically important difference (outcome scale)", String(a.mcid)],
  ];
  const tables = [table("Design", ["Item", "Value"], rows.map(([k, v]) => [text(k), text(v)])), table("Analysis (trial.analyze)", ["Item", "Value"], analysis.map(([k, v]) => [text(k), text(v)]))];
  const p = inputs.pooled;
  return {
    id: "methods",
    title: "Methods",
    intro: [
      `Each patient received ${d.treatments.join(" and ")} in ${d.cycles} cycles of ${d.treatments.length} periods of ${d.periodDays} days (${d.design} design); the effect is ${treatment} − ${reference} on the outcome scale, and benefit is the effect in the direction the analysis calls better.`,
      ...Object.entries(a.methods).map(([method, description]) => `Analysis, ${method}: ${description}.`),
      `Individual effects are pooled with δ_i ~ N(μ, τ²): μ and τ by ${p.method}, the shrunken (empirical-Bayes) effects from it, and a seeded Gibbs sampler (${p.gibbs.draws} draws after ${p.gibbs.burnIn} burn-in${p.gibbs.prior === undefined ? "" : `; ${p.gibbs.prior}`}) for the posterior summaries.`,
      ...(inputs.hybrid === undefined ? [] : Object.values(inputs.hybrid.definitions)),
      ...DEVIATIONS,
    ],
    charts: [],
    tables,
    notes: [],
  };
};

const participantsSection = (inputs: TrialReportInputs): Section => {
  const { days, effects } = inputs;
  const phaseDays = PHASES.map(() => 0);
  let activeMissing = 0;
  for (let r = 0; r < days.day.length; r++) {
    phaseDays[days.phase[r]!]!++;
    if (PHASES[days.phase[r]!] === "active" && Number.isNaN(days.outcome![r]!)) activeMissing++;
  }
  const active = phaseDays[PHASES.indexOf("active")]!;
  const withEffect = effects.effect.filter((v) => !Number.isNaN(v)).length;
  const rows: [string, number][] = [
    ["Patients in the data", days.patients.length],
    ["Patients with an individual effect", withEffect],
    ["Patients without one (too few cycles or days)", effects.patients.length - withEffect],
    ["Patient-days in the data", days.day.length],
    ["Baseline days", phaseDays[PHASES.indexOf("baseline")]!],
    ["Run-in days", phaseDays[PHASES.indexOf("run-in")]!],
    ["Washout days (excluded from the analysis)", phaseDays[PHASES.indexOf("washout")]!],
    ["Active days", active],
    ["Active days analysed (outcome observed)", active - activeMissing],
    ["Active days with the outcome missing", activeMissing],
  ];
  return {
    id: "participants",
    title: "Patients and days",
    intro: [],
    charts: [],
    tables: [table("Patients and patient-days", ["", "Count"], rows.map(([k, v]) => [text(k), text(String(v))]))],
    notes: [],
  };
};

const effectsSection = (inputs: TrialReportInputs, forest: string): Section => {
  const e = inputs.effects;
  const { reference, treatment } = inputs.summary;
  const rows = e.patients.map((id, i) => [
    text(id),
    text(Number.isNaN(e.cycles[i]!) ? "—" : String(e.cycles[i])),
    text(Number.isNaN(e.days[i]!) ? "—" : String(e.days[i])),
    text(num(e.effect[i]!)),
    text(interval(e.lower[i]!, e.upper[i]!)),
    text(num(e.pBenefit[i]!)),
    text(num(e.pMcid[i]!)),
    text(num(e.shrunken[i]!)),
    text(interval(e.shrunkenLower[i]!, e.shrunkenUpper[i]!)),
    text(num(e.shrunkenPPositive[i]!)),
    text(num(e.shrunkenPMcid[i]!)),
  ]);
  return {
    id: "effects",
    title: "Individual effects",
    intro: [`Each patient's effect of ${treatment} against ${reference}, from their own trial (raw) and shrunken towards the pooled μ (green line); intervals at the analysis' level. Patients without an estimate are listed with "—".`],
    charts: [forest],
    tables: [
      table(`Individual effects (${treatment} − ${reference})`, ["Patient", "Cycles", "Days", "Effect", "Interval", "P(benefit > 0)", "P(benefit > MCID)", "Shrunken", "Shrunken interval", "Shrunken P(benefit > 0)", "Shrunken P(benefit > MCID)"], rows),
    ],
    notes: [],
  };
};

const pooledSection = (inputs: TrialReportInputs): Section => {
  const p = inputs.pooled;
  return {
    id: "pooled",
    title: "Pooled effect",
    intro: [`The series' mean effect μ and the spread τ of the patients' true effects, over ${p.patients} patients.`],
    charts: [],
    tables: [
      table("Pooled effect and heterogeneity", ["Method", "μ", "μ interval", "τ", "τ interval", "τ²"], [
        [text(p.method), text(num(p.mu)), text(interval(p.muLower, p.muUpper)), text(num(p.tau)), text("—"), text(num(p.tau2))],
        [text(`Gibbs (${p.gibbs.draws} draws)`), text(num(p.gibbs.mu)), text(interval(p.gibbs.muLower, p.gibbs.muUpper)), text(num(p.gibbs.tau)), text(interval(p.gibbs.tauLower, p.gibbs.tauUpper)), text(num(p.gibbs.tau * p.gibbs.tau))],
      ]),
    ],
    notes: [
      `μ standard error (${p.method}): ${num(p.muSe)}${p.muInterval === undefined ? "" : `; its interval: ${p.muInterval}`}. The Gibbs τ² column is the square of its posterior mean of τ.`,
      ...(p.gibbs.rhatMu === undefined
        ? []
        : [`Gibbs convergence: split R-hat ${orDash(p.gibbs.rhatMu ?? null)} for μ and ${orDash(p.gibbs.rhatTau ?? null)} for τ over ${p.gibbs.chains ?? 1} chains (values near 1 mean the chains agree).`]),
    ],
  };
};

/** A cell of trial.power's table: floats to 3 decimals, ints and strings as they are. */
const powerCell = (v: CellValue, type: string): string => (v === null ? "—" : type === "float" ? fixed(v as number, 3) : String(v));

/** trial.power's table, every column as written, and the cheapest design reaching the target power per scenario. */
const powerSection = (power: PowerResults): Section => {
  const columns = tableColumns(power.table);
  const s = power.summary;
  const rows = Array.from({ length: power.table.numRows }, (_, r) => columns.map((c) => text(powerCell(c.values[r]!, c.type))));
  const cheapest = s.cheapest.map((c) => [
    text(fixed(c.effectSize, 3)),
    text(`${fixed(c.onsetTime, 1)} / ${fixed(c.washoutTime, 1)}`),
    text(fixed(c.driftSd, 3)),
    text(c.design ?? "none reaches it"),
    text(c.patientDays === null ? "—" : String(c.patientDays)),
    text(c.power === null ? "—" : fixed(c.power, 3)),
  ]);
  return {
    id: "power",
    title: "Design power",
    intro: [`Simulated power of each design (trial.power-cell: R series per cell, each analysed and pooled${s.decidedBy === null ? "" : `; ${s.decidedBy}`}), and for every scenario the design with the fewest patient-days per series reaching power ${fixed(s.targetPower, 2)}.`],
    charts: [],
    tables: [
      table("Power by design and scenario", columns.map((c) => c.name.replaceAll("_", " ")), rows),
      table(`Cheapest design reaching power ${fixed(s.targetPower, 2)}`, ["Effect size", "Onset / washout time (days)", "Drift sd", "Design", "Patient-days per series", "Power"], cheapest),
    ],
    notes: [],
  };
};

const hidden = (v: Visibility, minCell: number): Cell => (v === "complement" ? complementCell : suppressedCell(minCell));

/** The hybrid document's visibilities were decided with its own minCell, so that is the k shown. */
const hybridSection = (doc: HybridDoc, summary: { readonly reference: string; readonly treatment: string }): Section => {
  const { reference, treatment } = summary;
  const minCell = doc.params.minCell;
  const show = (v: Visibility, value: string): Cell => (v === "shown" ? text(value) : hidden(v, minCell));
  const groupRow = (g: HybridGroup): Cell[] => {
    const v = g.visibility;
    const c = g.confirmation;
    const k = g.kappa;
    const cal = g.calibration;
    return [
      text(g.group),
      show(v, String(g.n)),
      show(v, `${pct(c.rate)} (${pct(c.lower)} to ${pct(c.upper)})`),
      show(v, k.kappa === null ? "—" : `${fixed(k.kappa, 3)} (se ${orDash(k.se)}; ${orDash(k.lower)} to ${orDash(k.upper)})`),
      show(v, cal.slope === null ? "—" : `${fixed(cal.slope, 3)} (se ${orDash(cal.slopeSe)})`),
      show(v, orDash(cal.intercept)),
      show(v, orDash(cal.correlation)),
      show(g.confidentVisibility, String(g.confident)),
      show(g.confidentWrongVisibility, String(g.confidentWrong)),
    ];
  };
  const bins = doc.groups.flatMap((g) =>
    g.bins.map((b) => [
      text(g.group),
      text(String(b.bin)),
      show(b.visibility, String(b.n)),
      show(b.visibility, `${fixed(b.predictedMin, 3)} to ${fixed(b.predictedMax, 3)}`),
      show(b.visibility, fixed(b.meanPredicted, 3)),
      show(b.visibility, fixed(b.meanBenefit, 3)),
      show(b.visibility, pct(b.shareBenefit)),
    ]),
  );
  const level = `${fixed(doc.params.level * 100, 0)}%`;
  const listed =
    doc.confidentWrongPatients === null
      ? `The people for whom the population model was confident (|predicted benefit| ≥ ${doc.params.confidentAbove}) and wrong are counted, not listed (the study did not set listPatients).`
      : `Confident (|predicted benefit| ≥ ${doc.params.confidentAbove}) and wrong, by pseudonymous id (listed because the study set listPatients): ${doc.confidentWrongPatients.length === 0 ? "none" : doc.confidentWrongPatients.join(", ")}.`;
  return {
    id: "hybrid",
    title: "Hybrid check: the population model against the N-of-1 results",
    intro: [
      `A T-learner trained on a parallel-group trial predicts each patient's benefit of ${treatment} over ${reference} as a difference of response probabilities; the patient's own N-of-1 result (${doc.params.decideBy === "shrunken" ? "the shrunken effect" : "the raw effect"}) confirms or refutes the recommendation. ${doc.analysed} of ${doc.patients} patients have an N-of-1 result${doc.excluded === 0 ? "" : `; ${doc.excluded} without one are left out`}.`,
      `Confirmation rate with its ${level} Wilson interval; Cohen's kappa on the recommended treatment with its large-sample standard error (Fleiss, Cohen & Everitt 1969) and ${level} interval; calibration: the least-squares slope and intercept of N-of-1 benefit on predicted benefit, with Pearson's r.`,
    ],
    charts: [],
    tables: [
      table(
        "Hybrid check by group",
        ["Group", "n", "Confirmation rate (interval)", "Cohen's kappa (se; interval)", "Calibration slope (se)", "Intercept", "r", "Confident", "Confident and wrong"],
        doc.groups.map(groupRow),
      ),
      table("Calibration bins: N-of-1 benefit by predicted benefit (equal-count bins)", ["Group", "Bin", "n", "Predicted benefit", "Mean predicted", "Mean N-of-1 benefit", "Share with N-of-1 benefit > 0"], bins),
    ],
    notes: [
      listed,
      `Small cells are suppressed: a figure on fewer than ${minCell} people, and a count under ${minCell}, is shown as "< ${minCell}"; when a column would hide exactly one subgroup, the shown subgroup with the fewest people is hidden too ("hidden").`,
    ],
  };
};

const seriesSection = (svg: string): Section => ({
  id: "series",
  title: "Patients' own time series",
  intro: ["Shown because the study set showPatientSeries: each patient's daily outcomes by pseudonymous id, coloured by the day's treatment (washout, baseline and run-in days in their own colours)."],
  charts: [svg],
  tables: [],
  notes: [],
});

export const buildTrialReport = (inputs: TrialReportInputs, params: TrialReportParams, charts: TrialCharts, digests: readonly (readonly [string, string])[]): ReportView => {
  const { design, days, hybrid } = inputs;
  const overall = hybrid?.groups[0];
  const summary = [
    `${days.patients.length} patients, ${design.design} design, ${design.cycles} cycles of ${design.treatments.join(" / ")}; pooled effect μ = ${num(inputs.pooled.mu)} (${interval(inputs.pooled.muLower, inputs.pooled.muUpper)}), τ = ${num(inputs.pooled.tau)} (${inputs.pooled.method}).` +
      (overall === undefined || overall.visibility !== "shown" ? "" : ` The population model's recommendation was confirmed for ${pct(overall.confirmation.rate)} of patients.`),
    ...params.notes,
  ];
  const sections = [
    methodsSection(inputs),
    participantsSection(inputs),
    effectsSection(inputs, charts.forest),
    pooledSection(inputs),
    ...(inputs.power === undefined ? [] : [powerSection(inputs.power)]),
    ...(hybrid === undefined ? [] : [hybridSection(hybrid, inputs.summary)]),
    ...(charts.series === null ? [] : [seriesSection(charts.series)]),
  ];
  const provenance: [string, string][] = [
    ["Manifest digest (the run)", MANIFEST_DIGEST_TOKEN],
    ["Report code digest", CODE_DIGEST_TOKEN],
    ...digests.map(([k, v]): [string, string] => [k, v]),
  ];
  return { title: params.title, summary, sections, provenance };
};
