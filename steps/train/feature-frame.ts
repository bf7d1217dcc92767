/**
 * Raw feature columns as a train step reads them, before the recipe (recipe.ts) turns them into model inputs:
 * numeric columns as one float64 buffer with a missing mask, the others (strings, bools, which the recipe must
 * encode) as their cells. Column-wise, so a replicate's rows are gathered column by column and no row becomes a
 * JS object.
 */
import { type CellValue, type DenseColumn, denseCells, isValidAt } from "../../artifacts/dense-column.js";

/** A float or int column: values[r] (0 where missing) and missing[r] = 1 where the cell is null. */
export interface NumberColumn {
  readonly name: string;
  readonly kind: "numbers";
  readonly values: Float64Array;
  /** undefined when no cell is missing. */
  readonly missing: Uint8Array | undefined;
}

/** Any other column: one cell per row. */
export interface CellColumn {
  readonly name: string;
  readonly kind: "cells";
  readonly values: readonly CellValue[];
}

export type FrameColumn = NumberColumn | CellColumn;
export type Frame = readonly FrameColumn[];

export const numberColumn = (name: string, values: Float64Array, missing?: Uint8Array): NumberColumn => ({ name, kind: "numbers", values, missing });
export const cellColumn = (name: string, values: readonly CellValue[]): CellColumn => ({ name, kind: "cells", values });

/** A table column as a frame column (float and int as numbers, the rest as cells). */
export const frameColumnOf = (col: DenseColumn): FrameColumn => {
  if (col.type !== "float" && col.type !== "int") return cellColumn(col.name, denseCells(col));
  const values = col.type === "float" ? (col.values as Float64Array) : Float64Array.from(col.values as Int32Array);
  if (col.nullCount === 0) return numberColumn(col.name, values);
  const missing = new Uint8Array(col.length);
  for (let r = 0; r < col.length; r++) if (!isValidAt(col, r)) missing[r] = 1;
  return numberColumn(col.name, values, missing);
};

export const columnLength = (col: FrameColumn): number => col.values.length;

export const isMissing = (col: FrameColumn, r: number): boolean => (col.kind === "numbers" ? col.missing !== undefined && col.missing[r] === 1 : col.values[r] === null);

/** Cell r as a plain value (null where missing). */
export const cellAt = (col: FrameColumn, r: number): CellValue => (col.kind === "cells" ? col.values[r]! : col.missing?.[r] === 1 ? null : col.values[r]!);

/** Rows `index` of a column, in that order. */
export const takeColumnRows = (col: FrameColumn, index: ArrayLike<number>): FrameColumn => {
  const n = index.length;
  if (col.kind === "cells") {
    const out = new Array<CellValue>(n);
    for (let i = 0; i < n; i++) out[i] = col.values[index[i]!]!;
    return cellColumn(col.name, out);
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = col.values[index[i]!]!;
  if (col.missing === undefined) return numberColumn(col.name, values);
  const missing = new Uint8Array(n);
  let any = false;
  for (let i = 0; i < n; i++) if ((missing[i] = col.missing[index[i]!]!) === 1) any = true;
  return numberColumn(col.name, values, any ? missing : undefined);
};

/** Rows `index` of every column. */
export const takeFrameRows = (frame: Frame, index: ArrayLike<number>): FrameColumn[] => frame.map((c) => takeColumnRows(c, index));

/** A frame from rows of cells (tests, benchmarks, small documents): all-number columns as numbers, the rest as cells. */
export const frameOfRows = (names: readonly string[], rows: readonly (readonly CellValue[])[]): FrameColumn[] =>
  names.map((name, j) => {
    const cells = rows.map((row) => row[j] ?? null);
    if (!cells.every((v) => v === null || typeof v === "number")) return cellColumn(name, cells);
    const missing = Uint8Array.from(cells, (v) => (v === null ? 1 : 0));
    return numberColumn(name, Float64Array.from(cells, (v) => (v as number | null) ?? 0), missing.includes(1) ? missing : undefined);
  });
