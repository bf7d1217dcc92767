/**
 * The one output-encoding rule for text that comes from data (subgroup labels, column names, category levels,
 * file names) on its way to a terminal, Markdown, HTML or JSON: a character that could act instead of being read
 * is shown as its escape, so it can be seen and never clears a screen, forges a line or reorders text.
 *
 * Those characters are the C0 controls (newline, carriage return and tab included, ESC among them), DEL, the C1
 * controls (U+009B is a one-byte CSI for many terminals), the Unicode line and paragraph separators, and the
 * bidirectional embeddings, overrides and isolates.
 */
const ACTING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same set without C0: JSON.stringify already writes every C0 character inside a string as an escape, and
// outside strings JSON text has only its own whitespace.
const ACTING_AFTER_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// Our own output (terminal lines, SVG) keeps its line breaks and the carriage return that redraws a progress line.
const ACTING_IN_OUR_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
const unicodeEscape = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
const escapeOne = (ch: string): string => NAMED[ch] ?? unicodeEscape(ch);

/** One line of text from data, as it is shown: ESC becomes \u001b, a newline \n. */
export const displayText = (text: string): string => text.replace(ACTING, escapeOne);

/** JSON text whose strings carry no acting character raw: it parses to the same value. */
export const escapeJsonText = (json: string): string => json.replace(ACTING_AFTER_JSON, unicodeEscape);

/**
 * Text of our own with data inside (a command's terminal output, an SVG chart whose labels are group names): its
 * line breaks stay, every other acting character is escaped.
 */
export const ownTextSafe = (text: string): string => text.replace(ACTING_IN_OUR_TEXT, escapeOne);
