/**
 * The Parquet writer every table is encoded with (artifacts/table.ts) and its pinned properties. Its own module,
 * without apache-arrow, so that a command that only computes keys does not load the encoder, and so that the
 * encoder's helper thread (parquet-encoder.ts) builds the very same properties.
 */
import { createRequire } from "node:module";
import type * as pq from "parquet-wasm";

/** By name and version: part of every cache key (engine/environment.ts) and of the files' created_by. */
export const PARQUET_WRITER = "parquet-wasm 0.8.0";

/**
 * The files' created_by. A file with it is taken to be written by this writer with `writerPropertiesOf`, so its column
 * chunks are copied as they are into a table passing those columns through (table.ts): a change of the writer, or
 * of the properties' rule, that changes any column's bytes must change PARQUET_WRITER (which is also in every cache
 * key).
 */
export const CREATED_BY = `strata (${PARQUET_WRITER})`;

// parquet-wasm compiles a 5 MB WebAssembly module when it is loaded (and as an ES module import Node first parses
// its CommonJS for export names): it is required on the first encode or decode, not by every command that loads
// this module. Required, not imported, so the encode and decode functions stay synchronous.
let parquetModule: typeof pq | undefined;
export const parquetWasm = (): typeof pq => (parquetModule ??= createRequire(import.meta.url)("parquet-wasm") as typeof pq);

/** Rows per row group: Parquet files are written and read in row groups of this size. */
export const ROW_GROUP_ROWS = 1 << 20;

/** How one column is written, decided from its values (table.ts): whether its distinct values overflow the dictionary page. */
export interface ColumnEncoding {
  readonly name: string;
  readonly overflowsDictionary: boolean;
}

/** A column's codec, from whether its distinct values overflow the dictionary page (bench/write-options.ts). */
export type CodecChoice = (overflowsDictionary: boolean) => pq.Compression;

/**
 * Strata's codec rule (ours): zstd, except LZ4_RAW for a column whose distinct values overflow the dictionary page.
 * Such a column is near-continuous values, where parquet-wasm's single-threaded wasm zstd was most of a write
 * (10^6 × 20 random floats: 1.95 CPU s to write with zstd against 0.6 s with LZ4_RAW) and gained 6.5 % of the bytes; on
 * distinct but structured values (ids, clock-like floats) LZ4_RAW keeps about half of zstd's gain (bench/README.md
 * "Real cohort sizes"). A column short enough never to overflow keeps zstd, so small tables keep their bytes.
 */
const PINNED_CODEC: CodecChoice = (overflows) => (overflows ? parquetWasm().Compression.LZ4_RAW : parquetWasm().Compression.ZSTD);

/**
 * Writer properties are pinned so that equal tables give equal bytes in any process: compression and dictionary use
 * (per column, from its values), row-group size, statistics and created_by are all fixed here and nowhere else.
 */
export const writerPropertiesOf = (columns: readonly ColumnEncoding[], codecOf: CodecChoice = PINNED_CODEC): pq.WriterProperties => {
  const wasm = parquetWasm();
  let builder = new wasm.WriterPropertiesBuilder()
    .setCompression(wasm.Compression.ZSTD)
    .setCreatedBy(CREATED_BY)
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .setDictionaryEnabled(true)
    .setStatisticsEnabled(wasm.EnabledStatistics.Chunk)
    .setWriterVersion(wasm.WriterVersion.V2);
  for (const col of columns) {
    if (col.overflowsDictionary) builder = builder.setColumnDictionaryEnabled(col.name, false);
    const codec = codecOf(col.overflowsDictionary);
    if (codec !== wasm.Compression.ZSTD) builder = builder.setColumnCompression(col.name, codec);
  }
  return builder.build();
};

/** A WebAssembly trap (the DOM-less lib has no WebAssembly type to test against): the writer's memory ran out. */
export const isWasmTrap = (e: unknown): boolean => e instanceof Error && e.name === "RuntimeError";
