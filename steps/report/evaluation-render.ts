/**
 * report.evaluation's documents from its view: HTML (navigation, one section per part, charts inline, a
 * provenance footer) and Markdown (the sections with Markdown tables, for pull requests), both through the shared
 * renderer.
 */
import { escapeHtml, escapeMarkdown } from "./escape.js";
import type { ReportView } from "./evaluation-view.js";
import { htmlDocument, htmlParagraphs, htmlTable, markdownHeading, markdownParagraphs, markdownTable } from "./renderer.js";

/** The SVG strings come from vega, which escapes all text it writes; they are inserted as markup on purpose. */
export const renderHtml = (view: ReportView): string =>
  htmlDocument(view.title, [
    ...htmlParagraphs(view.summary),
    `<nav>${view.sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join(" ")}</nav>`,
    ...view.sections.flatMap((s) => [
      `<section id="${s.id}">`,
      `<h2>${escapeHtml(s.title)}</h2>`,
      ...htmlParagraphs(s.intro, "intro"),
      s.charts.length === 0 ? "" : `<div class="charts">${s.charts.map((svg) => `<figure class="chart">${svg}</figure>`).join("\n")}</div>`,
      ...s.tables.map(htmlTable),
      ...htmlParagraphs(s.notes, "note"),
      "</section>",
    ]),
    "<footer>",
    "<h2>Provenance</h2>",
    "<dl>",
    ...view.provenance.flatMap(([k, v]) => [`<dt>${escapeHtml(k)}</dt>`, `<dd>${escapeHtml(v)}</dd>`]),
    "</dl>",
    "</footer>",
  ]);

export const renderMarkdown = (view: ReportView): string => {
  const out: string[] = [...markdownHeading(1, view.title), ...markdownParagraphs(view.summary)];
  for (const s of view.sections) {
    const tables = s.tables.filter((t) => t.markdown);
    if (tables.length === 0 && s.id !== "rare") continue;
    out.push(...markdownHeading(2, s.title), ...markdownParagraphs(s.intro));
    for (const t of tables) out.push(...markdownTable(t));
    out.push(...markdownParagraphs(s.notes));
  }
  out.push("## Provenance", "", ...view.provenance.map(([k, v]) => `- ${escapeMarkdown(k)}: \`${v.replace(/`/g, "")}\``), "");
  return out.join("\n");
};
