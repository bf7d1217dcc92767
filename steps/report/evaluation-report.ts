/**
 * report.evaluation: the depth evaluation (evaluate.subgroup-metrics) as three documents:
 * - html: one self-contained file (inline CSS and inline SVG charts, no script, no external resource, and a
 *   Content-Security-Policy that forbids both): the study's plan as a graph, subgroup sizes, per-model metric
 *   tables, gains with a forest plot, harm tests, calibration curves per subgroup, Fairlearn-style comparisons,
 *   rare-case metrics (labelled "our definition"), envy-freeness when evaluate.personalization's result is passed
 *   too, and a provenance footer;
 * - md: a Markdown summary for pull requests with the same numbers for the key metrics;
 * - json: every number (the whole evaluation document, suppression flags included), the plan and provenance.
 *
 * Small-cell suppression: every reported value carries its basis (the fewest people it was computed on); a value
 * whose basis is below `minCell` is printed as "< minCell" in HTML and Markdown and left out of every chart. Counts
 * are suppressed below minCell, and so are positives whose complement is below it, and shares or prevalences that
 * would reveal a suppressed count. The JSON keeps the values with their flags (it is the analyst's artifact).
 *
 * Provenance: a step cannot know the manifest of its own run, nor its own code digest. The report writes the
 * provenance tokens of dsl/report-provenance.ts, which the engine replaces with the run's manifest digest and this
 * node's code digest when `strata run` writes the files. The data digests (the evaluated table and predictions
 * artifacts) come from the evaluation document itself.
 */
import { Effect, Schema } from "effect";
import { canonicalJson } from "../../artifacts/canonical-json.js";
import type { MetricsHandle, ReportHandle } from "../../dsl/handles.js";
import type { PlanInput } from "../../dsl/plan.js";
import { type JsonValue, type StepContext, defineStep } from "../../dsl/step.js";
import { CODE_DIGEST_TOKEN, MANIFEST_DIGEST_TOKEN } from "../../dsl/report-provenance.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import type { Estimate, SubgroupMetricsDoc } from "../evaluate/subgroup-metrics.js";
import { type ForestRow, type PlanNodeView, calibrationSpec, forestSpec, planGraphSpec, renderChart, sizesSpec } from "./charts.js";
import { escapeHtml, escapeMarkdown } from "./escape.js";

const METRIC_KEYS = ["accuracy", "balancedAccuracy", "sensitivity", "specificity", "ppv", "npv", "auroc", "auprc", "brier", "logLoss", "ece"] as const;
type MetricKey = (typeof METRIC_KEYS)[number];
const MetricKeySchema = Schema.Literals(METRIC_KEYS);

const PlanNode = Schema.Struct({ id: Schema.String, step: Schema.String, inputs: Schema.Array(Schema.String) });
const Params = Schema.Struct({
  title: Schema.String.check(Schema.isMinLength(1)),
  /** Overrides the evaluation's minCell for what the reports print; the flags are recomputed from each basis. */
  minCell: Schema.optional(Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1))),
  /** Metrics shown in the gains forest plot, Markdown and comparison tables. */
  keyMetrics: Schema.Array(MetricKeySchema)
    .check(Schema.isMinLength(1), Schema.isUnique())
    .pipe(Schema.withDecodingDefaultKey(Effect.succeed(["accuracy", "balancedAccuracy", "auroc", "brier", "ece"] as const))),
  /** The study's plan as the builder saw it (node, step kind, input nodes), drawn as a graph. */
  plan: Schema.Array(PlanNode).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  /** Plan nodes drawn highlighted (the evaluation and this report). */
  highlight: Schema.Array(Schema.String).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
});
export type EvaluationReportParams = typeof Params.Type;

/**
 * The envy-freeness part of evaluate.personalization's document (issue 3's step, which computes it with harm.ts's
 * exact McNemar test), read structurally: this report only renders it. Absent when no such document is passed.
 */
export interface EnvyEntry {
  readonly method: string;
  readonly group: string;
  readonly modelGroup: string;
  readonly envy: { readonly mean: number | null; readonly sd: number | null };
  readonly mcnemar: { readonly b: number; readonly c: number; readonly pValue: number };
  readonly envious: boolean;
}
export interface EnvyDoc {
  readonly alpha: number;
  readonly envy: readonly EnvyEntry[];
}

const readEnvy = (value: unknown, field: string, ctx: StepContext): EnvyDoc => {
  const v = value as { metric?: unknown; alpha?: unknown; envy?: unknown } | null;
  const ok =
    v !== null &&
    typeof v === "object" &&
    v.metric === "personalization" &&
    typeof v.alpha === "number" &&
    Array.isArray(v.envy) &&
    (v.envy as unknown[]).every((e) => {
      const x = e as Partial<EnvyEntry> | null;
      return x !== null && typeof x === "object" && typeof x.method === "string" && typeof x.group === "string" && typeof x.modelGroup === "string" &&
        typeof x.envious === "boolean" && typeof x.mcnemar?.pValue === "number" && typeof x.envy === "object";
    });
  if (!ok) ctx.fail(field, "expected the metrics of evaluate.personalization (metric personalization, with alpha and envy entries)");
  return { alpha: v!.alpha as number, envy: v!.envy as EnvyEntry[] };
};

// ---------------------------------------------------------------------------------------------------------------
// The view: tables of final text cells, built once, rendered to HTML and Markdown

interface Cell {
  /** Lines of plain text (never markup); HTML joins them with <br>, Markdown with a space. */
  readonly lines: readonly string[];
  readonly suppressed?: boolean;
  readonly flag?: boolean;
}
interface Table {
  readonly caption: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** Render in Markdown too (the full per-model tables stay HTML-only; Markdown gets a key-metric digest). */
  readonly markdown: boolean;
}
interface Section {
  readonly id: string;
  readonly title: string;
  readonly intro: readonly string[];
  readonly charts: readonly string[];
  readonly tables: readonly Table[];
  readonly notes: readonly string[];
}
export interface ReportView {
  readonly title: string;
  readonly summary: readonly string[];
  readonly sections: readonly Section[];
  readonly provenance: readonly (readonly [string, string])[];
}

const text = (...lines: string[]): Cell => ({ lines });
const fixed = (v: number, digits = 3): string => {
  const s = v.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
};
const signed = (v: number, digits = 3): string => (v > 0 ? `+${fixed(v, digits)}` : fixed(v, digits));
const interval = (iv: readonly [number, number] | null | undefined, digits = 3): string | null => (iv ? `[${fixed(iv[0], digits)}, ${fixed(iv[1], digits)}]` : null);
const percent = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** The suppression rule on one value: basis below k → "< k". */
const hidden = (basis: number, k: number): boolean => basis < k;

/** Size suppression at this report's k: a count below k, or positives whose complement is below k. */
const sizeFlags = (s: SubgroupMetricsDoc["sizes"][number], k: number) => ({
  cohortN: s.cohortN < k,
  cohortPositives: s.cohortPositives < k || s.cohortN - s.cohortPositives < k,
  testN: s.testN < k,
  testPositives: s.testPositives < k || s.testN - s.testPositives < k,
});

export const buildView = (doc: SubgroupMetricsDoc, params: EvaluationReportParams, charts: Charts, inputDigest: string, envy: EnvyDoc | null = null): ReportView => {
  const k = params.minCell ?? doc.params.minCell;
  const small: Cell = { lines: [`< ${k}`], suppressed: true };
  const label = (m: MetricKey) => doc.metricInfo[m].label;
  const estimateCell = (e: Estimate, options: { gain?: boolean; wilson?: boolean } = {}): Cell => {
    if (hidden(e.basis, k)) return small;
    if (e.estimate === null) return text("n/a");
    const main = options.gain ? signed(e.estimate) : fixed(e.estimate);
    const lines = [e.sd === null ? main : `${main} ± ${fixed(e.sd)}`];
    const ci = interval(e.interval);
    if (ci) lines.push(ci);
    if (options.wilson && e.wilson) lines.push(`Wilson ${interval(e.wilson)}`);
    return { lines };
  };
  const oneLine = (c: Cell): Cell => ({ ...c, lines: [c.lines.join(" ")] });
  const count = (v: number, suppressed: boolean): Cell => (suppressed ? small : text(String(v)));
  const groups = doc.groups;
  const sizes = new Map(doc.sizes.map((s) => [s.group, s]));
  const result = (model: string, group: string) => doc.results.find((r) => r.model === model && r.group === group)!;
  const reference = doc.params.reference;
  const candidates = doc.models.filter((m) => m !== reference);
  const level = `${Math.round(doc.params.level * 100)}%`;
  const keyMetrics = params.keyMetrics as readonly MetricKey[];

  const sections: Section[] = [];

  sections.push({
    id: "plan",
    title: "Study plan",
    intro: ["Each box is a node of the study's plan; lines run from a node's inputs to it. Highlighted: this evaluation and report."],
    charts: charts.plan === null ? [] : [charts.plan],
    tables: [],
    notes: charts.plan === null ? ["The plan was not passed to this report (build it with reportEvaluation)."] : [],
  });

  sections.push({
    id: "sizes",
    title: "Subgroup sizes",
    intro: [
      `Cohort: everyone in the input table. Evaluated: the distinct people some replicate scored (the test sets). A subgroup is rare (our definition) when its share of the cohort is below ${percent(doc.params.rareBelow)}.`,
    ],
    charts: [charts.sizes],
    tables: [
      {
        caption: "Subgroup sizes",
        header: ["Group", "Cohort n", "Cohort positives", `Share of cohort [${level} Wilson]`, "Evaluated n", "Evaluated positives", `Prevalence of the label [${level} Wilson]`, "Rare (our definition)"],
        rows: groups.map((g) => {
          const s = sizes.get(g)!;
          const f = sizeFlags(s, k);
          return [
            text(g),
            count(s.cohortN, f.cohortN),
            count(s.cohortPositives, f.cohortPositives),
            f.cohortN ? small : g === "overall" ? text("100%") : text(percent(s.share), interval(s.shareInterval) ?? ""),
            count(s.testN, f.testN),
            count(s.testPositives, f.testPositives),
            f.testN || f.testPositives || s.testPrevalence === null ? small : text(percent(s.testPrevalence), interval(s.testPrevalenceInterval) ?? ""),
            text(g === "overall" ? "—" : s.rare ? "rare" : "no"),
          ];
        }),
        markdown: true,
      },
    ],
    notes: [],
  });

  sections.push({
    id: "metrics",
    title: "Metrics by subgroup",
    intro: [
      `Each cell: mean ± sample sd across ${doc.replicates} replicates (seeds × folds), then the ${level} stratified bootstrap percentile interval (${doc.params.resamples} resamples of the evaluated people within subgroup × label)` +
        `; proportions also give a ${level} Wilson interval at the test-set denominator. A prediction is positive when P(y = 1) ≥ ${doc.params.threshold}.`,
    ],
    charts: [],
    tables: [
      ...doc.models.map(
        (model): Table => ({
          caption: `Model ${model}`,
          header: ["Group", "Evaluated n", ...METRIC_KEYS.map(label)],
          rows: groups.map((g) => {
            const r = result(model, g);
            const s = sizes.get(g)!;
            return [text(g), count(s.testN, sizeFlags(s, k).testN), ...METRIC_KEYS.map((m) => estimateCell(r.metrics[m], { wilson: doc.metricInfo[m].proportion }))];
          }),
          markdown: false,
        }),
      ),
      {
        caption: "Key metrics (mean ± sd [bootstrap interval])",
        header: ["Group", "Model", ...keyMetrics.map(label)],
        rows: groups.flatMap((g) => doc.models.map((model) => [text(g), text(model), ...keyMetrics.map((m) => oneLine(estimateCell(result(model, g).metrics[m])))])),
        markdown: true,
      },
    ],
    notes: ['"n/a": undefined for that group (e.g. AUROC with one class, PPV with no positive prediction). Brier, log loss and ECE: lower is better.'],
  });

  if (reference !== null && candidates.length > 0) {
    const gain = (model: string, group: string, metric: MetricKey) => doc.gains.find((x) => x.model === model && x.group === group && x.metric === metric)!;
    sections.push({
      id: "gains",
      title: `Gains over ${reference}`,
      intro: [
        `Gain = the model's metric minus the reference's (${reference}), paired by replicate (same seed, same fold), sign-flipped for Brier, log loss and ECE, so a positive gain always means the model did better. ` +
          `Points: mean gain; bars: ${level} bootstrap interval (both models scored on the same resamples).`,
      ],
      charts: charts.forest,
      tables: [
        {
          caption: `Gains over ${reference} (mean ± sd [bootstrap interval]; share of replicates with a negative gain)`,
          header: ["Group", "Model", ...keyMetrics.map((m) => `${label(m)} gain`), "Accuracy: replicates worse"],
          rows: groups.flatMap((g) =>
            candidates.map((model) => {
              const acc = gain(model, g, "accuracy");
              return [
                text(g),
                text(model),
                ...keyMetrics.map((m) => oneLine(estimateCell(gain(model, g, m), { gain: true }))),
                hidden(acc.basis, k) ? small : text(acc.fractionNegative === null ? "n/a" : percent(acc.fractionNegative)),
              ];
            }),
          ),
          markdown: true,
        },
      ],
      notes: [],
    });

    sections.push({
      id: "harm",
      title: "Harm tests",
      intro: [doc.harmRule, `Significance level α = ${doc.params.alpha}. Groups under ${k} people are tested (the JSON has the results) but not shown.`],
      charts: [],
      tables: [
        {
          caption: `Harm tests against ${reference} (accuracy)`,
          header: ["Group", "Model", "McNemar b (model wrong, reference right)", "McNemar c (model right, reference wrong)", "McNemar p (harm)", "Sign test T / B", "Sign test p (harm)", "Flag"],
          rows: doc.harm.map((h) => {
            if (hidden(h.basis, k)) return [text(h.group), text(h.model), small, small, small, small, small, small];
            return [
              text(h.group),
              text(h.model),
              text(String(h.mcnemar.b)),
              text(String(h.mcnemar.c)),
              text(h.mcnemar.pValue.toPrecision(3)),
              text(h.signTest === null ? "—" : `${h.signTest.atLeastAsGood} / ${h.signTest.resamples - h.signTest.skipped}`),
              text(h.signTest === null ? "—" : h.signTest.pValue.toPrecision(3)),
              h.harmed ? { lines: ["HARMED"], flag: true } : text("no harm detected"),
            ];
          }),
          markdown: true,
        },
      ],
      notes:
        envy === null
          ? ["Envy-freeness (would a group do better with another group's model?) needs each group scored by every other group's model: pass evaluate.personalization's result to this report to show it."]
          : [],
    });
  }

  if (envy !== null) {
    const groupHidden = (g: string) => {
      const s = sizes.get(g);
      return s === undefined || s.testN < k;
    };
    sections.push({
      id: "envy",
      title: "Envy-freeness",
      intro: [
        "Would a group do better with another group's model? Envy = accuracy on the group's people under the other group's model minus under its own, mean ± sd over replicates. " +
          `A group envies another when the exact McNemar test (own model as candidate, the other group's model as reference; one-sided) gives p < ${envy.alpha}. Computed by evaluate.personalization with harm.ts.`,
      ],
      charts: [],
      tables: [
        {
          caption: "Envy-freeness",
          header: ["Group", "Method", "Other group's model", "Envy (accuracy gain with the other model)", "McNemar b / c", "McNemar p", "Flag"],
          rows: envy.envy.map((e) => {
            if (groupHidden(e.group)) return [text(e.group), text(e.method), text(e.modelGroup), small, small, small, small];
            return [
              text(e.group),
              text(e.method),
              text(e.modelGroup),
              text(e.envy.mean === null ? "n/a" : e.envy.sd === null ? signed(e.envy.mean) : `${signed(e.envy.mean)} ± ${fixed(e.envy.sd)}`),
              text(`${e.mcnemar.b} / ${e.mcnemar.c}`),
              text(e.mcnemar.pValue.toPrecision(3)),
              e.envious ? { lines: ["ENVIES"], flag: true } : text("envy-free"),
            ];
          }),
          markdown: true,
        },
      ],
      notes: [],
    });
  }

  sections.push({
    id: "calibration",
    title: "Calibration",
    intro: [
      "Observed share of positives against mean predicted probability in 10 equal-width bins, pooling all replicates' predictions; the dashed diagonal is perfect calibration. " +
        `Bins with fewer than ${k} distinct people are left out; ECE per group is in the metric tables.`,
    ],
    charts: charts.calibration,
    tables: [],
    notes: [
      ...(charts.calibrationHidden.length === 0 ? [] : [`Not drawn (fewer than ${k} evaluated people): ${charts.calibrationHidden.join(", ")}.`]),
      "ECE is biased upward on small samples (each bin's absolute gap includes its noise), so its bootstrap interval can sit above the estimate.",
    ],
  });

  const comparisonRows = doc.comparisons.filter((c) => keyMetrics.includes(c.metric as MetricKey));
  sections.push({
    id: "comparisons",
    title: "Between-group comparisons (Fairlearn MetricFrame conventions)",
    intro: [
      "Over the subgroups (not overall): difference between groups = max − min; to overall = max |M_g − M_overall|; ratio between groups = min / max; to overall = min over g of min(M_g / M_overall, M_overall / M_g). " +
        `Only groups whose value is shown (at least ${k} people) enter these columns; the JSON also has them over every group, with bootstrap intervals.`,
    ],
    charts: [],
    tables: [
      {
        caption: "Between-group comparisons",
        header: ["Model", "Metric", "Groups compared", "Min (group)", "Max (group)", "Difference between groups", "Difference to overall", "Ratio between groups", "Ratio to overall"],
        rows: comparisonRows.map((c) => {
          const r = c.reportable;
          const n = (v: number | null) => text(v === null ? "n/a" : fixed(v));
          return [
            text(c.model),
            text(label(c.metric as MetricKey)),
            text(r.groups.length === 0 ? "none" : r.groups.join(", ")),
            text(r.groupMin === null ? "n/a" : `${fixed(r.groupMin)} (${r.argMin})`),
            text(r.groupMax === null ? "n/a" : `${fixed(r.groupMax)} (${r.argMax})`),
            r.groups.length < 2 ? text("n/a") : n(r.differenceBetweenGroups),
            n(r.differenceToOverall),
            r.groups.length < 2 ? text("n/a") : n(r.ratioBetweenGroups),
            n(r.ratioToOverall),
          ];
        }),
        markdown: false,
      },
    ],
    notes: [],
  });

  const rc = doc.rareCases;
  const rareSmall = hidden(rc.rareTestN, k);
  sections.push({
    id: "rare",
    title: "Rare cases (our definitions)",
    intro: [rc.note, rc.groups.length === 0 ? `No subgroup is below the ${percent(rc.threshold)} threshold.` : `Rare subgroups (share of cohort < ${percent(rc.threshold)}): ${rc.groups.join(", ")}.`],
    charts: [],
    tables:
      rc.groups.length === 0
        ? []
        : [
            {
              caption: "RCPG (our definition) = M(common) − M(rare); RCCE (our definition) = ECE on the rare cases",
              header: ["Model", "Measure", "Common cases", "Rare cases", "Value (mean ± sd [bootstrap interval])"],
              rows: [
                ...rc.rcpg
                  .filter((e) => keyMetrics.includes(e.metric as MetricKey))
                  .map((e) => [
                    text(e.model),
                    text(`RCPG (our definition), ${label(e.metric as MetricKey)}`),
                    // With the rare side hidden, the common side is hidden too: with "overall" it would give it away.
                    hidden(e.gap.basis, k) ? text("—") : e.common === null ? text("n/a") : text(fixed(e.common)),
                    rareSmall ? small : e.rare === null ? text("n/a") : text(fixed(e.rare)),
                    oneLine(estimateCell(e.gap, { gain: true })),
                  ]),
                ...rc.rcce.map((e) => [text(e.model), text("RCCE (our definition)"), text("—"), text("—"), oneLine(estimateCell(e))]),
              ],
              markdown: true,
            },
          ],
    notes: [],
  });

  const predictions = Object.entries(doc.inputs.predictions);
  const provenance: [string, string][] = [
    ["Manifest digest (the run)", MANIFEST_DIGEST_TOKEN],
    ["Report code digest", CODE_DIGEST_TOKEN],
    ["Evaluation artifact", inputDigest],
    ["Data: evaluated table", doc.inputs.table],
    ...predictions.map(([model, digest]): [string, string] => [`Data: predictions of ${model}`, digest]),
  ];
  const summary = [
    `Models: ${doc.models.join(", ")}${reference === null ? "" : `; reference for gains and harm tests: ${reference}`}.`,
    `${doc.replicates} replicates (seeds × folds); ${doc.params.resamples} bootstrap resamples; ${level} intervals; cells on fewer than ${k} people are shown as "< ${k}".`,
  ];
  const harmed = doc.harm.filter((h) => h.harmed && !hidden(h.basis, k));
  if (reference !== null && candidates.length > 0) {
    summary.push(harmed.length === 0 ? "No shown group is flagged as harmed." : `Flagged as harmed: ${harmed.map((h) => `${h.group} (${h.model})`).join(", ")}.`);
  }
  return { title: params.title, summary, sections, provenance };
};

// ---------------------------------------------------------------------------------------------------------------
// Charts (SVG strings from charts.ts)

export interface Charts {
  readonly plan: string | null;
  readonly sizes: string;
  readonly forest: readonly string[];
  readonly calibration: readonly string[];
  readonly calibrationHidden: readonly string[];
}

export const buildCharts = async (doc: SubgroupMetricsDoc, params: EvaluationReportParams): Promise<Charts> => {
  const k = params.minCell ?? doc.params.minCell;
  const note = `< ${k}`;
  const plan = params.plan.length === 0 ? null : await renderChart(planGraphSpec(params.plan as readonly PlanNodeView[], params.highlight));
  const sizes = await renderChart(
    sizesSpec(
      doc.sizes.flatMap((s) => {
        const f = sizeFlags(s, k);
        return [
          { group: s.group, set: "cohort", n: f.cohortN ? null : s.cohortN, note: f.cohortN ? note : null },
          { group: s.group, set: "evaluated (test)", n: f.testN ? null : s.testN, note: f.testN ? note : null },
        ];
      }),
      doc.groups,
    ),
  );
  const forest: string[] = [];
  const reference = doc.params.reference;
  if (reference !== null) {
    for (const metric of params.keyMetrics) {
      const rows: ForestRow[] = doc.gains
        .filter((g) => g.metric === metric)
        .map((g) => {
          const shown = g.basis >= k;
          return {
            row: g.group,
            model: g.model,
            estimate: shown ? g.estimate : null,
            low: shown ? (g.interval?.[0] ?? g.estimate) : null,
            high: shown ? (g.interval?.[1] ?? g.estimate) : null,
            note: shown ? (g.estimate === null ? "n/a" : null) : note,
          };
        });
      if (rows.length > 0) forest.push(await renderChart(forestSpec(`${doc.metricInfo[metric].label}: gain over ${reference}`, rows, doc.groups)));
    }
  }
  const calibration: string[] = [];
  const calibrationHidden: string[] = [];
  for (const group of doc.groups) {
    const size = doc.sizes.find((s) => s.group === group)!;
    if (size.testN < k) {
      calibrationHidden.push(group);
      continue;
    }
    const rows = doc.calibration
      .filter((c) => c.group === group)
      .flatMap((c) => c.points.filter((p) => p.people >= k).map((p) => ({ model: c.model, meanPredicted: p.meanPredicted, observed: p.observed, people: p.people })));
    calibration.push(await renderChart(calibrationSpec(group, rows, doc.models)));
  }
  return { plan, sizes, forest, calibration, calibrationHidden };
};

// ---------------------------------------------------------------------------------------------------------------
// Rendering

const CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 78rem; padding: 0 1.5rem; color: #1b1b1b; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
nav a { margin-right: .8rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: .8rem 0; font-size: .85rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #d0d0d0; padding: .25rem .5rem; text-align: right; vertical-align: top; }
td { white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
td.suppressed { color: #777; font-style: italic; }
td.flag { color: #a40000; font-weight: 700; }
.scroll { overflow-x: auto; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
figure.chart { margin: 0; }
p.note, p.intro { font-size: .88rem; color: #444; max-width: 62rem; }
footer { margin-top: 3rem; border-top: 1px solid #ccc; font-size: .8rem; color: #444; }
footer dt { font-weight: 600; } footer dd { margin: 0 0 .4rem 0; font-family: ui-monospace, monospace; word-break: break-all; }
`.trim();

const htmlCell = (c: Cell, header: boolean): string => {
  const content = c.lines.map(escapeHtml).join("<br>");
  if (header) return `<th scope="row">${content}</th>`;
  const cls = c.suppressed ? ' class="suppressed"' : c.flag ? ' class="flag"' : "";
  return `<td${cls}>${content}</td>`;
};

const htmlTable = (t: Table): string =>
  [
    '<div class="scroll"><table>',
    `<caption>${escapeHtml(t.caption)}</caption>`,
    `<thead><tr>${t.header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("")}</tr></thead>`,
    "<tbody>",
    ...t.rows.map((row) => `<tr>${row.map((c, i) => htmlCell(c, i === 0)).join("")}</tr>`),
    "</tbody></table></div>",
  ].join("\n");

/** The SVG strings come from vega, which escapes all text it writes; they are inserted as markup on purpose. */
export const renderHtml = (view: ReportView): string =>
  [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(view.title)}</title>`,
    `<style>\n${CSS}\n</style>`,
    "</head>",
    "<body>",
    `<h1>${escapeHtml(view.title)}</h1>`,
    ...view.summary.map((s) => `<p>${escapeHtml(s)}</p>`),
    `<nav>${view.sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join(" ")}</nav>`,
    ...view.sections.flatMap((s) => [
      `<section id="${s.id}">`,
      `<h2>${escapeHtml(s.title)}</h2>`,
      ...s.intro.map((p) => `<p class="intro">${escapeHtml(p)}</p>`),
      s.charts.length === 0 ? "" : `<div class="charts">${s.charts.map((svg) => `<figure class="chart">${svg}</figure>`).join("\n")}</div>`,
      ...s.tables.map(htmlTable),
      ...s.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`),
      "</section>",
    ]),
    "<footer>",
    "<h2>Provenance</h2>",
    "<dl>",
    ...view.provenance.flatMap(([k, v]) => [`<dt>${escapeHtml(k)}</dt>`, `<dd>${escapeHtml(v)}</dd>`]),
    "</dl>",
    "</footer>",
    "</body>",
    "</html>",
    "",
  ]
    .filter((l) => l !== "")
    .join("\n");

export const renderMarkdown = (view: ReportView): string => {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const out: string[] = [`# ${escapeMarkdown(view.title)}`, "", ...view.summary.flatMap((s) => [escapeMarkdown(s), ""])];
  for (const s of view.sections) {
    const tables = s.tables.filter((t) => t.markdown);
    if (tables.length === 0 && s.id !== "rare") continue;
    out.push(`## ${escapeMarkdown(s.title)}`, "", ...s.intro.flatMap((p) => [escapeMarkdown(p), ""]));
    for (const t of tables) {
      out.push(`**${escapeMarkdown(t.caption)}**`, "");
      out.push(line(t.header.map(escapeMarkdown)), line(t.header.map((_, i) => (i === 0 ? "---" : "---:"))));
      for (const row of t.rows) out.push(line(row.map((c) => escapeMarkdown(c.lines.join(" ")))));
      out.push("");
    }
    out.push(...s.notes.flatMap((n) => [escapeMarkdown(n), ""]));
  }
  out.push("## Provenance", "", ...view.provenance.map(([k, v]) => `- ${escapeMarkdown(k)}: \`${v.replace(/`/g, "")}\``), "");
  return out.join("\n");
};

// ---------------------------------------------------------------------------------------------------------------

const readDoc = (value: unknown, ctx: StepContext): SubgroupMetricsDoc => {
  const v = value as Partial<SubgroupMetricsDoc> | null;
  if (v === null || typeof v !== "object" || v.format !== "strata-metrics/1" || v.metric !== "subgroup-metrics" || !Array.isArray(v.results)) {
    ctx.fail("inputs.evaluations[0]", "expected the metrics of evaluate.subgroup-metrics (format strata-metrics/1, metric subgroup-metrics)");
  }
  return v as SubgroupMetricsDoc;
};

export const evaluationReport = defineStep({
  kind: "report.evaluation",
  module: import.meta.url,
  params: Params,
  // evaluations[0]: evaluate.subgroup-metrics; evaluations[1], optional: evaluate.personalization (envy-freeness).
  inputs: { evaluations: { list: "metrics" } },
  outputs: { html: "report", md: "report", json: "report" },
  run: async (inputs, params, ctx) => {
    if (inputs.evaluations.length > 2) ctx.fail("inputs.evaluations", `expected the subgroup metrics and at most one personalization evaluation, got ${inputs.evaluations.length} inputs`);
    const evaluation = inputs.evaluations[0]!;
    const doc = readDoc(evaluation.json(), ctx);
    const envy = inputs.evaluations.length === 2 ? readEnvy(inputs.evaluations[1]!.json(), "inputs.evaluations[1]", ctx) : null;
    for (const m of params.keyMetrics) if (!(m in doc.metricInfo)) ctx.fail("params.keyMetrics", `the evaluation has no metric ${JSON.stringify(m)}`);
    const charts = await buildCharts(doc, params);
    ctx.progress(1, 2);
    const view = buildView(doc, params, charts, evaluation.digest, envy);
    const json: JsonValue = {
      format: "strata-report/1",
      title: params.title,
      minCell: params.minCell ?? doc.params.minCell,
      plan: params.plan as unknown as JsonValue,
      provenance: Object.fromEntries(view.provenance) as JsonValue,
      evaluation: doc as unknown as JsonValue,
      envy: envy as unknown as JsonValue,
    };
    ctx.progress(2, 2);
    // Canonical (sorted keys): the bytes must not depend on the key order of the objects this step was handed.
    return { html: renderHtml(view), md: renderMarkdown(view), json: `${canonicalJson(json)}\n` };
  },
});

export interface EvaluationReportOptions {
  readonly title: string;
  readonly minCell?: number;
  readonly keyMetrics?: readonly MetricKey[];
  /** evaluate.personalization's metrics (issue 3), for the envy-freeness section. */
  readonly personalization?: MetricsHandle;
}

const planInputNodes = (inputs: { readonly [name: string]: PlanInput }): string[] => {
  const ids = new Set<string>();
  for (const name of Object.keys(inputs).sort()) {
    const input = inputs[name]!;
    for (const ref of Array.isArray(input) ? input : [input]) if ("node" in ref) ids.add(ref.node);
  }
  return [...ids];
};

/**
 * Pipeline builder: HTML, Markdown and JSON reports of an evaluate.subgroup-metrics result (plus, optionally, the
 * envy-freeness of evaluate.personalization's result). The study's plan so
 * far (every node added before this one, plus this one) is passed as a param, so the report can draw it; call it
 * after the rest of the study is declared. The node id defaults to "report-evaluation".
 */
export const reportEvaluation = (
  evaluation: MetricsHandle,
  params: EvaluationReportOptions,
  options: NodeOptions = {},
): { readonly html: ReportHandle; readonly markdown: ReportHandle; readonly json: ReportHandle } => {
  const graph = evaluation.study;
  const id = options.id ?? "report-evaluation";
  const { personalization, ...rest } = params;
  const evaluations = personalization === undefined ? [evaluation] : [evaluation, personalization];
  const plan = [
    ...graph.nodes.map((n) => ({ id: n.id, step: n.step, inputs: planInputNodes(n.inputs) })),
    { id, step: evaluationReport.kind, inputs: evaluations.map((e) => e.ref.node) },
  ];
  const highlight = [...new Set([...evaluations.map((e) => e.ref.node), id])];
  const node = addNode(graph, evaluationReport, { evaluations }, { ...rest, plan, highlight }, { ...options, id });
  return { html: node.report("html"), markdown: node.report("md"), json: node.report("json") };
};
