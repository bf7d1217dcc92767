/**
 * Marginal overlays for the synthetic report: real vs synthetic histograms of one numeric column (the bins shared by every synthetic table), binned so that
 * no bin shows a small cell of real people and no edge is a real person's value.
 *
 * Binning (our rule): equal-width bins of a "nice" width (1, 2 or 5 × 10^k, the smallest giving at most `bins` bins
 * over the range of every table pooled), with edges on multiples of that width, so the outer edges round the extremes outward and
 * never print the smallest or largest real value. Then, left to right, a bin holding 1 to minCell − 1 real rows is
 * merged with the bins after it until the merged bin holds at least minCell (or none); a small remainder at the
 * right end joins the bin before it. Every shown bin therefore holds 0 or at least minCell real rows, and the shown
 * bins add up to every non-missing real row, so no difference between them isolates a small cell. A column with
 * fewer than minCell non-missing real rows is not drawn. Shares are of the non-missing rows of each table.
 */
import { type DenseColumn, isValidAt } from "../../artifacts/dense-column.js";

export interface MarginalBin {
  readonly start: number;
  readonly end: number;
  readonly real: number;
  /** Per synthetic table, in the order given. */
  readonly synthetic: readonly number[];
}

export interface Marginal {
  readonly column: string;
  /** Non-missing rows of each table. */
  readonly realN: number;
  readonly syntheticN: readonly number[];
  /** null when the column has fewer than minCell real values: nothing of it is shown. */
  readonly bins: readonly MarginalBin[] | null;
}

/** The numeric values of a float or int column, nulls left out, as float64. */
export const numericValues = (col: DenseColumn): Float64Array => {
  const out = new Float64Array(col.length - col.nullCount);
  let k = 0;
  for (let r = 0; r < col.length; r++) if (isValidAt(col, r)) out[k++] = col.values[r]!;
  return out;
};

/** The smallest width 1, 2 or 5 × 10^k that covers [min, max] in at most `bins` bins aligned on its multiples. */
export const niceWidth = (min: number, max: number, bins: number): number => {
  if (max <= min) return 1;
  let exponent = Math.floor(Math.log10((max - min) / bins));
  for (;;) {
    for (const m of [1, 2, 5]) {
      const width = m * 10 ** exponent;
      if (Math.floor(max / width) - Math.floor(min / width) + 1 <= bins) return width;
    }
    exponent++;
  }
};

const range = (tables: readonly Float64Array[]): [number, number] => {
  let min = Infinity;
  let max = -Infinity;
  for (const values of tables) {
    for (let i = 0; i < values.length; i++) {
      if (values[i]! < min) min = values[i]!;
      if (values[i]! > max) max = values[i]!;
    }
  }
  return [min, max];
};

/** The merged, suppression-safe bins of one column (see the module comment). */
export const marginal = (column: string, real: Float64Array, synthetic: readonly Float64Array[], bins: number, minCell: number): Marginal => {
  const base = { column, realN: real.length, syntheticN: synthetic.map((s) => s.length) };
  if (real.length < minCell) return { ...base, bins: null };
  const [min, max] = range([real, ...synthetic]);
  const width = niceWidth(min, max, bins);
  const first = Math.floor(min / width);
  const count = Math.floor(max / width) - first + 1;
  const realCounts = new Int32Array(count);
  const syntheticCounts = synthetic.map(() => new Int32Array(count));
  const fill = (values: Float64Array, into: Int32Array) => {
    for (let i = 0; i < values.length; i++) into[Math.min(count - 1, Math.floor(values[i]! / width) - first)]!++;
  };
  fill(real, realCounts);
  synthetic.forEach((values, i) => fill(values, syntheticCounts[i]!));
  const sum = (counts: Int32Array, from: number, to: number): number => {
    let total = 0;
    for (let b = from; b <= to; b++) total += counts[b]!;
    return total;
  };
  // Ranges [from, to] of raw bins, each closed when it holds no real row or at least minCell.
  const ranges: [number, number][] = [];
  let from = 0;
  for (let b = 0; b < count; b++) {
    const n = sum(realCounts, from, b);
    if (n === 0 || n >= minCell) {
      ranges.push([from, b]);
      from = b + 1;
    }
  }
  if (from < count) {
    // A small remainder at the right end joins the closest range before it that holds real rows, and the empty ones between.
    while (sum(realCounts, ranges[ranges.length - 1]![0], ranges[ranges.length - 1]![1]) === 0) ranges.pop();
    ranges[ranges.length - 1] = [ranges[ranges.length - 1]![0], count - 1];
  }
  return {
    ...base,
    bins: ranges.map(([a, b]) => ({ start: (first + a) * width, end: (first + b + 1) * width, real: sum(realCounts, a, b), synthetic: syntheticCounts.map((c) => sum(c, a, b)) })),
  };
};
