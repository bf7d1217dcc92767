/**
 * A strict RFC 4180 reader over a file's UTF-8 bytes: fields may be quoted ("a ""b"", c"), quoted fields may hold
 * delimiters and line breaks; records end at CRLF, LF or a lone CR. Anything else (a stray quote, text after a
 * closing quote, an unterminated quote) is an error rather than a guess. Trailing blank lines are dropped.
 *
 * Fields are byte ranges, never strings: every byte a reader looks for (quote, delimiter, CR, LF) is ASCII, and no
 * byte of a multi-byte UTF-8 character is, so scanning bytes finds exactly the fields scanning characters does.
 */

/**
 * The current record's fields: field k is bytes start[k]..end[k] of src[k], which is the file for an unquoted
 * field or a quoted one without doubled quotes (the range inside the quotes), else a scratch buffer holding the
 * unescaped value. Reused between records: a reader copies what it keeps.
 */
export interface CsvFields {
  readonly src: Uint8Array[];
  readonly start: number[];
  readonly end: number[];
}

/** Receives each record as it is scanned: its first line and its number of fields. */
type OnRecord = (line: number, fields: CsvFields, count: number) => void;

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** The UTF-16 code unit a message shows for the character starting at byte i (valid UTF-8), as text[i] would. */
const charAt = (bytes: Uint8Array, i: number): string => {
  const lead = bytes[i]!;
  const length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
  return Buffer.from(bytes.buffer, bytes.byteOffset + i, length).toString("utf8")[0]!;
};

/** Scans `bytes` (valid UTF-8, no byte order mark) record by record; `delimiter` is one character's UTF-8 bytes. */
export const scanCsv = (bytes: Uint8Array, delimiter: Uint8Array, fail: (line: number, problem: string) => never, onRecord: OnRecord): void => {
  const n = bytes.length;
  const d0 = delimiter[0]!;
  const dn = delimiter.length;
  /** Whether the delimiter starts at byte i (its first byte already matched). */
  const delimiterRest = (i: number): boolean => {
    for (let k = 1; k < dn; k++) if (bytes[i + k] !== delimiter[k]) return false;
    return true;
  };
  const fields: CsvFields = { src: [], start: [], end: [] };
  // Unescaped values of quoted fields with doubled quotes, reset at each record.
  let scratch = new Uint8Array(256);
  let scratchEnd = 0;
  const unescape = (from: number, to: number): void => {
    if (scratchEnd + to - from > scratch.length) {
      const bigger = new Uint8Array(Math.max(2 * scratch.length, scratchEnd + to - from));
      bigger.set(scratch.subarray(0, scratchEnd));
      scratch = bigger;
    }
    scratch.set(bytes.subarray(from, to), scratchEnd);
    scratchEnd += to - from;
  };
  // Blank lines are held back until a later record shows they are not trailing.
  const blanks: number[] = [];
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    let count = 0;
    let quotedAny = false;
    scratchEnd = 0;
    for (;;) {
      if (bytes[i] === QUOTE) {
        quotedAny = true;
        i++;
        let from = i;
        let escaped = -1;
        for (;;) {
          if (i >= n) fail(start, `a quoted field opened on this line is never closed; add the closing double quote`);
          const ch = bytes[i]!;
          if (ch === QUOTE) {
            if (bytes[i + 1] === QUOTE) {
              if (escaped < 0) escaped = scratchEnd;
              unescape(from, i + 1);
              i += 2;
              from = i;
              continue;
            }
            break;
          }
          if (ch === LF || (ch === CR && bytes[i + 1] !== LF)) line++;
          i++;
        }
        if (escaped < 0) {
          fields.src[count] = bytes;
          fields.start[count] = from;
          fields.end[count] = i;
        } else {
          unescape(from, i);
          fields.src[count] = scratch;
          fields.start[count] = escaped;
          fields.end[count] = scratchEnd;
        }
        i++;
        const next = bytes[i];
        if (i < n && !(next === d0 && delimiterRest(i)) && next !== LF && next !== CR) {
          fail(line, `field ${count + 1}: unexpected ${JSON.stringify(charAt(bytes, i))} after a closing quote; a quoted field must end at the delimiter (double any quote inside it)`);
        }
      } else {
        const from = i;
        for (; i < n; i++) {
          const ch = bytes[i]!;
          if ((ch === d0 && (dn === 1 || delimiterRest(i))) || ch === LF || ch === CR) break;
          if (ch === QUOTE) fail(line, `field ${count + 1}: stray double quote in an unquoted field; quote the whole field and double the quotes inside it`);
        }
        fields.src[count] = bytes;
        fields.start[count] = from;
        fields.end[count] = i;
      }
      count++;
      if (i < n && bytes[i] === d0 && delimiterRest(i)) {
        i += dn;
        continue;
      }
      break;
    }
    if (bytes[i] === CR) {
      i++;
      if (bytes[i] === LF) i++;
    } else if (bytes[i] === LF) i++;
    line++;
    if (!quotedAny && count === 1 && fields.end[0] === fields.start[0]) {
      blanks.push(start);
      continue;
    }
    if (blanks.length > 0) {
      // A blank record is one empty field: field 0 stands in for it, then gets this record's back.
      const [src, from, to] = [fields.src[0]!, fields.start[0]!, fields.end[0]!];
      fields.start[0] = 0;
      fields.end[0] = 0;
      for (const blank of blanks) onRecord(blank, fields, 1);
      blanks.length = 0;
      [fields.src[0], fields.start[0], fields.end[0]] = [src, from, to];
    }
    onRecord(start, fields, count);
  }
};
