/**
 * A column's empirical marginal for the Gaussian copula, in one form for every type: an ordered list of values
 * (numbers ascending; strings in code-unit order; false before true) with their shares of the set cells, and each
 * row's code (its value's index, -1 for a missing cell). Correlations, sampling thresholds and decoding all work
 * on codes, so a column of 10^6 rows is a few typed arrays and no row becomes a JS value.
 */
import { type DenseColumn, denseFromValues, denseStringsOf, isSet, isValidAt, takeDense } from "../../artifacts/dense-column.js";
import { normalQuantile } from "../evaluate/wilson.js";
import type { GeneratorColumn, Marginal } from "./generator-document.js";

export interface CodedColumn {
  readonly marginal: Marginal;
  /** Row r holds value codes[r] of the marginal, or -1 when missing. */
  readonly codes: Int32Array;
  /** How many set cells hold each value. */
  readonly counts: Int32Array;
  readonly missing: number;
}

const tally = (codes: Int32Array, k: number): Int32Array => {
  const counts = new Int32Array(k);
  for (const c of codes) if (c >= 0) counts[c]!++;
  return counts;
};

/** The distinct values in ascending order, or undefined when there are more than `maxValues` of them. */
const fewDistinct = (set: Float64Array, maxValues: number): Float64Array | undefined => {
  const distinct = new Set<number>();
  for (const v of set) {
    distinct.add(v);
    if (distinct.size > maxValues) return undefined;
  }
  return Float64Array.from(distinct).sort();
};

/**
 * Past `maxValues` distinct values, the values at ranks ⌈i·N/maxValues⌉ (i = 1…maxValues) of the N set cells:
 * quantile knots, each standing for the values down to the previous knot, so the marginal moves by at most about
 * 1/maxValues in CDF (KS) distance.
 */
const quantileKnots = (set: Float64Array, maxValues: number): Float64Array => {
  const sorted = Float64Array.from(set).sort();
  const knots: number[] = [];
  for (let i = 1; i <= maxValues; i++) {
    const v = sorted[Math.ceil((i * sorted.length) / maxValues) - 1]!;
    if (knots.length === 0 || knots[knots.length - 1] !== v) knots.push(v);
  }
  return Float64Array.from(knots);
};

const codeNumeric = (col: DenseColumn, maxValues: number): CodedColumn => {
  const source = col.values as Float64Array | Int32Array;
  const set = new Float64Array(col.length - col.nullCount);
  let at = 0;
  for (let r = 0; r < col.length; r++) if (isValidAt(col, r)) set[at++] = source[r]!;
  const values = fewDistinct(set, maxValues) ?? quantileKnots(set, maxValues);
  const codes = new Int32Array(col.length);
  for (let r = 0; r < col.length; r++) codes[r] = isValidAt(col, r) ? firstAtLeast(values, source[r]!) : -1;
  const counts = tally(codes, values.length);
  const cumulative: number[] = [];
  let below = 0;
  for (const count of counts) cumulative.push((below += count) / set.length);
  return { marginal: { kind: "numeric", values: Array.from(values), cumulative }, codes, counts, missing: col.nullCount };
};

const codeLevels = (col: DenseColumn): CodedColumn => {
  const cells: (string | boolean | null)[] =
    col.type === "string" ? denseStringsOf(col) : Array.from({ length: col.length }, (_, r) => (isValidAt(col, r) ? isSet(col.values as Uint8Array, r) : null));
  const present = [...new Set(cells.filter((c) => c !== null))];
  // Code-unit order for strings (never localeCompare), false before true.
  const levels = col.type === "string" ? (present as string[]).sort() : [false, true].filter((b) => present.includes(b));
  const index = new Map<string | boolean, number>(levels.map((l, i) => [l, i]));
  const codes = new Int32Array(cells.length);
  for (let r = 0; r < cells.length; r++) codes[r] = cells[r] === null ? -1 : index.get(cells[r]!)!;
  const counts = tally(codes, levels.length);
  const set = col.length - col.nullCount;
  return { marginal: { kind: "levels", levels: levels as string[] | boolean[], frequencies: Array.from(counts, (c) => c / set) }, codes, counts, missing: col.nullCount };
};

/** The column's marginal and codes over the given rows (all rows when undefined); quantileKnots caps a numeric one. */
export const codeColumn = (column: DenseColumn, maxValues: number, rows?: Int32Array): CodedColumn => {
  const col = rows === undefined ? column : takeDense(column, rows);
  return col.type === "float" || col.type === "int" ? codeNumeric(col, maxValues) : codeLevels(col);
};

/** The index of the first entry of an ascending array that is ≥ x (the array's length when none is). */
const firstAtLeast = (sorted: ArrayLike<number>, x: number): number => {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

const cumulativeOf = (marginal: Marginal): number[] => {
  if (marginal.kind === "numeric") return [...marginal.cumulative];
  let sum = 0;
  return marginal.frequencies.map((f) => (sum += f));
};

/**
 * Normal-score thresholds of the inverse empirical CDF: a score z takes the first value i with z < t[i], where
 * t[i] = Φ⁻¹(F(vᵢ)), i.e. the first value whose cumulative share exceeds Φ(z). The last threshold is +∞, so
 * rounding in the shares can never leave a score without a value.
 */
export const scoreThresholds = (marginal: Marginal): Float64Array => {
  const cumulative = cumulativeOf(marginal);
  return Float64Array.from(cumulative, (c, i) => (i === cumulative.length - 1 || c >= 1 ? Infinity : c <= 0 ? -Infinity : normalQuantile(c)));
};

/** The value code a normal score takes (thresholds from scoreThresholds). */
export const codeOfScore = (thresholds: Float64Array, z: number): number => {
  let lo = 0;
  let hi = thresholds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (z < thresholds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
};

/** The column of the given codes (-1 = missing) over a marginal's values, with the fitted column's name and type. */
export const decodeColumn = (column: GeneratorColumn, marginal: Marginal, codes: Int32Array): DenseColumn => {
  const values: readonly (number | string | boolean)[] = marginal.kind === "numeric" ? marginal.values : marginal.levels;
  // The values plus one null slot that missing codes point at, gathered by code.
  const palette = denseFromValues(column.name, column.type, [...values, null]);
  const nullSlot = values.length;
  const slots = new Int32Array(codes.length);
  for (let r = 0; r < codes.length; r++) slots[r] = codes[r]! < 0 ? nullSlot : codes[r]!;
  return takeDense(palette, slots);
};
