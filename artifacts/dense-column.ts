/**
 * A table column as one contiguous set of buffers of its Strata type: what Parquet encoding, logical digests and
 * typed column access all work from. Reading one means copying whole chunk buffers, never reading cell by cell
 * through Vector.get (whose cost grows with the number of batches a Parquet read returns).
 *
 * Canonical form: null slots hold 0 (numbers, bools) or no bytes (strings), so two equal columns have equal
 * buffers however they were built or chunked.
 */
import * as arrow from "apache-arrow";
import type { ColumnType } from "../dsl/handles.js";

// The column vocabulary belongs to the study language (handles carry column types); the codec implements it.
export type { ColumnType };
export type CellValue = number | string | boolean | null;

export interface DenseColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly length: number;
  readonly nullCount: number;
  /** Validity bitmap (bit r set = row r holds a value, least significant bit first); undefined when no nulls. */
  readonly valid: Uint8Array | undefined;
  /** float: Float64Array; int: Int32Array; bool: a bitmap like `valid`; string: the UTF-8 bytes of all cells. */
  readonly values: Float64Array | Int32Array | Uint8Array;
  /** string only: cell r is bytes offsets[r]..offsets[r+1]. */
  readonly offsets: Int32Array | undefined;
}

export const arrowType = (type: ColumnType): arrow.DataType => {
  switch (type) {
    case "float":
      return new arrow.Float64();
    case "int":
      return new arrow.Int32();
    case "string":
      return new arrow.Utf8();
    case "bool":
      return new arrow.Bool();
  }
};

export const columnTypeOf = (type: arrow.DataType): ColumnType => {
  if (arrow.DataType.isFloat(type)) return "float";
  if (arrow.DataType.isInt(type)) return "int";
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) return "string";
  if (arrow.DataType.isBool(type)) return "bool";
  throw new TypeError(`unsupported Arrow column type ${String(type)}; Strata tables hold float, int, string or bool`);
};

export const isSet = (bitmap: Uint8Array, i: number): boolean => (bitmap[i >> 3]! & (1 << (i & 7))) !== 0;
const set = (bitmap: Uint8Array, i: number): void => {
  bitmap[i >> 3]! |= 1 << (i & 7);
};
const bitmapBytes = (n: number): number => (n + 7) >> 3;

export const isValidAt = (col: DenseColumn, r: number): boolean => col.valid === undefined || isSet(col.valid, r);

/** Whether a chunk's row i (0-based within the chunk) holds a value. */
const chunkValid = (data: arrow.Data, i: number): boolean => data.nullCount === 0 || data.nullBitmap === undefined || data.nullBitmap.length === 0 || isSet(data.nullBitmap, data.offset + i);

/** The exact Arrow layout of a Strata type, whose buffers can be copied as they are. */
const isExactly = (type: arrow.DataType, strata: ColumnType): boolean => {
  switch (strata) {
    case "float":
      return arrow.DataType.isFloat(type) && type.precision === arrow.Precision.DOUBLE;
    case "int":
      return arrow.DataType.isInt(type) && type.bitWidth === 32 && type.isSigned;
    case "string":
      return arrow.DataType.isUtf8(type);
    case "bool":
      return true;
  }
};

/** Dense buffers of an Arrow vector of any supported type (chunks concatenated, types widened or narrowed to Strata's). */
export const denseFromVector = (name: string, vector: arrow.Vector): DenseColumn => {
  const type = columnTypeOf(vector.type);
  const n = vector.length;
  const nullCount = vector.nullCount;
  const chunks = vector.data;
  let valid: Uint8Array | undefined;
  if (nullCount > 0) {
    valid = new Uint8Array(bitmapBytes(n));
    let at = 0;
    for (const data of chunks) {
      for (let i = 0; i < data.length; i++) if (chunkValid(data, i)) set(valid, at + i);
      at += data.length;
    }
  }
  const exact = isExactly(vector.type, type);
  if (type === "string") return denseStrings(name, chunks, n, nullCount, valid, exact);
  if (type === "bool") {
    const values = new Uint8Array(bitmapBytes(n));
    let at = 0;
    for (const data of chunks) {
      for (let i = 0; i < data.length; i++) if (chunkValid(data, i) && isSet(data.values as Uint8Array, data.offset + i)) set(values, at + i);
      at += data.length;
    }
    return { name, type, length: n, nullCount, valid, values, offsets: undefined };
  }
  // A single exact chunk without nulls is used in place: no copy at all.
  const only = chunks.length === 1 ? chunks[0]! : undefined;
  if (only !== undefined && exact && nullCount === 0) {
    // A builder's buffer may be longer than its data: only the first n values belong to the column.
    return { name, type, length: n, nullCount, valid, values: (only.values as Float64Array | Int32Array).subarray(0, n), offsets: undefined };
  }
  const values = type === "float" ? new Float64Array(n) : new Int32Array(n);
  if (arrow.DataType.isFloat(vector.type) && vector.type.precision === arrow.Precision.HALF) {
    // Half floats are stored as raw 16-bit patterns; only Arrow's getter decodes them.
    for (let r = 0; r < n; r++) values[r] = (vector.get(r) as number | null) ?? 0;
    return { name, type, length: n, nullCount, valid, values, offsets: undefined };
  }
  let at = 0;
  for (const data of chunks) {
    const src = (data.values as Float64Array | Int32Array | BigInt64Array).subarray(0, data.length);
    if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
      for (let i = 0; i < data.length; i++) values[at + i] = Number(src[i]!);
    } else {
      values.set(src, at);
    }
    if (data.nullCount > 0) for (let i = 0; i < data.length; i++) if (!chunkValid(data, i)) values[at + i] = 0;
    at += data.length;
  }
  return { name, type, length: n, nullCount, valid, values, offsets: undefined };
};

const denseStrings = (name: string, chunks: readonly arrow.Data[], n: number, nullCount: number, valid: Uint8Array | undefined, exact: boolean): DenseColumn => {
  const only = chunks.length === 1 ? chunks[0]! : undefined;
  if (only !== undefined && exact && nullCount === 0 && (only.valueOffsets as Int32Array)[0] === 0) {
    // A single exact chunk without nulls is used in place, its offsets included (a column passed through a step
    // then shares both buffers with the table it was read from).
    const offsets = (only.valueOffsets as Int32Array).subarray(0, n + 1);
    return { name, type: "string", length: n, nullCount, valid, values: (only.values as Uint8Array).subarray(0, offsets[n]!), offsets };
  }
  const offsets = new Int32Array(n + 1);
  let total = 0;
  let at = 0;
  for (const data of chunks) {
    const off = data.valueOffsets as Int32Array | BigInt64Array;
    for (let i = 0; i < data.length; i++) {
      if (chunkValid(data, i)) total += Number(off[i + 1]!) - Number(off[i]!);
      offsets[at + i + 1] = total;
    }
    at += data.length;
  }
  const bytes = new Uint8Array(total);
  at = 0;
  for (const data of chunks) {
    const off = data.valueOffsets as Int32Array | BigInt64Array;
    const src = data.values as Uint8Array;
    if (data.nullCount === 0) {
      bytes.set(src.subarray(Number(off[0]!), Number(off[data.length]!)), offsets[at]!);
    } else {
      for (let i = 0; i < data.length; i++) if (chunkValid(data, i)) bytes.set(src.subarray(Number(off[i]!), Number(off[i + 1]!)), offsets[at + i]!);
    }
    at += data.length;
  }
  return { name, type: "string", length: n, nullCount, valid, values: bytes, offsets };
};

/** Dense buffers of plain values (null or undefined = null). A Float64Array (float) or Int32Array (int) is used in place. */
export const denseFromValues = (name: string, type: ColumnType, values: ArrayLike<CellValue>): DenseColumn => {
  const n = values.length;
  if ((type === "float" && values instanceof Float64Array) || (type === "int" && values instanceof Int32Array)) {
    return { name, type, length: n, nullCount: 0, valid: undefined, values, offsets: undefined };
  }
  let nullCount = 0;
  for (let r = 0; r < n; r++) if (values[r] === null || values[r] === undefined) nullCount++;
  let valid: Uint8Array | undefined;
  if (nullCount > 0) {
    valid = new Uint8Array(bitmapBytes(n));
    for (let r = 0; r < n; r++) if (values[r] !== null && values[r] !== undefined) set(valid, r);
  }
  switch (type) {
    case "float":
    case "int": {
      const out = type === "float" ? new Float64Array(n) : new Int32Array(n);
      for (let r = 0; r < n; r++) {
        const v = values[r];
        if (v !== null && v !== undefined) out[r] = v as number;
      }
      return { name, type, length: n, nullCount, valid, values: out, offsets: undefined };
    }
    case "bool": {
      const out = new Uint8Array(bitmapBytes(n));
      for (let r = 0; r < n; r++) if (values[r]) set(out, r);
      return { name, type, length: n, nullCount, valid, values: out, offsets: undefined };
    }
    case "string": {
      const offsets = new Int32Array(n + 1);
      let total = 0;
      for (let r = 0; r < n; r++) {
        const v = values[r];
        if (v !== null && v !== undefined) total += Buffer.byteLength(String(v), "utf8");
        offsets[r + 1] = total;
      }
      const bytes = Buffer.allocUnsafe(total);
      for (let r = 0; r < n; r++) {
        const v = values[r];
        if (v !== null && v !== undefined) bytes.write(String(v), offsets[r]!, "utf8");
      }
      return { name, type, length: n, nullCount, valid, values: new Uint8Array(bytes.buffer, bytes.byteOffset, total), offsets };
    }
  }
};

/** One Arrow Data over the dense buffers (no copy). */
export const arrowData = (col: DenseColumn): arrow.Data => {
  const common = { length: col.length, nullCount: col.nullCount, nullBitmap: col.valid ?? new Uint8Array(0) };
  switch (col.type) {
    case "float":
      return arrow.makeData({ type: new arrow.Float64(), ...common, data: col.values as Float64Array });
    case "int":
      return arrow.makeData({ type: new arrow.Int32(), ...common, data: col.values as Int32Array });
    case "bool":
      return arrow.makeData({ type: new arrow.Bool(), ...common, data: col.values as Uint8Array });
    case "string":
      return arrow.makeData({ type: new arrow.Utf8(), ...common, data: col.values as Uint8Array, valueOffsets: col.offsets! });
  }
};

/** The cells as plain values (null for missing); strings decoded once per cell. */
export const denseCells = (col: DenseColumn): CellValue[] => {
  const out = new Array<CellValue>(col.length);
  const { values, valid } = col;
  switch (col.type) {
    case "float":
    case "int":
      for (let r = 0; r < col.length; r++) out[r] = valid === undefined || isSet(valid, r) ? values[r]! : null;
      return out;
    case "bool":
      for (let r = 0; r < col.length; r++) out[r] = valid === undefined || isSet(valid, r) ? isSet(values as Uint8Array, r) : null;
      return out;
    case "string":
      return denseStringsOf(col);
  }
};

/** A string column's cells; repeated values (categories, subgroup labels) are decoded once. */
export const denseStringsOf = (col: DenseColumn): (string | null)[] => {
  const bytes = Buffer.from(col.values.buffer, col.values.byteOffset, col.values.byteLength);
  const offsets = col.offsets!;
  const out = new Array<string | null>(col.length);
  let previous = "";
  let previousStart = -1;
  let previousEnd = -1;
  for (let r = 0; r < col.length; r++) {
    if (col.valid !== undefined && !isSet(col.valid, r)) {
      out[r] = null;
      continue;
    }
    const start = offsets[r]!;
    const end = offsets[r + 1]!;
    if (end - start === previousEnd - previousStart && bytes.compare(bytes, previousStart, previousEnd, start, end) === 0) {
      out[r] = previous;
      continue;
    }
    previous = bytes.toString("utf8", start, end);
    previousStart = start;
    previousEnd = end;
    out[r] = previous;
  }
  return out;
};

/** The given rows of a column, in the given order (a gather over the buffers). */
export const takeDense = (col: DenseColumn, rows: Int32Array): DenseColumn => {
  const n = rows.length;
  let valid: Uint8Array | undefined;
  let nullCount = 0;
  if (col.valid !== undefined) {
    valid = new Uint8Array(bitmapBytes(n));
    for (let i = 0; i < n; i++) {
      if (isSet(col.valid, rows[i]!)) set(valid, i);
      else nullCount++;
    }
    if (nullCount === 0) valid = undefined;
  }
  const base = { name: col.name, type: col.type, length: n, nullCount, valid };
  switch (col.type) {
    case "float":
    case "int": {
      const src = col.values as Float64Array | Int32Array;
      const out = col.type === "float" ? new Float64Array(n) : new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = src[rows[i]!]!;
      return { ...base, values: out, offsets: undefined };
    }
    case "bool": {
      const out = new Uint8Array(bitmapBytes(n));
      for (let i = 0; i < n; i++) if (isSet(col.values as Uint8Array, rows[i]!)) set(out, i);
      return { ...base, values: out, offsets: undefined };
    }
    case "string": {
      const from = col.offsets!;
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + from[rows[i]! + 1]! - from[rows[i]!]!;
      const bytes = new Uint8Array(offsets[n]!);
      for (let i = 0; i < n; i++) bytes.set(col.values.subarray(from[rows[i]!]!, from[rows[i]! + 1]!), offsets[i]!);
      return { ...base, values: bytes, offsets };
    }
  }
};

/** A string column whose row r holds levels[codes[r]] (null where the code is negative): no per-row strings. */
export const denseFromCodes = (name: string, codes: Int32Array, levels: readonly string[]): DenseColumn => {
  const encoded = levels.map((l) => Buffer.from(l, "utf8"));
  const n = codes.length;
  const offsets = new Int32Array(n + 1);
  let nullCount = 0;
  for (let r = 0; r < n; r++) {
    const c = codes[r]!;
    if (c < 0) nullCount++;
    offsets[r + 1] = offsets[r]! + (c < 0 ? 0 : encoded[c]!.length);
  }
  const bytes = new Uint8Array(offsets[n]!);
  for (let r = 0; r < n; r++) if (codes[r]! >= 0) bytes.set(encoded[codes[r]!]!, offsets[r]!);
  let valid: Uint8Array | undefined;
  if (nullCount > 0) {
    valid = new Uint8Array(bitmapBytes(n));
    for (let r = 0; r < n; r++) if (codes[r]! >= 0) set(valid, r);
  }
  return { name, type: "string", length: n, nullCount, valid, values: bytes, offsets };
};
