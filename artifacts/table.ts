import * as arrow from "apache-arrow";
import * as pq from "parquet-wasm";
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

export const columnValues = (table: arrow.Table, name: string): CellValue[] => {
  const col = denseColumn(table, name);
  if (!col) throw new Error(`table has no column ${JSON.stringify(name)}`);
  return denseCells(col);
};

export const PARQUET_WRITER = "parquet-wasm 0.8.0";

/** Rows per row group: Parquet files are written and read in row groups of this size. */
export const ROW_GROUP_ROWS = 1 << 20;

/**
 * Writer properties are pinned so that equal tables give equal bytes in any process: compression, row-group size,
 * dictionary use, statistics and created_by are all fixed here and nowhere else.
 */
const writerProperties = (): pq.WriterProperties =>
  new pq.WriterPropertiesBuilder()
    .setCompression(pq.Compression.ZSTD)
    .setCreatedBy(`strata (${PARQUET_WRITER})`)
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .setDictionaryEnabled(true)
    .setStatisticsEnabled(pq.EnabledStatistics.Chunk)
    .setWriterVersion(pq.WriterVersion.V2)
    .build();

/** Encodes dense columns; equal columns give equal bytes however the table was built or chunked. */
export const encodeDenseParquet = (columns: readonly DenseColumn[]): Uint8Array => {
  const wasmTable = pq.Table.fromIPCStream(arrow.tableToIPC(tableOfDense(columns), "stream"));
  return pq.writeParquet(wasmTable, writerProperties());
};

// The schema is normalised first (Strata types only, no field metadata, one batch), so encoding never depends on
// how the table was built.
export const encodeParquet = (table: arrow.Table): Uint8Array => encodeDenseParquet(denseColumns(table));

/** Decodes a Parquet file with one record batch per row group (not the reader's default of 1,024 rows). */
export const decodeParquet = (bytes: Uint8Array): arrow.Table =>
  arrow.tableFromIPC(pq.readParquet(bytes, { batchSize: ROW_GROUP_ROWS }).intoIPCStream());
