import { createRequire } from "node:module";
import * as arrow from "apache-arrow";
import type * as pq from "parquet-wasm";
import { moreDistinctThan } from "./distinct-numbers.js";
import { logicalDigestOfColumns } from "./logical-digest.js";
import { PARQUET_WRITER } from "./parquet-writer.js";
import { type ChunkColumn, type ParquetLayout, assembleParquet, parquetLayout } from "./parquet-assembly.js";
import { type DecodedParquet, passedThroughChunks } from "./passed-through.js";
import {
  type CellValue,
  type ColumnType,
  type DenseColumn,
  arrowData,
  denseCells,
  denseFromValues,
  denseFromVector,
} from "./dense-column.js";

export { type CellValue, type ColumnType, type DenseColumn, columnTypeOf } from "./dense-column.js";
export type { DecodedParquet } from "./passed-through.js";

export interface ColumnData {
  readonly name: string;
  readonly type: ColumnType;
  readonly values: ArrayLike<CellValue>;
}

/** Builds an Arrow table (one record batch) from dense columns, in the given column order. */
export const tableOfDense = (columns: readonly DenseColumn[]): arrow.Table => {
  if (columns.length === 0) return new arrow.Table();
  const vectors: Record<string, arrow.Vector> = {};
  for (const col of columns) vectors[col.name] = arrow.makeVector(arrowData(col));
  return new arrow.Table(vectors);
};

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

/**
 * The files' created_by. A file with it is taken to be written by this writer with `writerProperties`, so its column
 * chunks are copied as they are into a table passing those columns through (encodeDenseParquetChunks): a change of
 * the writer, or of the properties' rule, that changes any column's bytes must change PARQUET_WRITER (which is also
 * in every cache key).
 */
const CREATED_BY = `strata (${PARQUET_WRITER})`;

// parquet-wasm compiles a 5 MB WebAssembly module when it is loaded (and as an ES module import Node first parses
// its CommonJS for export names): it is required on the first encode or decode, not by every command that loads
// this module. Required, not imported, so the encode and decode functions stay synchronous.
let parquetModule: typeof pq | undefined;
const parquet = (): typeof pq => (parquetModule ??= createRequire(import.meta.url)("parquet-wasm") as typeof pq);

/** Rows per row group: Parquet files are written and read in row groups of this size. */
export const ROW_GROUP_ROWS = 1 << 20;

/** The writer's dictionary page limit (arrow-rs's default, 1 MiB): past it a column falls back to plain encoding. */
const DICTIONARY_PAGE_BYTES = 1 << 20;

/**
 * Whether a column's distinct values would overflow the dictionary page, so that dictionary encoding is only
 * wasted work (most of a write of 10^6 distinct floats). Columns too short to overflow it are never counted, so
 * small tables keep exactly the encoding they always had; the rule depends on the values only.
 */
const overflowsDictionary = (col: DenseColumn): boolean => {
  if (col.type === "bool") return false;
  const width = col.type === "float" ? 8 : 4;
  const upperBound = col.type === "string" ? col.values.length + 4 * col.length : width * col.length;
  if (upperBound <= DICTIONARY_PAGE_BYTES) return false;
  if (col.type !== "string") return moreDistinctThan(col.values as Float64Array | Int32Array, DICTIONARY_PAGE_BYTES / width);
  const seen = new Set<string>();
  let bytes = 0;
  const strings = Buffer.from(col.values.buffer, col.values.byteOffset, col.values.byteLength);
  for (let r = 0; r < col.length; r++) {
    const v = strings.toString("latin1", col.offsets![r], col.offsets![r + 1]);
    if (seen.has(v)) continue;
    seen.add(v);
    bytes += 4 + v.length;
    if (bytes > DICTIONARY_PAGE_BYTES) return true;
  }
  return false;
};

/** A column's codec, from whether its distinct values overflow the dictionary page (bench/write-options.ts). */
export type CodecChoice = (overflowsDictionary: boolean) => pq.Compression;

/**
 * Strata's codec rule (ours): zstd, except LZ4_RAW for a column whose distinct values overflow the dictionary page.
 * Such a column is near-continuous values, where parquet-wasm's single-threaded wasm zstd was most of a write
 * (10^6 × 20 random floats: 1.95 CPU s to write with zstd against 0.6 s with LZ4_RAW) and gained 6.5 % of the bytes; on
 * distinct but structured values (ids, clock-like floats) LZ4_RAW keeps about half of zstd's gain (bench/README.md
 * "Real cohort sizes"). A column short enough never to overflow keeps zstd, so small tables keep their bytes.
 */
const PINNED_CODEC: CodecChoice = (overflows) => (overflows ? parquet().Compression.LZ4_RAW : parquet().Compression.ZSTD);

/**
 * Writer properties are pinned so that equal tables give equal bytes in any process: compression and dictionary use
 * (per column, from its values), row-group size, statistics and created_by are all fixed here and nowhere else.
 */
export const writerProperties = (columns: readonly DenseColumn[], codecOf: CodecChoice = PINNED_CODEC): pq.WriterProperties => {
  const wasm = parquet();
  let builder = new wasm.WriterPropertiesBuilder()
    .setCompression(wasm.Compression.ZSTD)
    .setCreatedBy(CREATED_BY)
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .setDictionaryEnabled(true)
    .setStatisticsEnabled(wasm.EnabledStatistics.Chunk)
    .setWriterVersion(wasm.WriterVersion.V2);
  for (const col of columns) {
    const overflows = overflowsDictionary(col);
    if (overflows) builder = builder.setColumnDictionaryEnabled(col.name, false);
    const codec = codecOf(overflows);
    if (codec !== wasm.Compression.ZSTD) builder = builder.setColumnCompression(col.name, codec);
  }
  return builder.build();
};

/**
 * A table parquet-wasm could not encode: its WebAssembly memory (at most 4 GB, holding the table, the writer's
 * buffers and the file) ran out. Thrown instead of the trap, so the step that made the table can be named.
 */
export class TableTooLargeError extends Error {
  constructor(
    readonly rows: number,
    readonly columns: number,
  ) {
    super(`a table of ${rows} rows × ${columns} columns is too large to encode as one Parquet file (parquet-wasm's WebAssembly memory, at most 4 GB, ran out)`);
  }
}

const isWasmTrap = (e: unknown): boolean => e instanceof Error && e.name === "RuntimeError";

/** Encodes dense columns; equal columns give equal bytes however the table was built or chunked. */
export const encodeDenseParquet = (columns: readonly DenseColumn[]): Uint8Array => {
  try {
    const wasmTable = parquet().Table.fromIPCStream(arrow.tableToIPC(tableOfDense(columns), "stream"));
    return parquet().writeParquet(wasmTable, writerProperties(columns));
  } catch (e) {
    // A WebAssembly trap (the DOM-less lib has no WebAssembly type to test against).
    if (isWasmTrap(e)) throw new TableTooLargeError(columns[0]?.length ?? 0, columns.length);
    throw e;
  }
};

/**
 * The table's record batches as parquet-wasm batches, one row group's rows each, made only when the writer asks:
 * the WebAssembly memory then holds a few row groups' worth (input, pages, output), whatever the table's size.
 */
const rowGroupBatches = (columns: readonly DenseColumn[]): ReadableStream<pq.RecordBatch> => {
  const table = tableOfDense(columns);
  let offset = 0;
  return new ReadableStream<pq.RecordBatch>(
    {
      pull(controller) {
        const slice = table.slice(offset, offset + ROW_GROUP_ROWS);
        // A table without rows still passes one (empty) batch: the writer takes the file's schema from it.
        if (offset > 0 && slice.numRows === 0) return controller.close();
        offset += ROW_GROUP_ROWS;
        const wasmTable = parquet().Table.fromIPCStream(arrow.tableToIPC(slice, "stream"));
        try {
          for (const batch of wasmTable.recordBatches()) controller.enqueue(batch);
        } finally {
          // Now, not when the garbage collector gets to it: until then the wasm table holds its row group.
          wasmTable.free();
        }
      },
    },
    { highWaterMark: 0 },
  );
};

/** Rows of each row group the writer cuts a table of `rows` rows into. */
const rowGroupRows = (rows: number): bigint[] =>
  Array.from({ length: Math.ceil(rows / ROW_GROUP_ROWS) }, (_, g) => BigInt(Math.min(ROW_GROUP_ROWS, rows - g * ROW_GROUP_ROWS)));

/** Encodes dense columns row group by row group through the writer, yielding the file's bytes as it flushes them. */
async function* streamDenseParquet(columns: readonly DenseColumn[]): AsyncGenerator<Uint8Array> {
  try {
    if (columns.length === 0) return yield encodeDenseParquet(columns);
    const bytes = (await parquet().transformParquetStream(rowGroupBatches(columns), writerProperties(columns))) as ReadableStream<Uint8Array>;
    for await (const chunk of bytes) yield chunk;
  } catch (e) {
    if (isWasmTrap(e)) throw new TableTooLargeError(columns[0]?.length ?? 0, columns.length);
    throw e;
  }
}

const layoutOfStream = async (chunks: AsyncIterable<Uint8Array>): Promise<ParquetLayout | undefined> => {
  const parts: Uint8Array[] = [];
  for await (const part of chunks) parts.push(part);
  return parquetLayout(Buffer.concat(parts));
};

const sameRowGroups = (layout: ParquetLayout | undefined, rows: readonly bigint[]): layout is ParquetLayout =>
  layout !== undefined && layout.rowGroupRows.length === rows.length && layout.rowGroupRows.every((r, g) => r === rows[g]);

/**
 * The file's column chunks when some columns are an input file's columns unchanged: those chunks are copied, the
 * others encoded together by the writer, and the metadata taken from the writer's file of the same schema without
 * rows. Undefined when no column is passed through (or a file is not as expected): the writer then writes it all.
 */
const passedThroughFile = async (columns: readonly DenseColumn[], inputs: readonly DecodedParquet[]): Promise<Iterable<Uint8Array> | undefined> => {
  const rows = columns[0]?.length ?? 0;
  if (inputs.length === 0 || rows === 0) return undefined;
  const groups = rowGroupRows(rows);
  const reused = passedThroughChunks(columns, inputs, CREATED_BY, groups);
  if (reused.every((c) => c === undefined)) return undefined;
  const fresh = columns.filter((_, i) => reused[i] === undefined);
  const freshLayout = fresh.length > 0 ? await layoutOfStream(streamDenseParquet(fresh)) : undefined;
  if (fresh.length > 0 && !sameRowGroups(freshLayout, groups)) return undefined;
  const skeleton = parquetLayout(encodeDenseParquet(columns.map((c) => denseFromValues(c.name, c.type, []))));
  if (skeleton === undefined) return undefined;
  let next = 0;
  const chunks = reused.map((c, i): ChunkColumn => {
    if (c !== undefined) return c;
    const k = next++;
    return { name: columns[i]!.name, chunks: freshLayout!.chunks.map((group) => group[k]!) };
  });
  return assembleParquet(skeleton, groups, chunks);
};

/**
 * Encodes dense columns, yielding the file's bytes a part at a time (a row group, or a copied column chunk). The
 * bytes are those of `encodeDenseParquet`: the same writer and properties, fed batches cut at the row-group
 * boundaries it cuts at itself; columns equal to a column of one of `inputs` (files this writer wrote, decoded by
 * the step) have their chunks copied from that file instead of encoded again.
 */
export async function* encodeDenseParquetChunks(columns: readonly DenseColumn[], inputs: readonly DecodedParquet[] = []): AsyncGenerator<Uint8Array> {
  const assembled = await passedThroughFile(columns, inputs);
  if (assembled !== undefined) yield* assembled;
  else yield* streamDenseParquet(columns);
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
