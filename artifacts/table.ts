import { createHash } from "node:crypto";
import * as arrow from "apache-arrow";
import * as pq from "parquet-wasm";
import { canonicalJson } from "./canonical-json.js";
import type { ColumnType } from "../dsl/handles.js";
import type { Digest } from "./digest.js";

// The column vocabulary belongs to the study language (handles carry column types); the codec implements it.
export type { ColumnType };
export type CellValue = number | string | boolean | null;

export interface ColumnData {
  readonly name: string;
  readonly type: ColumnType;
  readonly values: ArrayLike<CellValue>;
}

const arrowType = (type: ColumnType): arrow.DataType => {
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

/** Builds an Arrow table with exactly the declared column types (no inference), in the given column order. */
export const makeTable = (columns: readonly ColumnData[]): arrow.Table => {
  const vectors: Record<string, arrow.Vector> = {};
  for (const col of columns) {
    vectors[col.name] = arrow.vectorFromArray(Array.from(col.values), arrowType(col.type));
  }
  if (columns.length === 0) return new arrow.Table();
  return new arrow.Table(vectors);
};

/** The table's columns as plain arrays, in schema order. */
export const tableColumns = (table: arrow.Table): ColumnData[] =>
  table.schema.fields.map((field, i) => {
    const vector = table.getChildAt(i)!;
    const values: CellValue[] = new Array(table.numRows);
    for (let r = 0; r < table.numRows; r++) {
      const v = vector.get(r) as CellValue | bigint;
      values[r] = typeof v === "bigint" ? Number(v) : v;
    }
    return { name: field.name, type: columnTypeOf(field.type), values };
  });

export const columnValues = (table: arrow.Table, name: string): CellValue[] => {
  const col = tableColumns(table).find((c) => c.name === name);
  if (!col) throw new Error(`table has no column ${JSON.stringify(name)}`);
  return col.values as CellValue[];
};

export const PARQUET_WRITER = "parquet-wasm 0.8.0";

/**
 * Writer properties are pinned so that equal tables give equal bytes in any process: compression, row-group size,
 * dictionary use, statistics and created_by are all fixed here and nowhere else.
 */
const writerProperties = (): pq.WriterProperties =>
  new pq.WriterPropertiesBuilder()
    .setCompression(pq.Compression.ZSTD)
    .setCreatedBy(`strata (${PARQUET_WRITER})`)
    .setMaxRowGroupSize(1 << 20)
    .setDictionaryEnabled(true)
    .setStatisticsEnabled(pq.EnabledStatistics.Chunk)
    .setWriterVersion(pq.WriterVersion.V2)
    .build();

export const encodeParquet = (table: arrow.Table): Uint8Array => {
  // Normalise the schema first: Strata types only, no field metadata, so encoding never depends on how the
  // table was built.
  const clean = makeTable(tableColumns(table));
  const wasmTable = pq.Table.fromIPCStream(arrow.tableToIPC(clean, "stream"));
  return pq.writeParquet(wasmTable, writerProperties());
};

export const decodeParquet = (bytes: Uint8Array): arrow.Table =>
  arrow.tableFromIPC(pq.readParquet(bytes).intoIPCStream());

/**
 * A digest of a table's schema and values that does not depend on its encoding: column names and types, then per
 * row a validity byte and the value (floats as IEEE-754 bit patterns, so NaN payloads and -0 are distinguished;
 * null cells contribute no value bytes).
 */
export const logicalDigest = (table: arrow.Table): Digest => {
  const hash = createHash("sha256");
  const columns = tableColumns(table);
  hash.update(canonicalJson({ rows: table.numRows, schema: columns.map((c) => [c.name, c.type]) }));
  const scratch = new DataView(new ArrayBuffer(8));
  for (const col of columns) {
    for (let r = 0; r < col.values.length; r++) {
      const v = col.values[r];
      if (v === null || v === undefined) {
        hash.update(Uint8Array.of(0));
        continue;
      }
      hash.update(Uint8Array.of(1));
      switch (col.type) {
        case "float":
          scratch.setFloat64(0, v as number, true);
          hash.update(new Uint8Array(scratch.buffer, 0, 8));
          break;
        case "int":
          scratch.setInt32(0, v as number, true);
          hash.update(new Uint8Array(scratch.buffer, 0, 4));
          break;
        case "bool":
          hash.update(Uint8Array.of(v ? 1 : 0));
          break;
        case "string": {
          const bytes = new TextEncoder().encode(v as string);
          scratch.setUint32(0, bytes.length, true);
          hash.update(new Uint8Array(scratch.buffer, 0, 4));
          hash.update(bytes);
          break;
        }
      }
    }
  }
  return hash.digest("hex");
};
