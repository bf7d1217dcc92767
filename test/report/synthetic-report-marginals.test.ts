/**
 * The overlay bins of report.synthetic under the small-cell rule: every shown bin holds 0 or at least minCell real
 * rows, the bins cover every row, edges are multiples of a round width (never a real extreme), and a column with
 * fewer than minCell real values is not drawn.
 */
import { describe, expect, it } from "vitest";
import { marginal, niceWidth } from "../../steps/report/synthetic-report-marginals.js";

const seeded = (seed: number) => {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
};

describe("report.synthetic's marginal bins", () => {
  it("choose the smallest 1-2-5 width that fits the bins", () => {
    expect(niceWidth(0, 9.5, 10)).toBe(1);
    expect(niceWidth(29, 77, 12)).toBe(5);
    expect(niceWidth(94, 200, 12)).toBe(10);
    expect(niceWidth(0, 6.2, 12)).toBe(1);
    expect(niceWidth(0.01, 0.19, 10)).toBeCloseTo(0.02, 15);
  });

  it("merge a lone extreme patient into its neighbours and print no real value as an edge", () => {
    // 40 values in [50, 60) and one outlier at 93.7: the outlier's bin has 1 real row and must not stand alone.
    const real = Float64Array.from([...Array.from({ length: 40 }, (_, i) => 50 + i / 4), 93.7]);
    const synthetic = Float64Array.from(Array.from({ length: 60 }, (_, i) => 48 + i / 5));
    const m = marginal("x", real, [synthetic], 10, 5);
    expect(m.bins).not.toBeNull();
    const bins = m.bins!;
    for (const b of bins) expect(b.real === 0 || b.real >= 5).toBe(true);
    expect(bins.reduce((n, b) => n + b.real, 0)).toBe(41);
    expect(bins.reduce((n, b) => n + b.synthetic[0]!, 0)).toBe(60);
    const last = bins[bins.length - 1]!;
    // width 5 over [48, 93.7]: the outlier's bin [90, 95) is merged back to the last bin holding 5 real rows.
    expect(last.end).toBe(95);
    expect(last.start).toBeLessThan(60);
    expect(last.real).toBeGreaterThanOrEqual(5);
    for (const b of bins) {
      expect(b.start).not.toBe(93.7);
      expect(b.end).not.toBe(93.7);
    }
  });

  it("keep every shown bin at 0 or at least minCell real rows on random data, for several minCell", () => {
    const random = seeded(42);
    for (const minCell of [2, 5, 10, 25]) {
      for (let trial = 0; trial < 20; trial++) {
        const n = 30 + Math.floor(random() * 300);
        const real = Float64Array.from({ length: n }, () => (random() < 0.1 ? 100 * random() : 40 + 10 * (random() + random() + random())));
        const synthetic = Float64Array.from({ length: 200 }, () => 30 + 50 * random());
        const m = marginal("x", real, [synthetic, synthetic.subarray(0, 50)], 12, minCell);
        const bins = m.bins!;
        for (const b of bins) expect(b.real === 0 || b.real >= minCell, `minCell ${minCell}: a bin with ${b.real} real rows`).toBe(true);
        expect(bins.reduce((s, b) => s + b.real, 0)).toBe(n);
        expect(bins.reduce((s, b) => s + b.synthetic[1]!, 0)).toBe(50);
        for (let i = 1; i < bins.length; i++) expect(bins[i]!.start).toBe(bins[i - 1]!.end);
      }
    }
  });

  it("draw nothing of a column with fewer than minCell real values", () => {
    const m = marginal("rare", Float64Array.from([1, 2, 3]), [Float64Array.from([1, 2, 3, 4])], 10, 5);
    expect(m.bins).toBeNull();
    expect(m.realN).toBe(3);
  });
});
