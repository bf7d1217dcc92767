/**
 * Dense columns encoded as Parquet by the pinned writer (parquet-writer.ts) in the calling thread: the whole file at
 * once, or streamed a row group at a time. Its own module, without the rest of table.ts, because the encoder's
 * helper thread (parquet-encoder.ts) loads it too.
 */
import * as arrow from "apache-arrow";
import type * as pq from "parquet-wasm";
import { type DenseColumn, arrowData } from "./dense-column.js";
import { moreDistinctThan } from "./distinct-numbers.js";
import { type CodecChoice, type ColumnEncoding, ROW_GROUP_ROWS, isWasmTrap, parquetWasm as parquet, writerPropertiesOf } from "./parquet-writer.js";

/** Builds an Arrow table (one record batch) from dense columns, in the given column order. */
export const tableOfDense = (columns: readonly DenseColumn[]): arrow.Table => {
  if (columns.length === 0) return new arrow.Table();
  const vectors: Record<string, arrow.Vector> = {};
  for (const col of columns) vectors[col.name] = arrow.makeVector(arrowData(col));
  return new arrow.Table(vectors);
};

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

/** How each column is written: decided from its values, so equal columns are written alike in any file. */
export const columnEncodings = (columns: readonly DenseColumn[]): ColumnEncoding[] => columns.map((col) => ({ name: col.name, overflowsDictionary: overflowsDictionary(col) }));

/** The pinned writer properties (parquet-writer.ts) of these columns; `codecOf` only for bench/write-options.ts. */
export const writerProperties = (columns: readonly DenseColumn[], codecOf?: CodecChoice): pq.WriterProperties => writerPropertiesOf(columnEncodings(columns), codecOf);

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

/** Encodes dense columns; equal columns give equal bytes however the table was built or chunked. */
export const encodeDenseParquet = (columns: readonly DenseColumn[], encodings: readonly ColumnEncoding[] = columnEncodings(columns)): Uint8Array => {
  try {
    const wasmTable = parquet().Table.fromIPCStream(arrow.tableToIPC(tableOfDense(columns), "stream"));
    return parquet().writeParquet(wasmTable, writerPropertiesOf(encodings));
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

/** Encodes dense columns row group by row group through the writer, yielding the file's bytes as it flushes them. */
export async function* streamDenseParquet(columns: readonly DenseColumn[], encodings: readonly ColumnEncoding[] = columnEncodings(columns)): AsyncGenerator<Uint8Array> {
  try {
    if (columns.length === 0) return yield encodeDenseParquet(columns);
    const bytes = (await parquet().transformParquetStream(rowGroupBatches(columns), writerPropertiesOf(encodings))) as ReadableStream<Uint8Array>;
    for await (const chunk of bytes) yield chunk;
  } catch (e) {
    if (isWasmTrap(e)) throw new TableTooLargeError(columns[0]?.length ?? 0, columns.length);
    throw e;
  }
}
