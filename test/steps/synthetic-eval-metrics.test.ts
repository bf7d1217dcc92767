/**
 * The fidelity metrics of evaluate.synthetic on small cases whose SDMetrics 0.32 values were computed by hand in
 * Python (`KSComplement.compute`, `TVComplement.compute`, `ContingencySimilarity.compute(...,
 * continuous_column_names=["x"])`, `numpy.histogram_bin_edges`), and the high-cardinality contingency path.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../engine/random.js";
import { binCodes, contingencySimilarity, correlationSimilarity, histogramEdges } from "../../steps/evaluate/synthetic/column-pairs.js";
import { ksComplement, tvComplement } from "../../steps/evaluate/synthetic/column-shapes.js";

const f64 = (values: number[]) => Float64Array.from(values);
const i32 = (values: number[]) => Int32Array.from(values);

describe("column shapes", () => {
  it("KSComplement ties values equal to 14 decimals, as SDMetrics rounds them (0.1 + 0.2 vs 0.3 → 1.0)", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(ksComplement(f64([0.1 + 0.2]), f64([0.3]))).toBe(1);
    expect(ksComplement(f64([0.1 + 0.2, 1, Number.NaN]), f64([0.3, 2]))).toBe(0.5);
    expect(ksComplement(f64([Number.NaN]), f64([1]))).toBeNull();
  });

  it("TVComplement counts a synthetic-only level as 1e-6 real rows (SDMetrics: 0.5000003333332222)", () => {
    // real a, a, b; synthetic c, a (codes a 0, b 1, c 2).
    expect(Math.abs(tvComplement(i32([0, 0, 1]), i32([2, 0]), 3)! - 0.5000003333332222)).toBeLessThan(1e-15);
    expect(tvComplement(i32([-1]), i32([0]), 1)).toBeNull();
  });
});

describe("column pairs", () => {
  it("bins a constant numeric column as numpy does (edges 4.5 … 5.5), missing in bin 11", () => {
    const edges = histogramEdges(f64([5, 5, Number.NaN]));
    expect(Array.from(edges, (e) => Math.round(e * 10) / 10)).toEqual([4.5, 4.6, 4.7, 4.8, 4.9, 5, 5.1, 5.2, 5.3, 5.4, 5.5]);
    expect(Array.from(binCodes(f64([Number.NaN, -100, 5, 100]), edges))).toEqual([11, 1, 6, 10]);
  });

  it("ContingencySimilarity with a binned numeric column and missing categories (SDMetrics: 0.5000000000000001)", () => {
    const realX = f64([5, 5, Number.NaN, 1]);
    const synX = f64([Number.NaN, 7, 5]);
    const edges = histogramEdges(realX);
    // k: u 0, v 1, missing -1.
    const score = contingencySimilarity(binCodes(realX, edges), i32([0, 1, 0, -1]), binCodes(synX, edges), i32([0, -1, 1]), 12, 2);
    expect(Math.abs(score! - 0.5000000000000001)).toBeLessThan(1e-15);
  });

  it("counts high-cardinality pairs (beyond the typed-array table) the same way as a plain count", () => {
    const random = seededRandom(3, "cardinality");
    const levels = 3000;
    const draw = (n: number) => Int32Array.from({ length: n }, () => (random() < 0.05 ? -1 : Math.floor(random() * levels)));
    const [ra, rb, sa, sb] = [draw(4000), draw(4000), draw(3000), draw(3000)];
    const freq = (a: Int32Array, b: Int32Array) => {
      const m = new Map<string, number>();
      a.forEach((x, r) => m.set(`${x},${b[r]}`, (m.get(`${x},${b[r]}`) ?? 0) + 1 / a.length));
      return m;
    };
    const fr = freq(ra!, rb!);
    const fs = freq(sa!, sb!);
    let variation = 0;
    for (const k of new Set([...fr.keys(), ...fs.keys()])) variation += Math.abs((fr.get(k) ?? 0) - (fs.get(k) ?? 0));
    expect(Math.abs(contingencySimilarity(ra!, rb!, sa!, sb!, levels, levels)! - (1 - variation / 2))).toBeLessThan(1e-12);
  });

  it("CorrelationSimilarity is null for a column constant in either table, as SDMetrics raises", () => {
    expect(correlationSimilarity(f64([1, 2, 3]), f64([2, 4, 7]), f64([1, 1, 1]), f64([1, 2, 3])).score).toBeNull();
    const r = correlationSimilarity(f64([1, 2, 3, Number.NaN]), f64([2, 4, 6, 1]), f64([1, 2, 3]), f64([3, 2, 1]));
    expect(r).toEqual({ score: 0, real: 1, synthetic: -1 });
  });
});
