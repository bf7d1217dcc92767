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
 * Safe as literal text in a Markdown table cell or heading (CommonMark / GFM): line breaks become spaces; the
 * characters that can format, link, close a heading or end a cell (\ ` * _ [ ] | ~ #) are backslash-escaped; and a "<" that could open
 * raw HTML or an autolink (followed by a letter, "/", "!" or "?") or an "&" that could start an entity is
 * backslash-escaped too, so a name like <img onerror=…> stays text. Other characters stay as they are, so the
 * source stays readable ("< 10" is left alone: "<" followed by a space opens nothing).
 */
export const escapeMarkdown = (text: string): string =>
  text
    .replace(/\r\n|\r|\n/g, " ")
    .replace(/[\\`*_[\]|~#]/g, (ch) => `\\${ch}`)
    .replace(/<(?=[A-Za-z/!?])/g, "\\<")
    .replace(/&(?=[A-Za-z#])/g, "\\&");
