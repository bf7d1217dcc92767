/**
 * report.evaluation's charts: SVG strings rendered by charts.ts from the evaluation document (the study plan,
 * subgroup sizes, a gains forest plot per key metric, calibration curves per group), with small cells left out.
 */
import type { SubgroupMetricsDoc } from "../evaluate/subgroup-metrics/document.js";
import { type ForestRow, type PlanNodeView, calibrationSpec, forestSpec, planGraphSpec, renderChart, sizesSpec } from "./charts.js";
import type { EvaluationReportParams } from "./evaluation-view.js";
import { suppression } from "./suppression.js";

export interface Charts {
  readonly plan: string | null;
  readonly sizes: string;
  readonly forest: readonly string[];
  readonly calibration: readonly string[];
  readonly calibrationHidden: readonly string[];
}

export const buildCharts = async (doc: SubgroupMetricsDoc, params: EvaluationReportParams): Promise<Charts> => {
  const k = params.minCell ?? doc.params.minCell;
  const sup = suppression(doc, k);
  const noteOf = (v: "small" | "complement") => (v === "small" ? `< ${k}` : "hidden");
  const plan = params.plan.length === 0 ? null : await renderChart(planGraphSpec(params.plan as readonly PlanNodeView[], params.highlight));
  const sizes = await renderChart(
    sizesSpec(
      doc.sizes.flatMap((s) => {
        const cohort = sup.size(s.group, "cohortN");
        const test = sup.size(s.group, "testN");
        return [
          { group: s.group, set: "cohort", n: cohort === "shown" ? s.cohortN : null, note: cohort === "shown" ? null : noteOf(cohort) },
          { group: s.group, set: "evaluated (test)", n: test === "shown" ? s.testN : null, note: test === "shown" ? null : noteOf(test) },
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
          const visibility = sup.estimate(g);
          const shown = visibility === "shown";
          return {
            row: g.group,
            model: g.model,
            estimate: shown ? g.estimate : null,
            low: shown ? (g.interval?.[0] ?? g.estimate) : null,
            high: shown ? (g.interval?.[1] ?? g.estimate) : null,
            note: visibility === "shown" ? (g.estimate === null ? "n/a" : null) : noteOf(visibility),
          };
        });
      if (rows.length > 0) forest.push(await renderChart(forestSpec(`${doc.metricInfo[metric].label}: gain over ${reference}`, rows, doc.groups)));
    }
  }
  const calibration: string[] = [];
  const calibrationHidden: string[] = [];
  for (const group of doc.groups) {
    // A curve of a group hidden by the complementary rule, with overall's, would give away the hidden group's bins.
    if (sup.size(group, "testN") !== "shown") {
      calibrationHidden.push(group);
      continue;
    }
    const rows = doc.calibration
      .filter((c) => c.group === group)
      .flatMap((c) => c.points.filter((p) => sup.calibration(c, p) === "shown").map((p) => ({ model: c.model, meanPredicted: p.meanPredicted, observed: p.observed, people: p.people })));
    calibration.push(await renderChart(calibrationSpec(group, rows, doc.models)));
  }
  return { plan, sizes, forest, calibration, calibrationHidden };
};
