import * as arrow from "apache-arrow";
import { TableTooLargeError, columnEncodings, encodeDenseParquet, streamDenseParquet, tableOfDense } from "./dense-parquet.js";
import { logicalDigestOfColumns } from "./logical-digest.js";
import { HelperTableTooLargeError, encodeInHelper } from "./parquet-encoder.js";
import { CREATED_BY, type ColumnEncoding, ROW_GROUP_ROWS, parquetWasm as parquet } from "./parquet-writer.js";
import { type ChunkColumn, type ParquetLayout, assembleParquet, parquetLayout } from "./parquet-assembly.js";
import { type DecodedParquet, passedThroughChunks } from "./passed-through.js";
import {
  type CellValue,
  type ColumnType,
  type DenseColumn,
  denseCells,
  denseFromValues,
  denseFromVector,
} from "./dense-column.js";

export { type CellValue, type ColumnType, type DenseColumn, columnTypeOf } from "./dense-column.js";
export type { DecodedParquet } from "./passed-through.js";
export { TableTooLargeError, encodeDenseParquet, tableOfDense, writerProperties } from "./dense-parquet.js";
export { type CodecChoice, ROW_GROUP_ROWS } from "./parquet-writer.js";

export interface ColumnData {
  readonly name: string;
  readonly type: ColumnType;
  readonly values: ArrayLike<CellValue>;
}

const DENSE = Symbol("dense buffers");

/**
 * A column read from a table: its cells are decoded on first access to `values`, and a table built from it again
 * (a column passed through a step unchanged) reuses its buffers without decoding. Columns are immutable.
 */
export const columnOfDense = (dense: DenseColumn): ColumnData => {
  let cells: CellValue[] | undefined;
  const column = {
    name: dense.name,
    type: dense.type,
    get values() {
      cells ??= denseCells(dense);
      return cells;
    },
  };
  // Not enumerable: a copy made with spread ({ ...column, values }) must not carry the old buffers along.
  return Object.defineProperty(column, DENSE, { value: dense, enumerable: false });
};

/** A column's dense buffers: those it was read from when unchanged, else built from its values. */
export const denseOf = (c: ColumnData): DenseColumn => {
  const dense = (c as { [DENSE]?: DenseColumn })[DENSE];
  return dense !== undefined && dense.name === c.name && dense.type === c.type ? dense : denseFromValues(c.name, c.type, c.values);
};

/**
 * Builds an Arrow table with exactly the declared column types (no inference), in the given column order.
 * Float64Array (float) and Int32Array (int) values are used without a copy.
 */
export const makeTable = (columns: readonly ColumnData[]): arrow.Table => tableOfDense(columns.map(denseOf));

/** Every column as dense buffers (chunks concatenated, types normalised to Strata's), in schema order. */
export const denseColumns = (table: arrow.Table): DenseColumn[] => table.schema.fields.map((field, i) => denseFromVector(field.name, table.getChildAt(i)!));

/** One column as dense buffers, e.g. `denseColumn(t, "age").values as Float64Array`; undefined when absent. */
export const denseColumn = (table: arrow.Table, name: string): DenseColumn | undefined => {
  const i = table.schema.fields.findIndex((f) => f.name === name);
  return i < 0 ? undefined : denseFromVector(name, table.getChildAt(i)!);
};

/** The table's columns as plain arrays (decoded on first use), in schema order. */
export const tableColumns = (table: arrow.Table): ColumnData[] => denseColumns(table).map(columnOfDense);

/** A table's logical digest (logical-digest.ts): of its schema and values, whatever its encoding. */
export const logicalDigest = (table: arrow.Table): string => logicalDigestOfColumns(table.numRows, denseColumns(table));

export const columnValues = (table: arrow.Table, name: string): CellValue[] => {
  const col = denseColumn(table, name);
  if (!col) throw new Error(`table has no column ${JSON.stringify(name)}`);
  return denseCells(col);
};

/** Rows of each row group the writer cuts a table of `rows` rows into. */
const rowGroupRows = (rows: number): bigint[] =>
  Array.from({ length: Math.ceil(rows / ROW_GROUP_ROWS) }, (_, g) => BigInt(Math.min(ROW_GROUP_ROWS, rows - g * ROW_GROUP_ROWS)));

const layoutOfStream = async (chunks: AsyncIterable<Uint8Array>): Promise<ParquetLayout | undefined> => {
  const parts: Uint8Array[] = [];
  for await (const part of chunks) parts.push(part);
  return parquetLayout(Buffer.concat(parts));
};

const sameRowGroups = (layout: ParquetLayout | undefined, rows: readonly bigint[]): layout is ParquetLayout =>
  layout !== undefined && layout.rowGroupRows.length === rows.length && layout.rowGroupRows.every((r, g) => r === rows[g]);

/**
 * Below this many cells to encode a table is encoded in one thread: the helper's round trip (copying its columns
 * there, its file back) costs more than it saves.
 */
const SPLIT_CELLS = 1 << 21;

/**
 * Above this many rows a table is encoded in one thread, streaming one row group at a time, so memory stays bounded
 * by a row group: a split holds both parts' encoded files whole until they are assembled.
 */
const SPLIT_MAX_ROWS = 2 * ROW_GROUP_ROWS;

/**
 * The encoder's work on a column, in relative units: its bytes, twice for a dictionary-encoded column (hashing every
 * value; a plain column is copied and LZ4-compressed: bench/README.md, "Two threads per table").
 */
const costOf = (col: DenseColumn, encoding: ColumnEncoding): number => (col.values.byteLength + (col.offsets?.byteLength ?? 0)) * (encoding.overflowsDictionary ? 1 : 2);

/**
 * The columns (indices) the helper thread encodes: dictionary-encoded ones, largest first, up to half of the whole
 * table's work. Plain columns stay here: encoding one costs about what copying it to the helper does. Empty for a
 * table too small or too long to split.
 */
const helperShare = (columns: readonly DenseColumn[], encodings: readonly ColumnEncoding[]): Set<number> => {
  const share = new Set<number>();
  const rows = columns[0]?.length ?? 0;
  if (columns.length < 2 || rows > SPLIT_MAX_ROWS || columns.length * rows < SPLIT_CELLS) return share;
  const costs = columns.map((col, i) => costOf(col, encodings[i]!));
  const half = costs.reduce((a, b) => a + b, 0) / 2;
  const order = costs.map((_, i) => i).filter((i) => !encodings[i]!.overflowsDictionary);
  order.sort((a, b) => costs[b]! - costs[a]! || a - b);
  let theirs = 0;
  for (const i of order) {
    if (theirs + costs[i]! > half) continue;
    share.add(i);
    theirs += costs[i]!;
  }
  return share;
};

const fileChunks = (layout: ParquetLayout, columns: readonly DenseColumn[]): ChunkColumn[] => columns.map((col, k) => ({ name: col.name, chunks: layout.chunks.map((group) => group[k]!) }));

/**
 * The chunks of the columns the writer encodes, in their order: those of `share` in the helper thread while this
 * one encodes the rest. Undefined if a file's row groups are not the expected ones.
 */
const encodedChunks = async (columns: readonly DenseColumn[], encodings: readonly ColumnEncoding[], share: ReadonlySet<number>, groups: readonly bigint[]): Promise<ChunkColumn[] | undefined> => {
  const theirs = columns.filter((_, i) => share.has(i));
  const mine = columns.filter((_, i) => !share.has(i));
  let helped: Promise<Uint8Array> | undefined;
  if (theirs.length > 0) {
    helped = encodeInHelper(theirs, encodings.filter((_, i) => share.has(i)));
    // Settled below; until then a rejection must not count as unhandled.
    helped.catch(() => undefined);
  }
  const myLayout = await layoutOfStream(streamDenseParquet(mine, encodings.filter((_, i) => !share.has(i))));
  let theirLayout: ParquetLayout | undefined;
  try {
    theirLayout = helped === undefined ? undefined : parquetLayout(await helped);
  } catch (e) {
    if (e instanceof HelperTableTooLargeError) throw new TableTooLargeError(columns[0]?.length ?? 0, columns.length);
    throw e;
  }
  if (!sameRowGroups(myLayout, groups) || (helped !== undefined && !sameRowGroups(theirLayout, groups))) return undefined;
  const chunks = new Map<DenseColumn, ChunkColumn>();
  fileChunks(myLayout, mine).forEach((c, k) => chunks.set(mine[k]!, c));
  if (theirLayout !== undefined) fileChunks(theirLayout, theirs).forEach((c, k) => chunks.set(theirs[k]!, c));
  return columns.map((col) => chunks.get(col)!);
};

/**
 * Encodes dense columns, yielding the file's bytes a part at a time (a row group, or a column chunk). The bytes are
 * those of `encodeDenseParquet`: the same writer and properties, fed batches cut at the row-group boundaries it
 * cuts at itself. Columns equal to a column of one of `inputs` (files this writer wrote, decoded by the step) have
 * their chunks copied from that file instead of encoded again, a large table's other columns are encoded on two
 * threads (this one and its helper, parquet-encoder.ts), and the file is assembled from the chunks with the
 * metadata of the writer's file of the same schema without rows; otherwise the writer streams the whole file.
 */
export async function* encodeDenseParquetChunks(columns: readonly DenseColumn[], inputs: readonly DecodedParquet[] = []): AsyncGenerator<Uint8Array> {
  const rows = columns[0]?.length ?? 0;
  const groups = rowGroupRows(rows);
  const reused = rows > 0 && inputs.length > 0 ? passedThroughChunks(columns, inputs, CREATED_BY, groups) : columns.map(() => undefined);
  const fresh = columns.filter((_, i) => reused[i] === undefined);
  const encodings = columnEncodings(fresh);
  const share = helperShare(fresh, encodings);
  if (fresh.length === columns.length && share.size === 0) return yield* streamDenseParquet(columns, encodings);
  const encoded = fresh.length > 0 ? await encodedChunks(fresh, encodings, share, groups) : [];
  const skeleton = encoded === undefined ? undefined : parquetLayout(encodeDenseParquet(columns.map((c) => denseFromValues(c.name, c.type, []))));
  if (encoded === undefined || skeleton === undefined) return yield* streamDenseParquet(columns);
  let next = 0;
  yield* assembleParquet(skeleton, groups, reused.map((c) => c ?? encoded[next++]!));
}

// The schema is normalised first (Strata types only, no field metadata, one batch), so encoding never depends on
// how the table was built.
export const encodeParquet = (table: arrow.Table): Uint8Array => encodeDenseParquet(denseColumns(table));

/** Rows [offset, offset + ROW_GROUP_ROWS) of a Parquet file, one record batch per row group in that range. */
const decodeRows = (bytes: Uint8Array, offset: number): arrow.Table =>
  arrow.tableFromIPC(parquet().readParquet(bytes, { batchSize: ROW_GROUP_ROWS, offset, limit: ROW_GROUP_ROWS }).intoIPCStream());

/**
 * Decodes a Parquet file (one record batch per row group, not the reader's default of 1,024 rows) a row group's
 * rows at a time: the WebAssembly memory then holds the file and one row group's columns, not the whole table
 * twice over (which overflows its 4 GB at 10^7 × 20).
 */
export const decodeParquet = (bytes: Uint8Array): arrow.Table => {
  const first = decodeRows(bytes, 0);
  if (first.numRows < ROW_GROUP_ROWS) return first;
  const batches = [...first.batches];
  for (let offset = ROW_GROUP_ROWS; ; offset += ROW_GROUP_ROWS) {
    const part = decodeRows(bytes, offset);
    batches.push(...part.batches.filter((b) => b.numRows > 0));
    if (part.numRows < ROW_GROUP_ROWS) return new arrow.Table(first.schema, batches);
  }
};
