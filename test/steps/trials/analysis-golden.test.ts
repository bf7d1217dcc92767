/**
 * Goldens from test/fixtures/nof1/golden.py (its docstring says which library computed each value): one series of
 * 12 patients (randomized cycles, washout, missing days, AR(1) errors, a trend), analysed and pooled.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { analyzePatients } from "../../../steps/trials/analysis/analyze-patients.js";
import { poolEffects } from "../../../steps/trials/analysis/pool-effects.js";
import { GOLDEN_DESIGN, NOF1_FIXTURES, goldenDays } from "./nof1-fixture.js";

interface GoldenPatient {
  readonly patient: string;
  readonly cycles: number;
  readonly days: number;
  readonly meanDiff: number;
  readonly meanDiffLower: number;
  readonly meanDiffUpper: number;
  readonly meanDiffDf: number;
  readonly tP: number;
  readonly randomizationP: number;
  readonly ar1: { readonly [estimation in "ml" | "reml"]: { rho: number; effect: number; se: number; lower: number; upper: number; sarimaxEffect?: number } };
}
const golden = JSON.parse(fs.readFileSync(path.join(NOF1_FIXTURES, "golden.json"), "utf8")) as {
  readonly patients: readonly GoldenPatient[];
  readonly mixedLm: { mu: number; tau2: number; scale: number; blups: number[] };
  readonly pool: { mu: number; muSe: number; muSeModel: number; muLower: number; muUpper: number; tau2: number; shrunken: number[]; shrunkenLower: number[]; shrunkenUpper: number[] };
};

const days = goldenDays();
const effects = analyzePatients(days, GOLDEN_DESIGN, { mcid: 0.5, better: "higher", level: 0.95, primary: "mean-diff" });
const mlEffects = analyzePatients(days, GOLDEN_DESIGN, { mcid: 0.5, better: "higher", level: 0.95, primary: "ar1", ar1Estimation: "ml" });

describe("N-of-1 analysis of one patient against Python", () => {
  it("reads the 12 patients in table order", () => {
    expect(effects.patients).toEqual(golden.patients.map((p) => p.patient));
  });

  it("mean difference, its paired t interval, df and two-sided p match scipy.stats.ttest_1samp within 1e-9", () => {
    golden.patients.forEach((g, i) => {
      expect(effects.cycles[i]).toBe(g.cycles);
      expect(effects.meanDiff[i]).toBeCloseTo(g.meanDiff, 9);
      expect(effects.meanDiffLower[i]).toBeCloseTo(g.meanDiffLower, 9);
      expect(effects.meanDiffUpper[i]).toBeCloseTo(g.meanDiffUpper, 9);
      expect(effects.meanDiffDf[i]).toBe(g.meanDiffDf);
      expect(effects.tP[i]).toBeCloseTo(g.tP, 9);
    });
  });

  it("the exact randomization p over the 2^4 randomized-cycles schedules matches an itertools enumeration", () => {
    golden.patients.forEach((g, i) => expect(effects.randomizationP[i]).toBe(g.randomizationP));
  });

  const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-6);
  const ar1Matches = (estimation: "ml" | "reml", analysed: typeof effects) =>
    golden.patients.forEach((g, i) => {
      const want = g.ar1[estimation];
      expect(analysed.days[i]).toBe(g.days);
      close(analysed.ar1Rho[i]!, want.rho);
      close(analysed.ar1Effect[i]!, want.effect);
      close(analysed.ar1Se[i]!, want.se);
      close(analysed.ar1Lower[i]!, want.lower);
      close(analysed.ar1Upper[i]!, want.upper);
    });

  it("AR(1) by ML: rho and the effect match statsmodels SARIMAX (gaps as missing days) within 1e-6; se and t interval match statsmodels GLS at that rho", () => {
    ar1Matches("ml", mlEffects);
    golden.patients.forEach((g, i) => close(mlEffects.ar1Effect[i]!, g.ar1.ml.sarimaxEffect!));
    // The primary columns are the AR(1) ones when primary is ar1.
    expect(Array.from(mlEffects.effect)).toEqual(Array.from(mlEffects.ar1Effect));
  });

  it("AR(1) by REML (the default): rho matches a dense-matrix numpy restricted likelihood within 1e-6; se and interval match statsmodels GLS at that rho", () => {
    ar1Matches("reml", effects);
  });
});

describe("pooling the series against Python", () => {
  it("REML mu, its modified Knapp-Hartung interval, tau^2 and the BLUPs with intervals match a scipy REML of the two-stage model within 1e-6", () => {
    const pooled = poolEffects(effects.meanDiff, effects.meanDiffSe, { mcid: 0.5, better: "higher", level: 0.95 });
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-6);
    close(pooled.mu, golden.pool.mu);
    close(pooled.muSe, golden.pool.muSe);
    close(pooled.muSeModel, golden.pool.muSeModel);
    close(pooled.muLower, golden.pool.muLower);
    close(pooled.muUpper, golden.pool.muUpper);
    close(pooled.tau2, golden.pool.tau2);
    expect(pooled.tau2).toBeGreaterThan(0.01);
    golden.pool.shrunken.forEach((v, i) => {
      close(pooled.shrunken[i]!, v);
      close(pooled.shrunkenLower[i]!, golden.pool.shrunkenLower[i]!);
      close(pooled.shrunkenUpper[i]!, golden.pool.shrunkenUpper[i]!);
    });
  });

  it("statsmodels MixedLM (REML, random intercept) on the per-cycle differences: mu, tau^2 and the BLUPs equal the two-stage REML with every se = the pooled within-patient sd / sqrt(cycles), within 1e-6", () => {
    // Balanced (4 cycles each): MixedLM's residual variance is the pooled within-patient variance of d_ij.
    const cycles = 4;
    let within = 0;
    effects.meanDiffSe.forEach((se) => (within += se * se * cycles));
    within /= effects.meanDiffSe.length;
    expect(Math.abs(within - golden.mixedLm.scale)).toBeLessThan(1e-6);
    const pooledSe = new Float64Array(effects.meanDiff.length).fill(Math.sqrt(within / cycles));
    const pooled = poolEffects(effects.meanDiff, pooledSe, { mcid: 0.5, better: "higher", level: 0.95 });
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-6);
    close(pooled.mu, golden.mixedLm.mu);
    close(pooled.tau2, golden.mixedLm.tau2);
    golden.mixedLm.blups.forEach((v, i) => close(pooled.shrunken[i]!, v));
  });
});
