/**
 * Columns filled from CSV fields given as byte ranges (steps/ingest/csv-scan.ts), straight into the buffers of a
 * dense column (artifacts/dense-column.ts): numbers parsed from the bytes into a Float64Array or Int32Array, bools
 * into bytes, strings copied as UTF-8 into one buffer with offsets. A cell makes no string unless it is a number the
 * fast path does not take (then it is parsed exactly as Number() parses its text) or it is named in an error.
 */
import { type ColumnData, type ColumnType, type DenseColumn, columnOfDense } from "../../artifacts/table.js";

/** The text of bytes start..end of src (valid UTF-8). */
export const textOf = (src: Uint8Array, start: number, end: number): string => Buffer.from(src.buffer, src.byteOffset + start, end - start).toString("utf8");

/** Whether bytes start..end of src are exactly `token`. */
export const bytesEqual = (src: Uint8Array, start: number, end: number, token: Uint8Array): boolean => {
  if (end - start !== token.length) return false;
  for (let k = 0; k < token.length; k++) if (src[start + k] !== token[k]) return false;
  return true;
};

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a field's text denotes, as Number() reads it, or NaN when it is not a decimal ([+-]digits[.digits][e[+-]digits]). */
const numberOf = (text: string): number => (NUMBER.test(text) ? Number(text) : NaN);

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The value of bytes start..end when they are a plain decimal ([+-]digits[.digits]) of at most 15 digits, else
 * undefined. Then the digits are an exact integer m below 2^53 and 10^k is exact, so m / 10^k is the correctly
 * rounded double of the decimal: exactly what Number() gives, without making a string.
 */
const plainDecimal = (src: Uint8Array, start: number, end: number): number | undefined => {
  let i = start;
  const sign = src[i];
  if (sign === 45 || sign === 43) i++;
  let m = 0;
  let digits = 0;
  let scale = -1;
  for (; i < end; i++) {
    const ch = src[i]!;
    if (ch >= 48 && ch <= 57) {
      m = m * 10 + (ch - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (ch === 46 && scale < 0) scale = 0;
    else return undefined;
  }
  if (digits === 0 || digits > 15) return undefined;
  const v = scale > 0 ? m / POWERS_OF_TEN[scale]! : m;
  return sign === 45 ? -v : v;
};

const encoder = new TextEncoder();
const BOOL_TEXTS: readonly [Uint8Array, number][] = (
  [["true", 1], ["TRUE", 1], ["True", 1], ["1", 1], ["false", 0], ["FALSE", 0], ["False", 0], ["0", 0]] as const
).map(([text, v]) => [encoder.encode(text), v]);

const EXPECTED = {
  bool: "a boolean (true/false, TRUE/FALSE, True/False or 1/0)",
  float: "a finite number",
  int: "an integer (declare the column as float if fractional values are valid)",
  int32: "an integer within the 32-bit range",
} as const;

/** One column being filled. */
export interface ColumnBuilder {
  /** Makes room for `rows` more rows (a hint: adding past it grows the buffers). */
  reserve(rows: number): void;
  /** Appends the cell in bytes start..end of src, or returns what was expected. */
  add(src: Uint8Array, start: number, end: number): string | undefined;
  addNull(): void;
  column(): ColumnData;
}

/** A bitmap (bit r = row r, least significant bit first) of the rows r < n where `isSet(r)`. */
const bitmapOf = (n: number, isSet: (r: number) => boolean): Uint8Array => {
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let r = 0; r < n; r++) if (isSet(r)) bitmap[r >> 3]! |= 1 << (r & 7);
  return bitmap;
};

const fitted = <A extends Float64Array | Int32Array | Uint8Array>(a: A, length: number): A => (a.length === length ? a : (a.slice(0, length) as A));

const grown = <A extends Float64Array | Int32Array | Uint8Array>(a: A, need: number): A => {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => A)(Math.max(need, 2 * a.length));
  b.set(a);
  return b;
};

/** The rows of a column so far and which of them are null (flags written only for nulls, made a bitmap at the end). */
const rowCount = () => {
  let missing = new Uint8Array(0);
  const rows = {
    n: 0,
    nulls: 0,
    addNull: () => {
      missing = grown(missing, rows.n + 1);
      missing[rows.n++] = 1;
      rows.nulls++;
    },
    valid: (): Uint8Array | undefined => (rows.nulls === 0 ? undefined : bitmapOf(rows.n, (r) => r >= missing.length || missing[r] === 0)),
  };
  return rows;
};

export const columnBuilder = (name: string, type: ColumnType): ColumnBuilder => {
  const rows = rowCount();
  const dense = (values: Float64Array | Int32Array | Uint8Array, offsets?: Int32Array): ColumnData =>
    columnOfDense({ name, type, length: rows.n, nullCount: rows.nulls, valid: rows.valid(), values, offsets } satisfies DenseColumn);
  switch (type) {
    case "float":
    case "int": {
      const isInt = type === "int";
      let values: Float64Array | Int32Array = isInt ? new Int32Array(0) : new Float64Array(0);
      const addNumber = (v: number): string | undefined => {
        if (isInt) {
          if (!Number.isInteger(v)) return EXPECTED.int;
          if (v < -(2 ** 31) || v >= 2 ** 31) return EXPECTED.int32;
        } else if (!Number.isFinite(v)) return EXPECTED.float;
        if (rows.n === values.length) values = grown(values, rows.n + 1);
        values[rows.n++] = v;
        return undefined;
      };
      return {
        reserve: (more) => {
          values = grown(values, rows.n + more);
        },
        add: (src, start, end) => addNumber(plainDecimal(src, start, end) ?? numberOf(textOf(src, start, end))),
        addNull: () => {
          values = grown(values, rows.n + 1);
          rows.addNull();
        },
        column: () => dense(fitted(values, rows.n)),
      };
    }
    case "bool": {
      let values = new Uint8Array(0);
      return {
        reserve: (more) => {
          values = grown(values, rows.n + more);
        },
        add: (src, start, end) => {
          let v = -1;
          for (const [text, value] of BOOL_TEXTS) if (bytesEqual(src, start, end, text)) v = value;
          if (v < 0) return EXPECTED.bool;
          if (rows.n === values.length) values = grown(values, rows.n + 1);
          values[rows.n++] = v;
          return undefined;
        },
        addNull: () => {
          values = grown(values, rows.n + 1);
          rows.addNull();
        },
        column: () => dense(bitmapOf(rows.n, (r) => values[r] === 1)),
      };
    }
    case "string": {
      let offsets = new Int32Array(1);
      let bytes = new Uint8Array(0);
      const append = (length: number): number => {
        if (rows.n + 1 === offsets.length) offsets = grown(offsets, rows.n + 2);
        const at = offsets[rows.n]!;
        offsets[rows.n + 1] = at + length;
        return at;
      };
      return {
        reserve: (more) => {
          offsets = grown(offsets, rows.n + 1 + more);
        },
        add: (src, start, end) => {
          const at = append(end - start);
          bytes = grown(bytes, at + end - start);
          // Cells are short: a loop costs less than the view set() would take.
          for (let k = start; k < end; k++) bytes[at + k - start] = src[k]!;
          rows.n++;
          return undefined;
        },
        addNull: () => {
          append(0);
          rows.addNull();
        },
        column: () => dense(fitted(bytes, offsets[rows.n]!), fitted(offsets, rows.n + 1)),
      };
    }
  }
};
