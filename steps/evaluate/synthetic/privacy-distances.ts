/**
 * Distances between records, SDMetrics 0.32's DCR distance (sdmetrics.single_table.privacy.dcr_utils): the mean
 * over columns of a per-column difference in [0, 1]. Numeric: |x − y| / range, capped at 1, the range (max − min)
 * taken over the reference table; a column constant in the reference scores 1 for any difference; one side
 * missing scores 1, both missing 0. Categorical: 0 when equal (both missing counts as equal), else 1.
 * Nearest neighbours are exact: every dataset row against every reference row, on row-major typed arrays, with a
 * row's scan of a reference row stopped once its partial sum passes the second-smallest so far.
 */
import type { ColumnSpec, EncodedTable } from "./encoded-tables.js";

/** A table laid out row-major for the distance loop; categorical codes stored as numbers. */
interface RowMajor {
  readonly rows: number;
  readonly width: number;
  readonly cells: Float64Array;
}

const rowMajor = (table: EncodedTable): RowMajor => {
  const width = table.cells.length;
  const cells = new Float64Array(table.rows * width);
  table.cells.forEach((col, c) => {
    for (let r = 0; r < table.rows; r++) cells[r * width + c] = col[r]!;
  });
  return { rows: table.rows, width, cells };
};

/** Per column: the reference range for numeric columns; NaN marks a categorical column. */
const referenceScales = (specs: readonly ColumnSpec[], reference: EncodedTable): Float64Array => {
  const scales = new Float64Array(specs.length);
  specs.forEach((spec, c) => {
    if (spec.kind === "categorical") {
      scales[c] = Number.NaN;
      return;
    }
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of reference.cells[c]!) {
      if (Number.isNaN(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    // A reference column with no value: every pair is "one or both missing", so the range is never used.
    scales[c] = lo > hi ? 1 : hi - lo;
  });
  return scales;
};

const columnDifference = (x: number, y: number, scale: number): number => {
  if (Number.isNaN(scale)) return x === y ? 0 : 1;
  const xMissing = Number.isNaN(x);
  const yMissing = Number.isNaN(y);
  if (xMissing || yMissing) return xMissing && yMissing ? 0 : 1;
  const diff = Math.abs(y - x);
  if (scale === 0) return diff > 0 ? 1 : 0;
  return Math.min(diff / scale, 1);
};

export interface NearestDistances {
  /** Per dataset row: the distance to its closest reference row and to its second closest (Infinity if none). */
  readonly first: Float64Array;
  readonly second: Float64Array;
}

/** For each row of `dataset`, its two smallest distances to the rows of `reference` (SDMetrics' calculate_dcr is `first`). */
export const nearestDistances = (specs: readonly ColumnSpec[], dataset: EncodedTable, reference: EncodedTable): NearestDistances => {
  const scales = referenceScales(specs, reference);
  const data = rowMajor(dataset);
  const ref = rowMajor(reference);
  const width = specs.length;
  const first = new Float64Array(data.rows);
  const second = new Float64Array(data.rows);
  for (let i = 0; i < data.rows; i++) {
    let best = Number.POSITIVE_INFINITY;
    let next = Number.POSITIVE_INFINITY;
    const di = i * width;
    for (let j = 0; j < ref.rows; j++) {
      const rj = j * width;
      let sum = 0;
      for (let c = 0; c < width && sum <= next; c++) sum += columnDifference(data.cells[di + c]!, ref.cells[rj + c]!, scales[c]!);
      if (sum < best) {
        next = best;
        best = sum;
      } else if (sum < next) next = sum;
    }
    first[i] = best / width;
    second[i] = next / width;
  }
  return { first, second };
};

/** The median as pandas computes it (the mean of the two middle values for an even count); null when empty. */
export const median = (values: Float64Array): number | null => {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
