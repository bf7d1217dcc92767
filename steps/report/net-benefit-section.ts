/**
 * report.evaluation's "Net benefit" section: the decision curves of the evaluation document (present when the
 * study declared netBenefit thresholds), one chart per group with every model, treat all and treat none, and a
 * table per group (HTML and Markdown).
 *
 * Small-cell suppression (suppression.ts) follows the cells a decision curve is made of: a model's curve in a
 * group is computed on the same people as its accuracy there (same basis, n), so it is shown only when that
 * accuracy cell is, complementary rule included; treat all is the group's label prevalence, shown only when the
 * group's evaluated n and positives are. A group with a hidden cell gets no chart.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Estimate, SubgroupMetricsDoc } from "../evaluate/subgroup-metrics/document.js";
import { renderChart } from "./charts.js";
import type { Section } from "./evaluation-view.js";
import { type Cell, complementCell, fixed, suppressedCell, text } from "./renderer.js";
import { suppression, type Visibility } from "./suppression.js";

const TREAT_ALL = "treat all";
const TREAT_NONE = "treat none";

interface CurveRow {
  readonly strategy: string;
  readonly threshold: number;
  readonly netBenefit: number;
}

/** Net benefit against threshold probability, one line per strategy; the y axis is cut below, where treat all falls off. */
const decisionCurveSpec = (title: string, rows: readonly CurveRow[], strategies: readonly string[]): TopLevelSpec => {
  const top = Math.max(0.01, ...rows.map((r) => r.netBenefit));
  return {
    title,
    width: 260,
    height: 200,
    data: { values: [...rows] },
    mark: { type: "line", point: { filled: true, size: 25 }, clip: true },
    encoding: {
      x: { field: "threshold", type: "quantitative", title: "threshold probability" },
      y: { field: "netBenefit", type: "quantitative", title: "net benefit", scale: { domain: [-top / 4, top], clamp: true } },
      color: { field: "strategy", type: "nominal", title: "strategy", scale: { domain: [...strategies] } },
      strokeDash: { condition: { test: `datum.strategy === '${TREAT_NONE}' || datum.strategy === '${TREAT_ALL}'`, value: [4, 3] }, value: [1, 0] },
      order: { field: "threshold", type: "quantitative" },
    },
  } as TopLevelSpec;
};

export const netBenefitSection = async (doc: SubgroupMetricsDoc, k: number): Promise<Section | null> => {
  const nb = doc.netBenefit;
  if (nb === undefined) return null;
  const sup = suppression(doc, k);
  const level = `${Math.round(doc.params.level * 100)}%`;
  const modelVisibility = (model: string, group: string): Visibility => sup.netBenefit(model, group);
  const treatAllVisibility = (group: string): Visibility => sup.treatAll(group);
  const hiddenAs = (v: Visibility): Cell => (v === "small" ? suppressedCell(k) : complementCell);
  const cell = (e: Estimate, v: Visibility): Cell => {
    if (v !== "shown") return hiddenAs(v);
    if (e.estimate === null) return text("n/a");
    return text([fixed(e.estimate, 3), e.interval === null ? "" : ` [${fixed(e.interval[0], 3)}, ${fixed(e.interval[1], 3)}]`].join(""));
  };
  const strategies = [...doc.models, TREAT_ALL, TREAT_NONE];
  const charts: string[] = [];
  const hiddenCharts: string[] = [];
  const tables = [];
  for (const group of doc.groups) {
    const curves = nb.curves.filter((c) => c.group === group);
    const allShown = treatAllVisibility(group);
    // Treat all depends only on the test rows, so one column: the first model's replicates (models compared with a
    // reference are checked to share its split; the JSON keeps every model's own).
    const treatAll = curves[0]!;
    if (allShown === "shown" && curves.every((c) => modelVisibility(c.model, group) === "shown")) {
      const rows: CurveRow[] = [
        ...curves.flatMap((c) => c.points.flatMap((p) => (p.model.estimate === null ? [] : [{ strategy: c.model, threshold: p.threshold, netBenefit: p.model.estimate }]))),
        ...treatAll.points.flatMap((p) => (p.treatAll.estimate === null ? [] : [{ strategy: TREAT_ALL, threshold: p.threshold, netBenefit: p.treatAll.estimate }])),
        ...nb.thresholds.map((threshold) => ({ strategy: TREAT_NONE, threshold, netBenefit: 0 })),
      ];
      charts.push(await renderChart(decisionCurveSpec(group, rows, strategies)));
    } else {
      hiddenCharts.push(group);
    }
    tables.push({
      caption: `Net benefit: ${group} (mean over replicates [${level} bootstrap interval])`,
      header: ["Threshold", ...doc.models, TREAT_ALL, TREAT_NONE],
      rows: nb.thresholds.map((threshold, t) => [
        text(fixed(threshold, 3)),
        ...curves.map((c) => cell(c.points[t]!.model, modelVisibility(c.model, group))),
        cell(treatAll.points[t]!.treatAll, allShown),
        text("0"),
      ]),
      markdown: true,
    });
  }
  return {
    id: "net-benefit",
    title: "Net benefit (decision curves)",
    intro: [
      `${nb.definition}. A model is worth using at a threshold where its net benefit is above both treat all and treat none; ` +
        `the threshold is the risk at which a clinician would act. Per group: mean over ${doc.replicates} replicates of each replicate's test rows, ` +
        `with the ${level} bootstrap interval from the evaluation's resamples (which keep each subgroup's label counts, so treat all's interval is narrow or a single value).`,
    ],
    charts,
    tables,
    notes: hiddenCharts.length === 0 ? [] : [`No decision curve is drawn for ${hiddenCharts.join(", ")}: a value behind it is under the small-cell rule.`],
  };
};
