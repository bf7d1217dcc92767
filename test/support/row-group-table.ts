import { type DenseColumn, ROW_GROUP_ROWS, denseColumns, encodeDenseParquetChunks, makeTable } from "../../artifacts/table.js";

/** Rows of the table below: two full row groups and a short third, so every boundary case is written. */
export const MULTI_ROW_GROUP_ROWS = 2 * ROW_GROUP_ROWS + 5;

/** A seeded table of every column type, with nulls, spanning three row groups. */
export const multiRowGroupColumns = (): DenseColumn[] => {
  const n = MULTI_ROW_GROUP_ROWS;
  let state = 7;
  const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
  return denseColumns(
    makeTable([
      { name: "x", type: "float", values: Float64Array.from({ length: n }, random) },
      { name: "k", type: "int", values: Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : i % 7)) },
      { name: "s", type: "string", values: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : `v${i % 5}`)) },
      { name: "b", type: "bool", values: Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i % 2 === 0)) },
    ]),
  );
};

/** The Parquet bytes of `columns` as the engine writes them (row group by row group), concatenated. */
export const streamedParquet = async (columns: readonly DenseColumn[]): Promise<Buffer> => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of encodeDenseParquetChunks(columns)) chunks.push(chunk);
  return Buffer.concat(chunks);
};
