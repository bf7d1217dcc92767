/**
 * Escaping for text that comes from data or params (subgroup names, model labels, titles) before it goes into a
 * report. Everything not written by the report code itself goes through one of these, and each applies first the
 * one output-encoding rule of dsl/display-text.ts (control characters shown as escapes), then its format's own.
 */
import { displayText } from "../../dsl/display-text.js";

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Safe in HTML text and in double- or single-quoted attribute values. */
export const escapeHtml = (text: string): string => displayText(text).replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch]!);

/**
 * Safe as literal text in a Markdown table cell or heading (CommonMark / GFM): control characters are shown as
 * escapes (a line break from data as \n, so it can never end a cell or start a heading); the
 * characters that can format, link, close a heading or end a cell (\ ` * _ [ ] | ~ #) are backslash-escaped; and a "<" that could open
 * raw HTML or an autolink (followed by a letter, "/", "!" or "?") or an "&" that could start an entity is
 * backslash-escaped too, so a name like <img onerror=…> stays text. Other characters stay as they are, so the
 * source stays readable ("< 10" is left alone: "<" followed by a space opens nothing).
 */
export const escapeMarkdown = (text: string): string =>
  displayText(text)
    .replace(/[\\`*_[\]|~#]/g, (ch) => `\\${ch}`)
    .replace(/<(?=[A-Za-z/!?])/g, "\\<")
    .replace(/&(?=[A-Za-z#])/g, "\\&");
