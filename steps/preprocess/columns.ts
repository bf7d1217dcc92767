/**
 * Column helpers shared by the data-preparation stages (ingest, preprocess, subgroups, split). Kept in one module
 * so every step reads tables and orders values the same way.
 */
import type * as arrow from "apache-arrow";
import { takeDense } from "../../artifacts/dense-column.js";
import { type CellValue, type ColumnData, type ColumnType, columnOfDense, denseOf, tableColumns } from "../../artifacts/table.js";
import type { Columns } from "../../dsl/handles.js";
import type { StepContext } from "../../dsl/step.js";

/** The names of a column schema's numeric (float or int) columns. */
export type NumericColumn<C extends Columns> = { [K in keyof C]: C[K] extends "float" | "int" ? K : never }[keyof C] & string;

/** Column names of a table handle, as a builder param type. */
export type ColumnName<C extends Columns> = keyof C & string;

/** A column read into a plain array. */
export interface Column extends ColumnData {
  readonly values: CellValue[];
}

/**
 * Reads a table's columns by name; a name the table lacks ends the step with a DataError on `field`. Columns are
 * decoded into cells only when their values are used, so a column a step passes through costs no decoding.
 */
export const readColumns = (table: arrow.Table, ctx: StepContext) => {
  const all = tableColumns(table) as Column[];
  const byName = new Map(all.map((c) => [c.name, c]));
  return {
    all,
    numRows: table.numRows,
    get(name: string, field: string, types?: readonly ColumnType[]): Column {
      const col = byName.get(name);
      if (col === undefined) {
        ctx.fail(field, `unknown column ${JSON.stringify(name)}; the input table has ${all.map((c) => c.name).join(", ")}`);
      }
      if (types !== undefined && !types.includes(col.type)) {
        ctx.fail(field, `column ${JSON.stringify(name)} is ${col.type}; expected ${types.join(" or ")}`);
      }
      return col;
    },
  };
};

/**
 * A total, locale-independent order on cell values: nulls first, then booleans (false < true), numbers
 * (numerically), strings (by UTF-16 code units, never localeCompare, whose result depends on the machine).
 */
export const compareCells = (a: CellValue, b: CellValue): number => {
  const rank = (v: CellValue) => (v === null ? 0 : typeof v === "boolean" ? 1 : typeof v === "number" ? 2 : 3);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (a === b || a === null) return 0;
  return (a as number | string | boolean) < (b as number | string | boolean) ? -1 : 1;
};

/** The distinct non-null values of a column, sorted with compareCells. */
export const sortedLevels = (values: readonly CellValue[]): CellValue[] =>
  [...new Set(values.filter((v) => v !== null))].sort(compareCells);

/** The JavaScript value a cell of a column type holds. */
export type ValueOf<T extends ColumnType> = T extends "float" | "int" ? number : T extends "string" ? string : boolean;

/** Whether a param value can stand in a column of the given type; otherwise what was expected. */
export const fitsType = (value: number | string | boolean, type: ColumnType): string | undefined => {
  switch (type) {
    case "float":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "a finite number";
    case "int":
      return typeof value === "number" && Number.isInteger(value) ? undefined : "an integer";
    case "string":
      return typeof value === "string" ? undefined : "a string";
    case "bool":
      return typeof value === "boolean" ? undefined : "true or false";
  }
};

/** Rebuilds a column list keeping only the given rows, in the given order (a gather over each column's buffers). */
export const takeRows = (columns: readonly ColumnData[], rows: Int32Array): ColumnData[] => columns.map((c) => columnOfDense(takeDense(denseOf(c), rows)));
