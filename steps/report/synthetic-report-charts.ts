/**
 * The synthetic report's charts (Vega-Lite specs, rendered by charts.ts): marginal overlays (real vs each
 * generator's share of rows per merged bin, one panel per numeric column) and the correlation-difference heatmap
 * (synthetic minus real Pearson r per numeric pair, one panel per generator). Callers pass only what may be shown:
 * bins already merged by the small-cell rule (synthetic-report-marginals.ts), correlations computed on every real row.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Marginal } from "./synthetic-report-marginals.js";

export const REAL = "real";

/** Every drawable column's merged bins, with one synthetic count per generator (`generators` order). */
export const marginalOverlaySpec = (marginals: readonly Marginal[], generators: readonly string[]): TopLevelSpec => {
  const shown = marginals.filter((m) => m.bins !== null);
  const values = shown.flatMap((m) =>
    m.bins!.flatMap((b) => [
      { column: m.column, source: REAL, start: b.start, end: b.end, share: b.real / m.realN },
      ...generators.map((g, i) => ({ column: m.column, source: g, start: b.start, end: b.end, share: m.syntheticN[i] === 0 ? 0 : b.synthetic[i]! / m.syntheticN[i]! })),
    ]),
  );
  return {
    title: "Marginals: share of rows per bin, real (training rows) vs synthetic; bins with 1 to minCell − 1 real rows merged",
    data: { values },
    facet: { field: "column", type: "nominal", title: null, sort: shown.map((m) => m.column) },
    columns: 4,
    spec: {
      width: 190,
      height: 130,
      mark: { type: "bar", opacity: 0.45, binSpacing: 0 },
      encoding: {
        x: { field: "start", type: "quantitative", title: null, scale: { zero: false } },
        x2: { field: "end" },
        y: { field: "share", type: "quantitative", title: "share of rows", stack: null },
        color: { field: "source", type: "nominal", title: null, sort: [REAL, ...generators], scale: { domain: [REAL, ...generators] } },
      },
    },
    resolve: { scale: { x: "independent", y: "independent" } },
  } as TopLevelSpec;
};

export interface CorrelationCell {
  readonly generator: string;
  readonly a: string;
  readonly b: string;
  /** synthetic r − real r; null where either is undefined (a constant column). */
  readonly difference: number | null;
}

/** A symmetric heatmap per generator, both triangles filled, the difference written in each cell. */
export const correlationDifferenceSpec = (cells: readonly CorrelationCell[], columns: readonly string[], generators: readonly string[]): TopLevelSpec => {
  const values = cells.flatMap((c) => {
    const label = c.difference === null ? "–" : c.difference.toFixed(2);
    return [
      { generator: c.generator, a: c.a, b: c.b, difference: c.difference, label },
      { generator: c.generator, a: c.b, b: c.a, difference: c.difference, label },
    ];
  });
  const x = { field: "a", type: "nominal", title: null, sort: [...columns] } as const;
  const y = { field: "b", type: "nominal", title: null, sort: [...columns] } as const;
  return {
    title: "Correlation difference: synthetic r − real r (Pearson), numeric column pairs",
    data: { values },
    facet: { field: "generator", type: "nominal", title: null, sort: [...generators] },
    spec: {
      width: { step: 34 },
      height: { step: 24 },
      layer: [
        {
          mark: { type: "rect" },
          encoding: { x, y, color: { field: "difference", type: "quantitative", title: "Δ r", scale: { scheme: "redblue", domain: [-0.5, 0.5], clamp: true, reverse: true } } },
        },
        { mark: { type: "text", fontSize: 9 }, encoding: { x, y, text: { field: "label" } } },
      ],
    },
  } as TopLevelSpec;
};
