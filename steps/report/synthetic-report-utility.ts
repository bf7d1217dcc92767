/**
 * The utility section of the synthetic report: train on synthetic, test on real (TSTR) against train on real, test
 * on real (TRTR), per subgroup, read from evaluate.subgroup-metrics (every model scored on the same real test rows,
 * the real-trained model its reference). Each number is the evaluation's; the small-cell rule is the one of every
 * report (suppression.ts), so a subgroup the evaluation report hides is hidden here too.
 */
import type { Estimate, SubgroupMetricsDoc } from "../evaluate/subgroup-metrics/document.js";
import type { MetricName } from "../evaluate/metrics/registry.js";
import { METRIC_BY_NAME } from "../evaluate/metrics/registry.js";
import type { ForestRow } from "./charts.js";
import { type Cell, type Table, complementCell, fixed, suppressedCell, text } from "./renderer.js";
import { type Visibility, suppression } from "./suppression.js";

/** The metrics the utility section shows: a threshold metric and a ranking one. */
export const UTILITY_METRICS: readonly MetricName[] = ["accuracy", "auroc"];

/** Reads the utility input: it must be evaluate.subgroup-metrics' document with a reference model. */
export const readUtilityDoc = (value: unknown, fail: (problem: string) => never): SubgroupMetricsDoc => {
  const v = value as Partial<SubgroupMetricsDoc> | null;
  if (v === null || typeof v !== "object" || v.format !== "strata-metrics/1" || v.metric !== "subgroup-metrics" || !Array.isArray(v.results) || !Array.isArray(v.gains)) {
    fail("expected the metrics of evaluate.subgroup-metrics (format strata-metrics/1, metric subgroup-metrics), with the real-trained model as reference");
  }
  if (typeof v.params?.reference !== "string") fail("the evaluation has no reference model; pass reference: <the real-trained model> to evaluate.subgroup-metrics so TSTR is compared with TRTR");
  return v as SubgroupMetricsDoc;
};

const estimateCell = (e: Estimate, visibility: Visibility, minCell: number, signed = false): Cell => {
  if (visibility === "small") return suppressedCell(minCell);
  if (visibility === "complement") return complementCell;
  if (e.estimate === null) return text("undefined");
  const value = `${signed && e.estimate > 0 ? "+" : ""}${fixed(e.estimate, 3)}`;
  return text(e.interval === null ? value : `${value} [${fixed(e.interval[0], 3)}, ${fixed(e.interval[1], 3)}]`);
};

/** One table per metric: groups as rows, each model's value, then each synthetic-trained model's gain over the reference. */
export const utilityTables = (doc: SubgroupMetricsDoc, minCell: number): Table[] => {
  const rule = suppression(doc, minCell);
  const reference = doc.params.reference!;
  const candidates = doc.models.filter((m) => m !== reference);
  return UTILITY_METRICS.map((metric) => ({
    caption: `${METRIC_BY_NAME[metric].label} on the real test rows, mean over ${doc.replicates} replicates [95% bootstrap interval]; TSTR minus TRTR (${reference}) per subgroup (positive: the synthetic-trained model does better)`,
    header: ["group", "test n", ...doc.models, ...candidates.map((m) => `${m} − ${reference}`)],
    rows: doc.groups.map((group): Cell[] => {
      const size = doc.sizes.find((s) => s.group === group)!;
      const sizeVisibility = rule.size(group, "testN");
      return [
        text(group),
        sizeVisibility === "shown" ? text(String(size.testN)) : sizeVisibility === "small" ? suppressedCell(minCell) : complementCell,
        ...doc.models.map((model) => {
          const r = doc.results.find((x) => x.model === model && x.group === group)!;
          return estimateCell(r.metrics[metric], rule.metric(model, group, metric), minCell);
        }),
        ...candidates.map((model) => {
          const gain = doc.gains.find((g) => g.model === model && g.group === group && g.metric === metric);
          return gain === undefined ? text("–") : estimateCell(gain, rule.estimate(gain), minCell, true);
        }),
      ];
    }),
  }));
};

/** The forest plot rows of the TSTR − TRTR gains on one metric; hidden cells become a note, never a point. */
export const utilityForestRows = (doc: SubgroupMetricsDoc, metric: MetricName, minCell: number): ForestRow[] => {
  const rule = suppression(doc, minCell);
  return doc.gains
    .filter((g) => g.metric === metric)
    .map((g) => {
      const shown = rule.estimate(g) === "shown" && g.estimate !== null;
      return {
        row: g.group,
        model: g.model,
        estimate: shown ? g.estimate : null,
        low: shown && g.interval !== null ? g.interval[0] : null,
        high: shown && g.interval !== null ? g.interval[1] : null,
        note: shown ? null : `hidden (fewer than ${minCell} people, or it would reveal such a cell)`,
      };
    });
};
