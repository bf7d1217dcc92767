/**
 * Report charts: Vega-Lite specs compiled and rendered to static SVG in Node (vega's headless View, renderer
 * "none", `toSVG()`; no canvas, no fonts, no network: every chart's data is inline). The SVG goes into the HTML
 * report as is, so the page needs no script. Vega escapes every text and attribute it writes (&, <, >, quotes),
 * so names from data are safe inside the SVG too.
 *
 * Determinism: the same spec gives the same SVG bytes in any process (text widths are estimated, not measured;
 * no clip paths or gradients, whose ids vega numbers per process). test/steps/report-evaluation.test.ts checks it.
 * Every chart takes only what may be shown: callers leave suppressed values out of the data.
 */
import { ownTextSafe } from "../../dsl/display-text.js";
import type * as Vega from "vega";
import type { TopLevelSpec } from "vega-lite";

const FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif";

const CONFIG = {
  font: FONT,
  background: "white",
  view: { stroke: "#ddd" },
  axis: { labelLimit: 320, titleFontWeight: "normal", labelFontSize: 11, titleFontSize: 11 },
  legend: { labelLimit: 320, labelFontSize: 11, titleFontSize: 11 },
  title: { fontSize: 13, fontWeight: "normal", anchor: "start" },
  // The Tableau 10 colours, model order.
  range: { category: ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"] },
} as const;

/** A loader that refuses every fetch: chart data is always inline. */
const noNetwork = {
  load: () => Promise.reject(new Error("report charts load no external data")),
  sanitize: () => Promise.reject(new Error("report charts load no external data")),
  http: () => Promise.reject(new Error("report charts load no external data")),
  file: () => Promise.reject(new Error("report charts load no external data")),
};

/**
 * What a step thread does ahead of a chart-drawing step (StepDefinition.warm): loads Vega and draws one small
 * chart, so that Vega's first-use costs (its parser's and dataflow's code compiled and optimised) are paid while
 * the thread would wait.
 */
export const warmCharts = async (): Promise<void> => {
  await renderChart(forestSpec("warm-up", [{ row: "a", model: "m", estimate: 0.5, low: 0.4, high: 0.6, note: null }], ["a"]));
};

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string. Vega is imported here, not at the top: pipelines
 * import this module to build their plan, and a warm (all cached) run should not pay for loading Vega (steps that
 * draw charts load it ahead with `warmCharts`).
 */
export const renderChart = async (spec: TopLevelSpec): Promise<string> => {
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vl.compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", loader: noNetwork as unknown as Vega.Loader });
  try {
    // vega escapes markup in labels but not control characters: those from data follow the one rule too.
    return ownTextSafe(await view.toSVG());
  } finally {
    view.finalize();
  }
};

// ---------------------------------------------------------------------------------------------------------------

export interface PlanNodeView {
  readonly id: string;
  readonly step: string;
  readonly inputs: readonly string[];
}

/**
 * The study's plan as a layered graph drawn top to bottom: a node's layer is one below its deepest input, nodes
 * keep plan order within a layer; edges are straight lines from input to consumer.
 */
export const planGraphSpec = (nodes: readonly PlanNodeView[], highlight: readonly string[]): TopLevelSpec => {
  const layer = new Map<string, number>();
  for (const n of nodes) layer.set(n.id, n.inputs.length === 0 ? 0 : 1 + Math.max(...n.inputs.map((i) => layer.get(i) ?? 0)));
  const slot = new Map<string, number>();
  const used = new Map<number, number>();
  for (const n of nodes) {
    const l = layer.get(n.id)!;
    slot.set(n.id, used.get(l) ?? 0);
    used.set(l, (used.get(l) ?? 0) + 1);
  }
  const points = nodes.map((n) => ({
    x: slot.get(n.id)!,
    y: layer.get(n.id)!,
    label: `${n.id} (${n.step})`,
    kind: highlight.includes(n.id) ? "this evaluation and report" : "study step",
  }));
  // Each edge is a three-point curve; an edge that skips layers within one column bows out to the left so it
  // does not run through the nodes between its ends.
  const edges = nodes.flatMap((n, ni) =>
    n.inputs
      .filter((i) => layer.has(i))
      .flatMap((i, k) => {
        const [x1, y1, x2, y2] = [slot.get(i)!, layer.get(i)!, slot.get(n.id)!, layer.get(n.id)!];
        const bow = x1 === x2 && y2 - y1 > 1 ? -0.12 * (y2 - y1) : 0;
        const edge = `${ni}/${k}`;
        return [
          { edge, order: 0, x: x1, y: y1 },
          { edge, order: 1, x: (x1 + x2) / 2 + bow, y: (y1 + y2) / 2 },
          { edge, order: 2, x: x2, y: y2 },
        ];
      }),
  );
  const columns = Math.max(1, ...used.values());
  const layers = Math.max(1, ...layer.values()) + 1;
  const x = { scale: { domain: [-0.6, columns - 0.2] }, axis: null };
  const y = { scale: { domain: [-0.5, layers - 0.5], reverse: true }, axis: null };
  return {
    width: 120 + 260 * columns,
    height: 34 * layers,
    layer: [
      {
        data: { values: edges },
        mark: { type: "line", color: "#9aa5b1", strokeWidth: 1.2, interpolate: "basis" },
        encoding: {
          x: { field: "x", type: "quantitative", ...x },
          y: { field: "y", type: "quantitative", ...y },
          detail: { field: "edge", type: "nominal" },
          order: { field: "order", type: "quantitative" },
        },
      },
      {
        data: { values: points },
        mark: { type: "point", filled: true, size: 90, shape: "square" },
        encoding: {
          x: { field: "x", type: "quantitative", ...x },
          y: { field: "y", type: "quantitative", ...y },
          color: { field: "kind", type: "nominal", title: null, scale: { domain: ["study step", "this evaluation and report"], range: ["#4e79a7", "#e15759"] }, legend: { orient: "top" } },
        },
      },
      {
        data: { values: points },
        mark: { type: "text", align: "left", dx: 9, fontSize: 11, color: "#222" },
        encoding: { x: { field: "x", type: "quantitative", ...x }, y: { field: "y", type: "quantitative", ...y }, text: { field: "label" } },
      },
    ],
  } as TopLevelSpec;
};

export interface ForestRow {
  /** y-axis label, e.g. the subgroup. */
  readonly row: string;
  readonly model: string;
  readonly estimate: number | null;
  readonly low: number | null;
  readonly high: number | null;
  /** Shown as text instead of a point and interval. */
  readonly note: string | null;
}

/** A forest plot of gains with bootstrap intervals, one row per group, one colour per model, a rule at zero. */
export const forestSpec = (title: string, rows: readonly ForestRow[], rowOrder: readonly string[]): TopLevelSpec => {
  const shown = rows.filter((r) => r.note === null && r.estimate !== null);
  const notes = rows.filter((r) => r.note !== null).map((r) => ({ row: r.row, model: r.model, note: r.note }));
  const y = { field: "row", type: "nominal", title: null, sort: [...rowOrder] } as const;
  const yOffset = { field: "model", type: "nominal" } as const;
  return {
    title,
    width: 360,
    height: { step: 22 },
    layer: [
      { data: { values: [{ zero: 0 }] }, mark: { type: "rule", color: "#888", strokeDash: [4, 3] }, encoding: { x: { field: "zero", type: "quantitative" } } },
      {
        data: { values: shown },
        mark: { type: "rule", strokeWidth: 2 },
        encoding: { y, yOffset, x: { field: "low", type: "quantitative", title: "gain over the reference (positive = better), 95% bootstrap interval" }, x2: { field: "high" }, color: { field: "model", type: "nominal", title: "model" } },
      },
      {
        data: { values: shown },
        mark: { type: "point", filled: true, size: 60 },
        encoding: { y, yOffset, x: { field: "estimate", type: "quantitative" }, color: { field: "model", type: "nominal", title: "model" } },
      },
      {
        data: { values: notes },
        mark: { type: "text", align: "left", dx: 4, fontSize: 11, fontStyle: "italic", color: "#666" },
        encoding: { y, yOffset, x: { datum: 0, type: "quantitative" }, text: { field: "note" } },
      },
    ],
  } as TopLevelSpec;
};

export interface CalibrationRow {
  readonly model: string;
  readonly meanPredicted: number;
  readonly observed: number;
  readonly people: number;
}

/** One group's calibration curves: observed share of positives against mean predicted probability per bin. */
export const calibrationSpec = (title: string, rows: readonly CalibrationRow[], models: readonly string[]): TopLevelSpec => ({
  title,
  width: 220,
  height: 220,
  layer: [
    {
      data: { values: [{ p: 0 }, { p: 1 }] },
      mark: { type: "line", color: "#aaa", strokeDash: [4, 3] },
      encoding: { x: { field: "p", type: "quantitative" }, y: { field: "p", type: "quantitative" } },
    },
    {
      data: { values: [...rows] },
      mark: { type: "line", point: { filled: true, size: 40 } },
      encoding: {
        x: { field: "meanPredicted", type: "quantitative", title: "mean predicted probability", scale: { domain: [0, 1] } },
        y: { field: "observed", type: "quantitative", title: "observed share positive", scale: { domain: [0, 1] } },
        color: { field: "model", type: "nominal", title: "model", scale: { domain: [...models] } },
        order: { field: "meanPredicted", type: "quantitative" },
      },
    },
  ],
}) as TopLevelSpec;

export interface SizeRow {
  readonly group: string;
  readonly set: string;
  /** null when suppressed: the bar is left out and `note` is written instead. */
  readonly n: number | null;
  readonly note: string | null;
}

/** Subgroup sizes: cohort and evaluated people per group as grouped bars; suppressed counts as text only. */
export const sizesSpec = (rows: readonly SizeRow[], groupOrder: readonly string[]): TopLevelSpec => {
  const y = { field: "group", type: "nominal", title: null, sort: [...groupOrder] } as const;
  const yOffset = { field: "set", type: "nominal", sort: ["cohort", "evaluated (test)"] } as const;
  const color = { field: "set", type: "nominal", title: null, scale: { domain: ["cohort", "evaluated (test)"], range: ["#4e79a7", "#f28e2b"] } } as const;
  return {
    width: 360,
    height: { step: 22 },
    layer: [
      {
        data: { values: rows.filter((r) => r.n !== null) },
        mark: { type: "bar" },
        encoding: { y, yOffset, x: { field: "n", type: "quantitative", title: "people" }, color },
      },
      {
        data: { values: rows.filter((r) => r.n !== null) },
        mark: { type: "text", align: "left", dx: 3, fontSize: 10, color: "#333" },
        encoding: { y, yOffset, x: { field: "n", type: "quantitative" }, text: { field: "n", type: "quantitative" } },
      },
      {
        data: { values: rows.filter((r) => r.note !== null) },
        mark: { type: "text", align: "left", dx: 3, fontSize: 10, fontStyle: "italic", color: "#666" },
        encoding: { y, yOffset, x: { datum: 0, type: "quantitative" }, text: { field: "note" }, color },
      },
    ],
  } as TopLevelSpec;
};
