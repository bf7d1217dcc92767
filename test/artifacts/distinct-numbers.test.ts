import { describe, expect, it } from "vitest";
import { moreDistinctThan } from "../../artifacts/distinct-numbers.js";

const bySet = (values: ArrayLike<number>, limit: number) => new Set(Array.from(values)).size > limit;

describe("moreDistinctThan", () => {
  it("agrees with a Set at the limit, one below and one above", () => {
    for (const n of [0, 1, 99, 100, 101]) {
      const values = Float64Array.from({ length: 2 * n }, (_, i) => (i % Math.max(n, 1)) / 7);
      for (const limit of [n - 1, n, n + 1]) if (limit >= 0) expect(moreDistinctThan(values, limit)).toBe(bySet(values, limit));
    }
  });

  it("counts -0 as 0 and every NaN as one value, as a Set does", () => {
    const values = Float64Array.of(0, -0, Number.NaN, Number.NaN, 1, -1);
    expect(bySet(values, 3)).toBe(true);
    expect(moreDistinctThan(values, 3)).toBe(true);
    expect(moreDistinctThan(values, 4)).toBe(false);
  });

  it("handles integers (whose float64 low words are all zero) and a million distinct floats", () => {
    const ints = Int32Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 262_145);
    expect(moreDistinctThan(ints, 262_144)).toBe(bySet(ints, 262_144));
    expect(moreDistinctThan(ints, 262_145)).toBe(false);
    let state = 1;
    const floats = Float64Array.from({ length: 1_000_000 }, () => (state = (state * 48271) % 2147483647) / 2147483647);
    expect(moreDistinctThan(floats, 131_072)).toBe(true);
  });

  it("counts small integers (a bitmap) and other numbers (a hash table) as one set", () => {
    // Integers on both sides of the bitmap's range, their fractional neighbours, -0 and the range's edges.
    const edge = 1 << 20;
    const values = Float64Array.from([-edge - 1, -edge, -1, -0, 0, 0.5, 1, 2.5, edge - 1, edge, edge + 1, 2 ** 31, -(2 ** 31), 2 ** 53, 3, 3, 1, -edge]);
    for (let limit = 0; limit <= 16; limit++) expect(moreDistinctThan(values, limit)).toBe(bySet(values, limit));
    const mixed = Float64Array.from({ length: 200_000 }, (_, i) => (i % 3 === 0 ? i % 5000 : i % 3 === 1 ? (i % 4000) + 0.25 : -(i % 3000) * 1e9));
    for (const limit of [8_000, 9_999, 10_000, 10_001, 20_000]) expect(moreDistinctThan(mixed, limit)).toBe(bySet(mixed, limit));
  });
});
