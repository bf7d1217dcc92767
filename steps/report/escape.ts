/**
 * Escaping for text that comes from data or params (subgroup names, model labels, titles) before it goes into a
 * report. Everything not written by the report code itself goes through one of these.
 */

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Safe in HTML text and in double- or single-quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch]!);

/**
 * Safe as literal text in a Markdown table cell or heading: line breaks become spaces, Markdown punctuation is
 * backslash-escaped (so `|` cannot end a cell and `*`, `[`, `]` cannot format or link), and &, <, >, " become
 * entities (Markdown renderers pass raw HTML through, so a name like <img onerror=…> must not stay markup).
 */
export const escapeMarkdown = (text: string): string =>
  escapeHtml(text.replace(/\r\n|\r|\n/g, " ").replace(/[\\`*_{}[\]()#+\-.!|~]/g, (ch) => `\\${ch}`));
