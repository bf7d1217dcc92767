/**
 * report.study: renders by-subgroup metrics as one self-contained HTML file (inline CSS, no scripts, no fetches,
 * a Content-Security-Policy that forbids both) and as Markdown. Rows are the whole test set ("overall") and each
 * subgroup; per model: accuracy, AUROC and Brier score as mean ± sample sd across replicates.
 *
 * Small-cell suppression, applied identically to both outputs: a count below `minCell` is shown as "< minCell";
 * positives are also suppressed when the negatives (n − positives) fall below `minCell`, since they could be
 * derived; and a model × group's metrics are shown as "< minCell" when the group had fewer than `minCell` test
 * rows in any replicate (each replicate's metric is computed on that replicate's test rows only). No row-level
 * data is ever printed: the inputs are aggregate documents.
 */
import { Effect, Schema } from "effect";
import type { MetricsHandle, ReportHandle } from "../../dsl/handles.js";
import { type StepContext, defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode } from "../../dsl/study.js";
import { escapeHtml, escapeMarkdown } from "./escape.js";

const Params = Schema.Struct({
  title: Schema.String.check(Schema.isMinLength(1)),
  minCell: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(10))),
});
export type StudyReportParams = typeof Params.Type;

const NullableNumber = Schema.NullOr(Schema.Number);
const MeanSdSchema = Schema.Struct({ mean: NullableNumber, sd: NullableNumber, replicates: Schema.Number });
const MetricsDoc = Schema.Struct({
  format: Schema.Literal("strata-metrics/1"),
  metric: Schema.Literal("by-subgroup"),
  threshold: Schema.Number,
  models: Schema.Array(Schema.String),
  groups: Schema.Array(Schema.String),
  summary: Schema.Array(
    Schema.Struct({
      model: Schema.String,
      group: Schema.String,
      replicates: Schema.Number,
      nMin: Schema.Number,
      nMax: Schema.Number,
      accuracy: MeanSdSchema,
      auroc: MeanSdSchema,
      brier: MeanSdSchema,
    }),
  ),
});
type MetricsDoc = typeof MetricsDoc.Type;
const CountsDoc = Schema.Struct({
  groups: Schema.Array(Schema.Struct({ name: Schema.String, n: Schema.Number, positives: Schema.Number })),
});
type CountsDoc = typeof CountsDoc.Type;

const decode = <T>(schema: Schema.Codec<T, unknown, never, never>, value: unknown, field: string, expected: string, ctx: StepContext): T => {
  try {
    return Schema.decodeUnknownSync(schema)(value);
  } catch (e) {
    const detail = (e instanceof Error ? e.message : String(e)).split("\n").map((l) => l.trim()).join(" ");
    return ctx.fail(field, `expected ${expected}; ${detail}`);
  }
};

/** A cell of the rendered table: plain text (already final, never markup) plus whether it was suppressed. */
interface Cell {
  readonly text: string;
  readonly suppressed?: boolean;
}

interface Rendered {
  readonly header: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  readonly notes: readonly string[];
}

const fixed = (v: number, digits: number): string => {
  const s = v.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
};

/** Builds the table once; HTML and Markdown only differ in how they escape and lay it out. */
export const buildReportTable = (metrics: MetricsDoc, counts: CountsDoc, minCell: number): Rendered => {
  const small: Cell = { text: `< ${minCell}`, suppressed: true };
  const count = (v: number | undefined): Cell => (v === undefined ? { text: "—" } : v < minCell ? small : { text: String(v) });
  const countsByName = new Map(counts.groups.map((g) => [g.name, g]));
  const overall = countsByName.get("overall") ?? {
    name: "overall",
    n: counts.groups.reduce((s, g) => s + g.n, 0),
    positives: counts.groups.reduce((s, g) => s + g.positives, 0),
  };
  const groupNames = [...metrics.groups];
  for (const g of [...countsByName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) if (!groupNames.includes(g)) groupNames.push(g);
  const summary = new Map(metrics.summary.map((s) => [`${s.model}\u0000${s.group}`, s]));

  const header = ["Group", "n", "Positives", "Test n per replicate"];
  for (const model of metrics.models) header.push(`${model}: accuracy (%)`, `${model}: AUROC`, `${model}: Brier`);

  const rows = groupNames.map((name) => {
    const c = name === "overall" ? overall : countsByName.get(name);
    const positives: Cell = c === undefined ? { text: "—" } : c.positives < minCell || c.n - c.positives < minCell ? small : { text: String(c.positives) };
    const row: Cell[] = [{ text: name }, count(c?.n), positives];
    const testSizes = metrics.models.map((m) => summary.get(`${m}\u0000${name}`)).filter((s) => s !== undefined && s.replicates > 0);
    const nMin = testSizes.length === 0 ? undefined : Math.min(...testSizes.map((s) => s!.nMin));
    const nMax = testSizes.length === 0 ? undefined : Math.max(...testSizes.map((s) => s!.nMax));
    row.push(nMin === undefined ? { text: "—" } : nMin < minCell ? small : { text: nMin === nMax ? String(nMin) : `${nMin}–${nMax}` });
    for (const model of metrics.models) {
      const s = summary.get(`${model}\u0000${name}`);
      if (s === undefined || s.replicates === 0) {
        row.push({ text: "—" }, { text: "—" }, { text: "—" });
      } else if (s.nMin < minCell) {
        row.push(small, small, small);
      } else {
        const show = (m: { mean: number | null; sd: number | null }, scale: number, digits: number): Cell =>
          m.mean === null ? { text: "n/a" } : { text: m.sd === null ? fixed(m.mean * scale, digits) : `${fixed(m.mean * scale, digits)} ± ${fixed(m.sd * scale, digits)}` };
        row.push(show(s.accuracy, 100, 2), show(s.auroc, 1, 3), show(s.brier, 1, 3));
      }
    }
    return row;
  });

  const replicates = Math.max(0, ...metrics.summary.map((s) => s.replicates));
  const notes = [
    `Metrics are mean ± sample standard deviation across ${replicates} replicates, each computed on that replicate's test rows; a prediction counts as positive when P(y = 1) ≥ ${metrics.threshold}.`,
    `AUROC is rank-based with tied scores averaged; "n/a" means a group's test rows never held both classes.`,
    `Small cells are suppressed: counts below ${minCell} (and positives whose complement is below ${minCell}) and metrics of groups with fewer than ${minCell} test rows in some replicate are shown as "< ${minCell}".`,
    `n and Positives count the whole cohort of each group; "Test n per replicate" is the smallest–largest test-set size.`,
  ];
  return { header, rows, notes };
};

const CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #1b1b1b; }
h1 { font-size: 1.4rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #c8c8c8; padding: 0.3rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f0f0f0; }
td.suppressed { color: #777; font-style: italic; }
p.note { font-size: 0.85rem; color: #444; max-width: 60rem; }
`.trim();

export const renderHtml = (title: string, t: Rendered): string => {
  const lines = [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${CSS}\n</style>`,
    "</head>",
    "<body>",
    `<h1>${escapeHtml(title)}</h1>`,
    "<table>",
    `<thead><tr>${t.header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("")}</tr></thead>`,
    "<tbody>",
    ...t.rows.map(
      (row) =>
        `<tr>${row
          .map((c, i) => (i === 0 ? `<th scope="row">${escapeHtml(c.text)}</th>` : `<td${c.suppressed ? ' class="suppressed"' : ""}>${escapeHtml(c.text)}</td>`))
          .join("")}</tr>`,
    ),
    "</tbody>",
    "</table>",
    ...t.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`),
    "</body>",
    "</html>",
    "",
  ];
  return lines.join("\n");
};

export const renderMarkdown = (title: string, t: Rendered): string => {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [
    `# ${escapeMarkdown(title)}`,
    "",
    line(t.header.map(escapeMarkdown)),
    line(t.header.map((_, i) => (i === 0 ? "---" : "---:"))),
    ...t.rows.map((row) => line(row.map((c) => escapeMarkdown(c.text)))),
    "",
    ...t.notes.flatMap((n) => [escapeMarkdown(n), ""]),
  ].join("\n");
};

export const studyReport = defineStep({
  kind: "report.study",
  module: import.meta.url,
  params: Params,
  inputs: { metrics: "metrics", counts: "metrics" },
  outputs: { html: "report", markdown: "report" },
  run: (inputs, params, ctx) => {
    const metrics = decode(MetricsDoc, inputs.metrics.json(), "inputs.metrics", "by-subgroup metrics (from evaluate.by-subgroup)", ctx);
    const counts = decode(CountsDoc, inputs.counts.json(), "inputs.counts", "subgroup counts { groups: [{ name, n, positives }] }", ctx);
    const table = buildReportTable(metrics, counts, params.minCell);
    return { html: renderHtml(params.title, table), markdown: renderMarkdown(params.title, table) };
  },
});

export interface StudyReportOptions {
  readonly title: string;
  readonly minCell?: number;
}

/** Pipeline builder: an HTML and a Markdown report of by-subgroup metrics, with subgroup counts. */
export const reportStudy = (
  metrics: MetricsHandle,
  counts: MetricsHandle,
  params: StudyReportOptions,
  options: NodeOptions = {},
): { readonly html: ReportHandle; readonly markdown: ReportHandle } => {
  const node = addNode(metrics.study as StudyGraph, studyReport, { metrics, counts }, params, options);
  return { html: node.report("html"), markdown: node.report("markdown") };
};
