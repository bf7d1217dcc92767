/**
 * The three tables evaluate.synthetic compares (real training rows, synthetic rows, real holdout rows), read into
 * typed columns once: numeric columns as Float64Array (NaN = missing), categorical columns as Int32Array codes
 * into one level list shared by the three tables (-1 = missing), so equal categories have equal codes everywhere.
 */
import type * as arrow from "apache-arrow";
import { type CellValue, columnValues, denseColumn } from "../../../artifacts/table.js";
import { isValidAt } from "../../../artifacts/dense-column.js";
import type { StepContext } from "../../../dsl/step.js";

export type ColumnKind = "numeric" | "categorical";

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Categorical only: the level of each code, in order of first appearance (real, then synthetic, then holdout). */
  readonly levels: readonly string[];
}

/** One table's columns, aligned with the specs: Float64Array for numeric, Int32Array codes for categorical. */
export interface EncodedTable {
  readonly rows: number;
  readonly cells: readonly (Float64Array | Int32Array)[];
}

export interface EncodedTables {
  readonly specs: readonly ColumnSpec[];
  readonly real: EncodedTable;
  readonly synthetic: EncodedTable;
  readonly holdout: EncodedTable;
}

export const TABLE_SLOTS = ["real", "synthetic", "holdout"] as const;
export type TableSlot = (typeof TABLE_SLOTS)[number];

const numericCells = (table: arrow.Table, name: string): Float64Array => {
  const dense = denseColumn(table, name)!;
  const out = new Float64Array(dense.length);
  for (let r = 0; r < dense.length; r++) out[r] = isValidAt(dense, r) ? (dense.values[r] as number) : Number.NaN;
  return out;
};

/** A categorical cell's level: strings as they are, booleans and numbers by their JavaScript text. */
const levelOf = (v: CellValue): string | null => (v === null || (typeof v === "number" && Number.isNaN(v)) ? null : String(v));

/**
 * Reads `columns` of the three tables. A column is categorical when it is string or bool, or a numeric column
 * listed in `categorical`; otherwise numeric. Every column must exist, with one type, in all three tables.
 */
export const encodeTables = (
  tables: Readonly<Record<TableSlot, arrow.Table>>,
  columns: readonly string[],
  categorical: ReadonlySet<string>,
  ctx: StepContext,
): EncodedTables => {
  const specs: ColumnSpec[] = [];
  const cells: Record<TableSlot, (Float64Array | Int32Array)[]> = { real: [], synthetic: [], holdout: [] };
  columns.forEach((name, c) => {
    const types = TABLE_SLOTS.map((slot) => {
      const field = tables[slot].schema.fields.find((f) => f.name === name);
      if (field === undefined) {
        ctx.fail(`params.columns[${c}]`, `column ${JSON.stringify(name)} is not in input ${slot} (it has ${tables[slot].schema.fields.map((f) => f.name).join(", ")}); list only columns all three tables share`);
      }
      return denseColumn(tables[slot], name)!.type;
    });
    if (types.some((t) => t !== types[0])) {
      ctx.fail(`params.columns[${c}]`, `column ${JSON.stringify(name)} is ${TABLE_SLOTS.map((s, i) => `${types[i]} in ${s}`).join(", ")}; the synthetic table must keep the real column types`);
    }
    const type = types[0]!;
    const kind: ColumnKind = type === "string" || type === "bool" || categorical.has(name) ? "categorical" : "numeric";
    if (kind === "numeric") {
      specs.push({ name, kind, levels: [] });
      for (const slot of TABLE_SLOTS) cells[slot].push(numericCells(tables[slot], name));
      return;
    }
    const codeOf = new Map<string, number>();
    const levels: string[] = [];
    for (const slot of TABLE_SLOTS) {
      const values = columnValues(tables[slot], name);
      const codes = new Int32Array(values.length);
      for (let r = 0; r < values.length; r++) {
        const level = levelOf(values[r]!);
        if (level === null) {
          codes[r] = -1;
          continue;
        }
        let code = codeOf.get(level);
        if (code === undefined) {
          code = levels.length;
          codeOf.set(level, code);
          levels.push(level);
        }
        codes[r] = code;
      }
      cells[slot].push(codes);
    }
    specs.push({ name, kind, levels });
  });
  const encoded = (slot: TableSlot): EncodedTable => ({ rows: tables[slot].numRows, cells: cells[slot] });
  return { specs, real: encoded("real"), synthetic: encoded("synthetic"), holdout: encoded("holdout") };
};

/** The table restricted to the given rows (a gather over each typed column). */
export const takeEncodedRows = (table: EncodedTable, rows: Int32Array): EncodedTable => ({
  rows: rows.length,
  cells: table.cells.map((col) => {
    const out = col instanceof Float64Array ? new Float64Array(rows.length) : new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = col[rows[i]!]!;
    return out;
  }),
});
