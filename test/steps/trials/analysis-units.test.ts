/**
 * The analysis's building blocks: distribution functions against scipy 1.17 (values printed by scipy.stats.t.ppf,
 * t.cdf, norm.cdf and scipy.special.gammaln), the randomization sets against brute-force counts, and the fitted
 * AR(1) regression against the exact answer on noise-free data.
 */
import { Schema } from "effect";
import { describe, expect, it } from "vitest";
import { analyzePatients } from "../../../steps/trials/analysis/analyze-patients.js";
import { MechanisticModelSchema, simulateSeries } from "../../../steps/trials/mechanistic-model.js";
import { type Ar1Fit, fitAr1 } from "../../../steps/trials/analysis/ar1-regression.js";
import { logGamma, normalCdf, studentTCdf, studentTQuantile } from "../../../steps/trials/analysis/distributions.js";
import { MAX_RANDOMIZATION_SET, type RandomizationSet, firstScheduleOutside, randomizationSet } from "../../../steps/trials/analysis/randomization-set.js";
import { DESIGN_KINDS, type TrialDesign } from "../../../steps/trials/design-document.js";
import { buildSchedule, patientIds, periodOrderDrawer } from "../../../steps/trials/schedule.js";
import { seededRandom } from "../../../engine/random.js";

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

describe("distribution functions against scipy", () => {
  it("Student-t quantiles", () => {
    const cases: [number, number, number][] = [
      [0.975, 1, 12.706204736174694], [0.975, 2, 4.302652729749462], [0.975, 3, 3.1824463052837078], [0.995, 5, 4.032142983555228],
      [0.9, 12, 1.356217334023205], [0.025, 7, -2.3646242515927844], [0.999999, 4, 41.5778541501515], [0.975, 200, 1.9718962236339088],
    ];
    for (const [p, df, q] of cases) expect(relative(studentTQuantile(p, df), q)).toBeLessThan(1e-12);
  });
  it("Student-t and normal CDFs, log-gamma", () => {
    const t: [number, number, number][] = [[2.1, 5, 0.9551233750577006], [-3.5, 3, 0.019740518809641387], [0.3, 1, 0.5927735790777423], [10, 2, 0.9950737714883372], [-1.2, 40, 0.11859931205730517]];
    for (const [x, df, p] of t) expect(relative(studentTCdf(x, df), p)).toBeLessThan(1e-12);
    const normal: [number, number][] = [[-8, 6.22096057427174e-16], [-3, 0.0013498980316300933], [-1.5, 0.06680720126885807], [0, 0.5], [0.7, 0.758036347776927], [2.5, 0.9937903346742238], [6, 0.9999999990134123]];
    for (const [x, p] of normal) expect(relative(normalCdf(x), p)).toBeLessThan(1e-12);
    const lg: [number, number][] = [[0.1, 2.252712651734206], [0.5, 0.5723649429247], [3.7, 1.428072326665388], [50.5, 146.51925549072064], [1000, 5905.220423209181]];
    for (const [x, v] of lg) expect(relative(logGamma(x), v)).toBeLessThan(1e-13);
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-14);
  });
});

const design = (d: Partial<TrialDesign>): TrialDesign => ({ format: "strata-trial-design/1", treatments: ["A", "B"], design: "alternating", cycles: 3, periodDays: 7, washoutDays: 0, baselineDays: 0, runInDays: 0, ...d });
const schedules = (set: RandomizationSet): string[] => Array.from({ length: set.count }, (_, s) => Array.from(set.codes.subarray(s * set.periods, (s + 1) * set.periods)).join(""));

/** Every sequence of c·k periods with each treatment c times and runs ≤ maxRun, by brute force over k^(c·k). */
const bruteForceRandomized = (k: number, c: number, maxRun: number): number => {
  let count = 0;
  for (let code = 0; code < k ** (c * k); code++) {
    const seq = Array.from({ length: c * k }, (_, i) => Math.floor(code / k ** i) % k);
    const counts = new Array<number>(k).fill(0);
    seq.forEach((t) => counts[t]!++);
    let run = 1;
    let ok = counts.every((n) => n === c);
    for (let i = 1; ok && i < seq.length; i++) {
      run = seq[i] === seq[i - 1] ? run + 1 : 1;
      if (run > maxRun) ok = false;
    }
    if (ok) count++;
  }
  return count;
};

describe("randomization sets", () => {
  it("alternating and counterbalanced: the k! orders, repeated or reversed by cycle", () => {
    expect(schedules(randomizationSet(design({})) as RandomizationSet)).toEqual(["010101", "101010"]);
    expect(schedules(randomizationSet(design({ design: "counterbalanced", cycles: 4 })) as RandomizationSet)).toEqual(["01100110", "10011001"]);
    const three = randomizationSet(design({ treatments: ["A", "B", "C"], cycles: 2 })) as RandomizationSet;
    expect(schedules(three)).toEqual(["012012", "021021", "102102", "120120", "201201", "210210"]);
  });
  it("randomized-cycles: (k!)^c schedules, all distinct", () => {
    const set = randomizationSet(design({ design: "randomized-cycles", cycles: 5 })) as RandomizationSet;
    expect(set.count).toBe(32);
    expect(new Set(schedules(set)).size).toBe(32);
    expect((randomizationSet(design({ design: "randomized-cycles", treatments: ["A", "B", "C"], cycles: 3 })) as RandomizationSet).count).toBe(216);
  });
  it("randomized: every balanced sequence with runs <= maxRun (brute force), lexicographic", () => {
    for (const [k, c, maxRun] of [[2, 4, 2], [2, 5, 3], [3, 2, 1], [2, 3, 3]] as const) {
      const set = randomizationSet(design({ design: "randomized", treatments: ["A", "B", "C"].slice(0, k), cycles: c, maxRun })) as RandomizationSet;
      expect(set.count).toBe(bruteForceRandomized(k, c, maxRun));
      const listed = schedules(set);
      expect([...listed].sort()).toEqual(listed);
    }
  });
  it("holds every schedule trial.design draws, for every design kind", () => {
    for (const kind of DESIGN_KINDS) {
      const d = design({ design: kind, treatments: ["A", "B", "C"], cycles: 3, ...(kind === "randomized" ? { maxRun: 2 } : {}) });
      const listed = new Set(schedules(randomizationSet(d) as RandomizationSet));
      const draw = periodOrderDrawer(d);
      const random = seededRandom(3, kind);
      for (let i = 0; i < 200; i++) expect(listed.has(draw(random).join(""))).toBe(true);
    }
  });
  it("finds the first patient whose schedule the declared design cannot draw", () => {
    const drawn = design({ design: "counterbalanced", cycles: 2 });
    const days = buildSchedule(drawn, patientIds(6), (stream) => seededRandom(5, stream));
    expect(firstScheduleOutside(days, randomizationSet(drawn) as RandomizationSet)).toBeUndefined();
    const outside = firstScheduleOutside(days, randomizationSet(design({ cycles: 2 })) as RandomizationSet);
    expect(outside?.patient).toBe(0);
    expect(["0110", "1001"]).toContain(outside?.codes.join(""));
  });
  it("a set over 2^16 schedules is refused with a message naming the design and the way out", () => {
    const big = randomizationSet(design({ design: "randomized-cycles", cycles: 17 }));
    expect("problem" in big && big.problem).toContain("1.31e+5 possible schedules");
    expect("problem" in big && big.problem).toContain(`more than the ${MAX_RANDOMIZATION_SET}`);
    const randomized = randomizationSet(design({ design: "randomized", cycles: 10 }));
    expect("problem" in randomized && randomized.problem).toContain("more than 65536 possible schedules");
  });
});

describe("AR(1) regression", () => {
  it("recovers intercept-free effects exactly on noise-free data with gaps, and refuses too few days", () => {
    const day = Float64Array.from([1, 2, 3, 6, 7, 8, 9, 13, 14, 15]);
    const treat = Float64Array.from([0, 0, 0, 1, 1, 1, 1, 0, 0, 0]);
    const y = Float64Array.from(day, (d, i) => 5 + 0.2 * d + 1.5 * treat[i]! + 1e-3 * Math.sin(7 * d));
    const fit: Ar1Fit = { effect: 0, se: 0, df: 0, rho: 0 };
    fitAr1(y, treat, day, day.length, "reml", fit);
    expect(Math.abs(fit.effect - 1.5)).toBeLessThan(5e-3);
    expect(fit.df).toBe(7);
    fitAr1(y, treat, day, 4, "ml", fit);
    expect(Number.isNaN(fit.effect)).toBe(true);
  });
});

describe("analyzePatients", () => {
  it("compares any two of three treatments: effect = treatment − reference, benefit flipped when lower is better", () => {
    const d = design({ treatments: ["A", "B", "C"], design: "randomized-cycles", cycles: 3, washoutDays: 2 });
    // B − A = 1, C − A = 3, so C − B = 2; almost no noise.
    const m = Schema.decodeUnknownSync(MechanisticModelSchema)({ effect: { mean: 1, others: [3] }, intercept: 10, measurementSd: 1e-6 });
    const sim = simulateSeries(d, m, patientIds(5), (stream) => seededRandom(11, stream));
    const higher = analyzePatients(sim.days, d, { reference: "B", treatment: "C", mcid: 1, better: "higher", level: 0.95, primary: "mean-diff" });
    const lower = analyzePatients(sim.days, d, { reference: "B", treatment: "C", mcid: 1, better: "lower", level: 0.95, primary: "ar1" });
    for (let p = 0; p < 5; p++) {
      expect(higher.meanDiff[p]).toBeCloseTo(2, 5);
      expect(lower.ar1Effect[p]).toBeCloseTo(2, 5);
      expect(higher.pBenefit[p]).toBeGreaterThan(0.999);
      expect(higher.pMcid[p]).toBeGreaterThan(0.999);
      expect(lower.pBenefit[p]).toBeLessThan(0.001);
      expect(higher.cycles[p]).toBe(3);
      expect(higher.days[p]).toBe(2 * 3 * 5);
    }
    expect(() => analyzePatients(sim.days, d, { reference: "B", treatment: "B", mcid: 0, better: "higher", level: 0.95, primary: "mean-diff" })).toThrow(/compare two different treatments/);
  });
});
