/**
 * Finds which columns of a table about to be encoded are columns of an input file, unchanged: their encoded
 * chunks can be copied instead of encoded again (see parquet-assembly.ts).
 */
import type * as arrow from "apache-arrow";
import { type DenseColumn, columnTypeOf, denseFromVector } from "./dense-column.js";
import { type ChunkColumn, type ParquetLayout, parquetLayout } from "./parquet-assembly.js";

/** A table decoded from a Parquet file in the store, with that file's bytes. */
export interface DecodedParquet {
  readonly bytes: Uint8Array;
  readonly table: arrow.Table;
}

/** An input file's columns, read lazily: its layout once, each column's dense buffers only when compared. */
class InputColumns {
  private layoutRead = false;
  private layoutValue: ParquetLayout | undefined;
  private readonly dense = new Map<number, DenseColumn>();

  constructor(readonly input: DecodedParquet) {}

  layout(): ParquetLayout | undefined {
    if (!this.layoutRead) this.layoutValue = parquetLayout(this.input.bytes);
    this.layoutRead = true;
    return this.layoutValue;
  }

  /** Whether column j can hold the same values as `col` at all (decided without reading its buffers). */
  mayEqual(j: number, col: DenseColumn): boolean {
    const vector = this.input.table.getChildAt(j)!;
    return columnTypeOf(vector.type) === col.type && vector.length === col.length && vector.nullCount === col.nullCount;
  }

  column(j: number): DenseColumn {
    let col = this.dense.get(j);
    if (col === undefined) {
      col = denseFromVector(this.input.table.schema.fields[j]!.name, this.input.table.getChildAt(j)!);
      this.dense.set(j, col);
    }
    return col;
  }
}

const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const sameBuffer = (a: ArrayBufferView | undefined, b: ArrayBufferView | undefined): boolean => {
  if (a === undefined || b === undefined) return a === b;
  if (a.byteLength !== b.byteLength) return false;
  return (a.buffer === b.buffer && a.byteOffset === b.byteOffset) || bytesOf(a).equals(bytesOf(b));
};

/** Equal dense buffers: the writer, given the same properties (derived from the values), encodes them alike. */
const sameColumn = (a: DenseColumn, b: DenseColumn): boolean =>
  a.type === b.type && a.length === b.length && a.nullCount === b.nullCount && sameBuffer(a.valid, b.valid) && sameBuffer(a.values, b.values) && sameBuffer(a.offsets, b.offsets);

/**
 * For each column, the chunks of an input file's column holding the same values (by any name), or undefined for a
 * column to encode. Only files of `createdBy` (this writer, whose properties depend on a column's values alone)
 * with exactly `rowGroupRows` are used, so a copied chunk is the one the writer would write.
 */
export const passedThroughChunks = (columns: readonly DenseColumn[], inputs: readonly DecodedParquet[], createdBy: string, rowGroupRows: readonly bigint[]): (ChunkColumn | undefined)[] => {
  const usable = inputs
    .map((input) => new InputColumns(input))
    .filter((input) => {
      const layout = input.input.table.numRows === columns[0]?.length ? input.layout() : undefined;
      return layout !== undefined && layout.createdBy === createdBy && layout.rowGroupRows.length === rowGroupRows.length && layout.rowGroupRows.every((r, g) => r === rowGroupRows[g]);
    });
  return columns.map((col) => {
    for (const input of usable) {
      const fields = input.input.table.schema.fields;
      // A column of the same name first: a passed-through column usually keeps it.
      const order = fields.map((_, j) => j).sort((x, y) => Number(fields[y]!.name === col.name) - Number(fields[x]!.name === col.name));
      for (const j of order) {
        if (!input.mayEqual(j, col) || !sameColumn(col, input.column(j))) continue;
        return { name: col.name, chunks: input.layout()!.chunks.map((group) => group[j]!) };
      }
    }
    return undefined;
  });
};
