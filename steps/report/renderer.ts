/**
 * The one report renderer: every report step builds its tables of final text cells once (a view) and renders them
 * here to HTML and Markdown, so tables, escaping (escape.ts), the display of suppressed cells, the stylesheet and
 * the document scaffolding are the same in every report.
 *
 * HTML documents are self-contained: inline CSS, inline SVG only where a report passes charts, no script, no
 * external resource, and a Content-Security-Policy that forbids both. Every string from data or params is escaped.
 */
import { escapeHtml, escapeMarkdown } from "./escape.js";

export interface Cell {
  /** Lines of plain text (never markup); HTML joins them with <br>, Markdown with a space. */
  readonly lines: readonly string[];
  /** Shown as a suppressed small cell ("< minCell"). */
  readonly suppressed?: boolean;
  /** Flags something (a harm, an envy, a disagreement). */
  readonly flag?: boolean;
}

export interface Table {
  readonly caption: string;
  readonly header: readonly string[];
  /** The first cell of a row is its header. */
  readonly rows: readonly (readonly Cell[])[];
}

/** A cell of plain text lines. */
export const text = (...lines: string[]): Cell => ({ lines });

/** The small-cell suppression display: a value computed on fewer than `minCell` people. */
export const suppressedCell = (minCell: number): Cell => ({ lines: [`< ${minCell}`], suppressed: true });

/** A cell hidden by complementary suppression: its own value may be large, but it would give away a small one. */
export const complementCell: Cell = { lines: ["hidden"], suppressed: true };

/** A number with `digits` decimals, never "-0.000". */
export const fixed = (v: number, digits: number): string => {
  const s = v.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
};

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

export const htmlTable = (t: Table): string =>
  [
    '<div class="scroll"><table>',
    `<caption>${escapeHtml(t.caption)}</caption>`,
    `<thead><tr>${t.header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("")}</tr></thead>`,
    "<tbody>",
    ...t.rows.map((row) => `<tr>${row.map((c, i) => htmlCell(c, i === 0)).join("")}</tr>`),
    "</tbody></table></div>",
  ].join("\n");

/** Paragraphs of plain text, escaped, with an optional class. */
export const htmlParagraphs = (paragraphs: readonly string[], cls?: string): string[] =>
  paragraphs.map((p) => `<p${cls === undefined ? "" : ` class="${cls}"`}>${escapeHtml(p)}</p>`);

/** A whole HTML document around body lines the report built with the helpers here (empty lines are dropped). */
export const htmlDocument = (title: string, body: readonly string[]): string =>
  [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${CSS}\n</style>`,
    "</head>",
    "<body>",
    `<h1>${escapeHtml(title)}</h1>`,
    ...body,
    "</body>",
    "</html>",
    "",
  ]
    .filter((l) => l !== "")
    .join("\n");

const markdownLine = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;

/** A Markdown table with its bold caption, then a blank line. */
export const markdownTable = (t: Table): string[] => [
  `**${escapeMarkdown(t.caption)}**`,
  "",
  markdownLine(t.header.map(escapeMarkdown)),
  markdownLine(t.header.map((_, i) => (i === 0 ? "---" : "---:"))),
  ...t.rows.map((row) => markdownLine(row.map((c) => escapeMarkdown(c.lines.join(" "))))),
  "",
];

/** Paragraphs of plain text, escaped, each followed by a blank line. */
export const markdownParagraphs = (paragraphs: readonly string[]): string[] => paragraphs.flatMap((p) => [escapeMarkdown(p), ""]);

/** A heading of level 1 or 2 and a blank line. */
export const markdownHeading = (level: 1 | 2, title: string): string[] => [`${"#".repeat(level)} ${escapeMarkdown(title)}`, ""];
