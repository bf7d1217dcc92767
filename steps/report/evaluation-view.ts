/**
 * report.evaluation's view: every table of the report as final text cells, built once from the evaluation
 * document and rendered by evaluation-render.ts to HTML and Markdown.
 *
 * Small-cell suppression (suppression.ts): every reported value carries its basis (the fewest people it was
 * computed on); a value whose basis is below `minCell` is printed as "< minCell" in HTML and Markdown and left out
 * of every chart, and the complementary rule hides, as "hidden", the cells from which arithmetic on the shown
 * ones would recover it. The JSON (evaluation-json.ts) nulls the same cells.
 */
import { Effect, Schema } from "effect";
import { KEY_METRICS, METRIC_NAMES, type MetricName } from "../evaluate/metrics/registry.js";
import type { Estimate, SubgroupMetricsDoc } from "../evaluate/subgroup-metrics/document.js";
import type { Charts } from "./evaluation-charts.js";
import { type Cell, complementCell, type Table as RenderedTable, fixed as fixedDigits, suppressedCell, text } from "./renderer.js";
import { type SizeField, stricter, suppression, type Visibility } from "./suppression.js";

const PlanNode = Schema.Struct({ id: Schema.String, step: Schema.String, inputs: Schema.Array(Schema.String) });
export const EvaluationReportParams = Schema.Struct({
  title: Schema.String.check(Schema.isMinLength(1)),
  /** Overrides the evaluation's minCell for what the reports print; the flags are recomputed from each basis. */
  minCell: Schema.optional(Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1))),
  /** Metrics shown in the gains forest plot, Markdown and comparison tables. */
  keyMetrics: Schema.Array(Schema.Literals(METRIC_NAMES))
    .check(Schema.isMinLength(1), Schema.isUnique())
    .pipe(Schema.withDecodingDefaultKey(Effect.succeed(KEY_METRICS))),
  /** The study's plan as the builder saw it (node, step kind, input nodes), drawn as a graph. */
  plan: Schema.Array(PlanNode).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  /** Plan nodes drawn highlighted (the evaluation and this report). */
  highlight: Schema.Array(Schema.String).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
});
export type EvaluationReportParams = typeof EvaluationReportParams.Type;

/**
 * The envy-freeness part of evaluate.personalization's document (computed there with harm.ts's exact McNemar
 * test), read structurally: this report only renders it. Absent when no such document is passed.
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

export interface Table extends RenderedTable {
  /** Render in Markdown too (the full per-model tables stay HTML-only; Markdown gets a key-metric digest). */
  readonly markdown: boolean;
}
export interface Section {
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

const fixed = (v: number, digits = 3): string => fixedDigits(v, digits);
const signed = (v: number, digits = 3): string => (v > 0 ? `+${fixed(v, digits)}` : fixed(v, digits));
const interval = (iv: readonly [number, number] | null | undefined, digits = 3): string | null => (iv ? `[${fixed(iv[0], digits)}, ${fixed(iv[1], digits)}]` : null);
const percent = (v: number): string => `${(v * 100).toFixed(1)}%`;


export const buildView = (
  doc: SubgroupMetricsDoc,
  params: EvaluationReportParams,
  charts: Charts,
  /** The first provenance lines (the run's and this report's digests), then the data digests are added. */
  provenanceHead: readonly (readonly [string, string])[],
  inputDigest: string,
  envy: EnvyDoc | null = null,
): ReportView => {
  const k = params.minCell ?? doc.params.minCell;
  const small = suppressedCell(k);
  const sup = suppression(doc, k);
  const hiddenAs = (v: Visibility): Cell => (v === "small" ? small : complementCell);
  const label = (m: MetricName) => doc.metricInfo[m].label;
  const estimateCell = (e: Estimate, options: { gain?: boolean; wilson?: boolean } = {}): Cell => {
    const v = sup.estimate(e);
    if (v !== "shown") return hiddenAs(v);
    if (e.estimate === null) return text("n/a");
    const main = options.gain ? signed(e.estimate) : fixed(e.estimate);
    const lines = [e.sd === null ? main : `${main} ± ${fixed(e.sd)}`];
    const ci = interval(e.interval);
    if (ci) lines.push(ci);
    if (options.wilson && e.wilson) lines.push(`Wilson ${interval(e.wilson)}`);
    return { lines };
  };
  const oneLine = (c: Cell): Cell => ({ ...c, lines: [c.lines.join(" ")] });
  const count = (value: number, v: Visibility): Cell => (v === "shown" ? text(String(value)) : hiddenAs(v));
  const groups = doc.groups;
  const sizes = new Map(doc.sizes.map((s) => [s.group, s]));
  const result = (model: string, group: string) => doc.results.find((r) => r.model === model && r.group === group)!;
  const reference = doc.params.reference;
  const candidates = doc.models.filter((m) => m !== reference);
  const level = `${Math.round(doc.params.level * 100)}%`;
  const keyMetrics = params.keyMetrics;

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
          const v = (field: SizeField) => sup.size(g, field);
          const prevalence = sup.prevalence(g);
          return [
            text(g),
            count(s.cohortN, v("cohortN")),
            count(s.cohortPositives, v("cohortPositives")),
            g === "overall" ? text("100%") : sup.share(g) !== "shown" ? hiddenAs(sup.share(g)) : text(percent(s.share), interval(s.shareInterval) ?? ""),
            count(s.testN, v("testN")),
            count(s.testPositives, v("testPositives")),
            prevalence !== "shown" ? hiddenAs(prevalence) : s.testPrevalence === null ? small : text(percent(s.testPrevalence), interval(s.testPrevalenceInterval) ?? ""),
            // Rare says share < threshold: a bound on a hidden share.
            g === "overall" ? text("—") : sup.share(g) !== "shown" ? hiddenAs(sup.share(g)) : text(s.rare ? "rare" : "no"),
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
          header: ["Group", "Evaluated n", ...METRIC_NAMES.map(label)],
          rows: groups.map((g) => {
            const r = result(model, g);
            const s = sizes.get(g)!;
            return [text(g), count(s.testN, sup.size(g, "testN")), ...METRIC_NAMES.map((m) => estimateCell(r.metrics[m], { wilson: doc.metricInfo[m].proportion }))];
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
    const gain = (model: string, group: string, metric: MetricName) => doc.gains.find((x) => x.model === model && x.group === group && x.metric === metric)!;
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
                sup.estimate(acc) !== "shown" ? hiddenAs(sup.estimate(acc)) : text(acc.fractionNegative === null ? "n/a" : percent(acc.fractionNegative)),
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
      intro: [doc.harmRule, `Significance level α = ${doc.params.alpha}. Groups under ${k} people are tested, but their results are shown nowhere, the JSON included.`],
      charts: [],
      tables: [
        {
          caption: `Harm tests against ${reference} (accuracy)`,
          header: [
            "Group",
            "Model",
            "McNemar b (model wrong, reference right)",
            "McNemar c (model right, reference wrong)",
            "McNemar p (harm, raw)",
            `p adjusted (${doc.params.adjust})`,
            "Bootstrap gain, 95% interval (points)",
            "Resamples in which the model is worse",
            "Flag",
          ],
          rows: doc.harm.map((h) => {
            const v = sup.harm(h);
            // The flag too: "HARMED" on a hidden row would say p < α.
            if (v !== "shown") return [text(h.group), text(h.model), ...Array.from({ length: 7 }, () => hiddenAs(v))];
            const interval = h.signTest?.interval ?? null;
            return [
              text(h.group),
              text(h.model),
              text(String(h.mcnemar.b)),
              text(String(h.mcnemar.c)),
              text(h.mcnemar.pValue.toPrecision(3)),
              text(h.group === "overall" ? `${h.pAdjusted.toPrecision(3)} (not adjusted)` : h.pAdjusted.toPrecision(3)),
              text(interval === null ? "—" : `${(interval[0] * 100).toFixed(1)} to ${(interval[1] * 100).toFixed(1)}`),
              text(h.signTest === null ? "—" : `${(h.signTest.worseShare * 100).toFixed(1)}%`),
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
            const v = sup.size(e.group, "testN");
            if (v !== "shown") return [text(e.group), text(e.method), text(e.modelGroup), ...Array.from({ length: 4 }, () => hiddenAs(v))];
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
        `Bins with fewer than ${k} distinct people, and the bins complementary suppression hides with them, are left out; ECE per group is in the metric tables.`,
    ],
    charts: charts.calibration,
    tables: [],
    notes: [
      ...(charts.calibrationHidden.length === 0 ? [] : [`Not drawn (fewer than ${k} evaluated people, or hidden with such a group by complementary suppression): ${charts.calibrationHidden.join(", ")}.`]),
      "ECE is biased upward on small samples (each bin's absolute gap includes its noise), so its bootstrap interval can sit above the estimate.",
    ],
  });

  const comparisonRows = doc.comparisons.filter((c) => keyMetrics.includes(c.metric as MetricName));
  sections.push({
    id: "comparisons",
    title: "Between-group comparisons (Fairlearn MetricFrame conventions)",
    intro: [
      "Over the subgroups (not overall): difference between groups = max − min; to overall = max |M_g − M_overall|; ratio between groups = min / max; to overall = min over g of min(M_g / M_overall, M_overall / M_g). " +
        `Only groups whose value is shown (at least ${k} people) enter these columns; the JSON also has them over every subgroup, with bootstrap intervals, when none is hidden.`,
    ],
    charts: [],
    tables: [
      {
        caption: "Between-group comparisons",
        header: ["Model", "Metric", "Groups compared", "Min (group)", "Max (group)", "Difference between groups", "Difference to overall", "Ratio between groups", "Ratio to overall"],
        rows: comparisonRows.map((c) => {
          const r = c.reportable;
          // A min or max over groups would give away a group hidden by the complementary rule.
          if (sup.comparison(c, r.groups) !== "shown") return [text(c.model), text(label(c.metric as MetricName)), text(r.groups.join(", ")), ...Array.from({ length: 6 }, () => complementCell)];
          const n = (v: number | null) => text(v === null ? "n/a" : fixed(v));
          return [
            text(c.model),
            text(label(c.metric as MetricName)),
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
  const rare = sup.rareCases;
  sections.push({
    id: "rare",
    title: "Rare cases (our definitions)",
    intro: [rc.note, `Rare subgroups (share of cohort < ${percent(rc.threshold)}) among those whose size is shown: ${rc.groups.filter((g) => sup.share(g) === "shown").join(", ") || "none"}.`],
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
                  .filter((e) => keyMetrics.includes(e.metric as MetricName))
                  .map((e) => {
                    // Common, rare and their gap are hidden together: any two give the third, and with "overall"
                    // either side gives the other.
                    const v = stricter(rare, sup.estimate(e.gap));
                    const side = (value: number | null) => (v !== "shown" ? hiddenAs(v) : value === null ? text("n/a") : text(fixed(value)));
                    return [text(e.model), text(`RCPG (our definition), ${label(e.metric as MetricName)}`), side(e.common), side(e.rare), v !== "shown" ? hiddenAs(v) : oneLine(estimateCell(e.gap, { gain: true }))];
                  }),
                ...rc.rcce.map((e) => {
                  const v = stricter(rare, sup.estimate(e));
                  return [text(e.model), text("RCCE (our definition)"), text("—"), text("—"), v !== "shown" ? hiddenAs(v) : oneLine(estimateCell(e))];
                }),
              ],
              markdown: true,
            },
          ],
    notes: [],
  });

  const predictions = Object.entries(doc.inputs.predictions);
  const provenance: (readonly [string, string])[] = [
    ...provenanceHead,
    ["Evaluation artifact", inputDigest],
    ["Data: evaluated table", doc.inputs.table],
    ...predictions.map(([model, digest]): [string, string] => [`Data: predictions of ${model}`, digest]),
  ];
  const summary = [
    `Models: ${doc.models.join(", ")}${reference === null ? "" : `; reference for gains and harm tests: ${reference}`}.`,
    `${doc.replicates} replicates (seeds × folds); ${doc.params.resamples} bootstrap resamples; ${level} intervals; cells on fewer than ${k} people are shown as "< ${k}".`,
  ];
  const harmed = doc.harm.filter((h) => h.harmed && sup.harm(h) === "shown");
  if (reference !== null && candidates.length > 0) {
    summary.push(harmed.length === 0 ? "No shown group is flagged as harmed." : `Flagged as harmed: ${harmed.map((h) => `${h.group} (${h.model})`).join(", ")}.`);
  }
  return { title: params.title, summary, sections, provenance };
};
