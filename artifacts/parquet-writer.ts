/**
 * The Parquet writer every table is encoded with (artifacts/table.ts), by name and version: it is part of every
 * cache key (engine/environment.ts), and of the files' created_by. Its own module so that a command that only
 * computes keys does not load apache-arrow with the encoder.
 */
export const PARQUET_WRITER = "parquet-wasm 0.8.0";
