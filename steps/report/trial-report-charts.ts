/**
 * report.trial's charts as Vega-Lite specs (rendered to static SVG by charts.ts renderChart): the forest plot of
 * individual effects, raw and shrunken, with the pooled μ, and the patients' own time series (drawn only when the
 * study asks for them).
 */
import type { TopLevelSpec } from "vega-lite";

export interface ForestPoint {
  readonly patient: string;
  /** "N-of-1 (raw)" or "shrunken". */
  readonly estimate: string;
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

const ESTIMATES = ["N-of-1 (raw)", "shrunken"] as const;
export const [RAW_ESTIMATE, SHRUNKEN_ESTIMATE] = ESTIMATES;

/** One row per patient (in `order`), the raw and the shrunken effect side by side, rules at zero and at μ. */
export const trialForestSpec = (points: readonly ForestPoint[], order: readonly string[], mu: number, axisTitle: string): TopLevelSpec => {
  const y = { field: "patient", type: "nominal", title: null, sort: [...order] } as const;
  const yOffset = { field: "estimate", type: "nominal", sort: [...ESTIMATES] } as const;
  const color = { field: "estimate", type: "nominal", title: null, scale: { domain: [...ESTIMATES], range: ["#4e79a7", "#f28e2b"] }, legend: { orient: "top" } } as const;
  return {
    width: 420,
    height: { step: 18 },
    layer: [
      { data: { values: [{ zero: 0 }] }, mark: { type: "rule", color: "#888", strokeDash: [4, 3] }, encoding: { x: { field: "zero", type: "quantitative" } } },
      { data: { values: [{ mu }] }, mark: { type: "rule", color: "#59a14f" }, encoding: { x: { field: "mu", type: "quantitative" } } },
      {
        data: { values: [...points] },
        mark: { type: "rule", strokeWidth: 2 },
        encoding: { y, yOffset, x: { field: "low", type: "quantitative", title: axisTitle }, x2: { field: "high" }, color },
      },
      {
        data: { values: [...points] },
        mark: { type: "point", filled: true, size: 40 },
        encoding: { y, yOffset, x: { field: "value", type: "quantitative" }, color },
      },
    ],
  } as TopLevelSpec;
};

export interface SeriesPoint {
  readonly patient: string;
  readonly day: number;
  readonly outcome: number;
  /** The day's treatment on active days, else "washout", "baseline" or "run-in". */
  readonly label: string;
}

/** Each chosen patient's daily outcomes, one small panel per patient, coloured by treatment. */
export const trialSeriesSpec = (points: readonly SeriesPoint[], labels: readonly string[], order: readonly string[]): TopLevelSpec =>
  ({
    data: { values: [...points] },
    facet: { field: "patient", type: "nominal", title: null, sort: [...order] },
    columns: 4,
    spec: {
      width: 200,
      height: 90,
      mark: { type: "point", filled: true, size: 10 },
      encoding: {
        x: { field: "day", type: "quantitative", title: "day" },
        y: { field: "outcome", type: "quantitative", title: "outcome", scale: { zero: false } },
        color: { field: "label", type: "nominal", title: null, scale: { domain: [...labels] }, legend: { orient: "top" } },
      },
    },
  }) as TopLevelSpec;
