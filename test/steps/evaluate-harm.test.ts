import { describe, expect, it } from "vitest";
import { seededRandom } from "../../engine/random.js";
import { adjustPValues } from "../../steps/evaluate/harm-multiplicity.js";
import {
  binomialHalfCdf,
  binomialHalfUpper,
  bootstrapSignTest,
  discordantPairs,
  exactMcNemar,
  meanOver,
} from "../../steps/evaluate/harm.js";

/** C(n, k) / 2^n summed by BigInt, as an independent check of the log-space sums. */
const exactCdf = (k: number, n: number): number => {
  let num = 0n;
  let c = 1n;
  for (let i = 0; i <= k; i++) {
    if (i > 0) c = (c * BigInt(n - i + 1)) / BigInt(i);
    num += c;
  }
  return Number(num) / 2 ** n;
};

describe("binomial tails", () => {
  it("match exact rational sums", () => {
    for (const n of [1, 2, 5, 12, 31, 60]) {
      for (let k = -1; k <= n + 1; k++) {
        const expected = k < 0 ? 0 : k >= n ? 1 : exactCdf(k, n);
        expect(binomialHalfCdf(k, n)).toBeCloseTo(expected, 12);
        expect(binomialHalfUpper(k, n)).toBeCloseTo(k <= 0 ? 1 : k > n ? 0 : 1 - exactCdf(k - 1, n), 12);
      }
    }
  });

  it("stays finite and monotone for large n (a bootstrap's B)", () => {
    const n = 10_000;
    expect(binomialHalfCdf(5000, n)).toBeCloseTo(0.5 + exactHalfMass(n), 6);
    expect(binomialHalfCdf(4800, n)).toBeLessThan(1e-4);
    expect(binomialHalfCdf(4800, n)).toBeGreaterThan(0);
    expect(binomialHalfCdf(4900, n)).toBeGreaterThan(binomialHalfCdf(4800, n));
  });
});

/** P(X = n/2) / 2 for even n, by Stirling: the CDF at the median is 1/2 + half the central mass. */
const exactHalfMass = (n: number): number => 0.5 * Math.sqrt(2 / (Math.PI * n));

describe("exactMcNemar", () => {
  it("gives the textbook values", () => {
    const r = exactMcNemar(5, 0);
    expect(r.pHarm).toBeCloseTo(1 / 32, 12);
    expect(r.pValue).toBe(r.pHarm);
    expect(r.pTwoSided).toBeCloseTo(1 / 16, 12);
    expect(r.pBenefit).toBe(1);
    expect(r.harmed).toBe(true);
    expect(r).toMatchObject({ test: "exact-mcnemar", statistic: 5, b: 5, c: 0, discordant: 5, alpha: 0.05 });

    const s = exactMcNemar(10, 2);
    expect(s.pHarm).toBeCloseTo(79 / 4096, 12);
    expect(s.pTwoSided).toBeCloseTo(158 / 4096, 12);
    expect(s.harmed).toBe(true);
    expect(exactMcNemar(10, 2, 0.01).harmed).toBe(false);
  });

  it("is symmetric, never flags benefit as harm, and is 1 with no discordant pairs", () => {
    expect(exactMcNemar(2, 10).pBenefit).toBeCloseTo(exactMcNemar(10, 2).pHarm, 15);
    expect(exactMcNemar(2, 10).harmed).toBe(false);
    expect(exactMcNemar(0, 0)).toMatchObject({ pHarm: 1, pBenefit: 1, pTwoSided: 1, harmed: false });
    expect(exactMcNemar(4, 4).pTwoSided).toBe(1);
    expect(() => exactMcNemar(-1, 2)).toThrow(RangeError);
    expect(() => exactMcNemar(1.5, 2)).toThrow(RangeError);
    expect(() => exactMcNemar(1, 2, 0)).toThrow(/alpha/);
  });

  it("counts discordant pairs from paired correctness", () => {
    expect(discordantPairs([true, false, false, true, true], [true, true, false, false, false])).toEqual({ b: 1, c: 2 });
    expect(() => discordantPairs([true], [])).toThrow(/length/);
  });
});

describe("bootstrapSignTest", () => {
  // 40 people in two groups × two labels; the reference is right on all, the candidate wrong on group "b"
  const strata = Array.from({ length: 40 }, (_, i) => `${i < 20 ? "a" : "b"}/${i % 2}`);
  const reference = new Array<number>(40).fill(1);
  const hurtB = reference.map((_, i) => (i >= 20 && i % 3 === 0 ? 0 : 1));

  it("flags a candidate that is worse and not one that is identical", () => {
    const worse = bootstrapSignTest({ strata, candidate: meanOver(hurtB), reference: meanOver(reference), resamples: 500, rng: seededRandom(1, "boot") });
    expect(worse.test).toBe("bootstrap-sign");
    expect(worse.observedDifference).toBeCloseTo(-7 / 40, 12);
    expect(worse.atLeastAsGood).toBe(0);
    expect(worse.statistic).toBe(0);
    expect(worse.harmed).toBe(true);
    // The share of resamples in which the candidate is at least as good, not a binomial p-value over resamples.
    expect(worse.pValue).toBe(0);
    expect(worse.worseShare).toBe(1);
    expect(worse.interval![1]).toBeLessThan(0);

    const same = bootstrapSignTest({ strata, candidate: meanOver(reference), reference: meanOver(reference), resamples: 500, rng: seededRandom(1, "boot") });
    expect(same.atLeastAsGood).toBe(500);
    expect(same.better).toBe(0);
    expect(same.pValue).toBe(1);
    expect(same.worseShare).toBe(0);
    expect(same.harmed).toBe(false);
    expect(same.pBenefit).toBe(1);
  });

  it("is reproducible from the seed and keeps stratum sizes", () => {
    const seen: number[][] = [];
    const spy = (units: readonly number[]) => {
      seen.push([...units]);
      return 0;
    };
    const run = () => bootstrapSignTest({ strata, candidate: spy, reference: () => 0, resamples: 20, rng: seededRandom(7, "boot") });
    const a = run();
    const first = seen.splice(0);
    const b = run();
    expect(b).toEqual(a);
    expect(seen).toEqual(first);
    for (const sample of first.slice(1)) {
      const counts = new Map<string, number>();
      for (const u of sample) counts.set(strata[u]!, (counts.get(strata[u]!) ?? 0) + 1);
      expect([...counts.values()]).toEqual([10, 10, 10, 10]);
    }
  });

  it("leaves resamples with an undefined metric out of T and n", () => {
    let call = 0;
    const r = bootstrapSignTest({ strata, candidate: () => (call++ % 2 === 1 ? Number.NaN : 1), reference: () => 0, resamples: 10, rng: seededRandom(1, "x") });
    expect(r.skipped).toBe(5);
    expect(r.atLeastAsGood).toBe(5);
    expect(r.pValue).toBe(1);
    expect(() => bootstrapSignTest({ strata: [], candidate: () => 0, reference: () => 0, resamples: 1, rng: Math.random })).toThrow(/no units/);
  });
});

describe("adjustPValues (multiplicity across subgroups)", () => {
  const p = [0.01, 0.04, 0.03, 0.005];
  it("Holm matches R's p.adjust(p, 'holm')", () => {
    adjustPValues(p, "holm").forEach((v, i) => expect(v).toBeCloseTo([0.03, 0.06, 0.06, 0.02][i]!, 15));
  });
  it("Benjamini-Hochberg matches R's p.adjust(p, 'BH')", () => {
    adjustPValues(p, "benjamini-hochberg").forEach((v, i) => expect(v).toBeCloseTo([0.02, 0.04, 0.04, 0.02][i]!, 15));
  });
  it("caps at 1, leaves a single test and 'none' alone", () => {
    expect(adjustPValues([0.6, 0.9], "holm")).toEqual([1, 1]);
    expect(adjustPValues([0.2], "holm")).toEqual([0.2]);
    expect(adjustPValues(p, "none")).toEqual(p);
  });
});

describe("the bootstrap's share does not shrink with the number of resamples", () => {
  it("a small true difference gives about the same share at B = 200 and B = 4000", () => {
    const strata = Array.from({ length: 200 }, (_, i) => i % 2);
    const candidate = strata.map((_, i) => (i % 10 === 0 ? 0 : 1));
    const reference = strata.map((_, i) => (i % 11 === 0 ? 0 : 1));
    const share = (B: number) => bootstrapSignTest({ strata, candidate: meanOver(candidate), reference: meanOver(reference), resamples: B, rng: seededRandom(3, "b") }).pValue;
    expect(Math.abs(share(200) - share(4000))).toBeLessThan(0.1);
    expect(share(4000)).toBeGreaterThan(0.05);
  });
});
