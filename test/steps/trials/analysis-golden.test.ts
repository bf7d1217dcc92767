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
  readonly ar1Rho: number;
  readonly ar1Effect: number;
  readonly ar1Se: number;
  readonly ar1Lower: number;
  readonly ar1Upper: number;
}
const golden = JSON.parse(fs.readFileSync(path.join(NOF1_FIXTURES, "golden.json"), "utf8")) as {
  readonly patients: readonly GoldenPatient[];
  readonly pool: { mu: number; muSe: number; muLower: number; muUpper: number; tau2: number; shrunken: number[]; shrunkenLower: number[]; shrunkenUpper: number[] };
};

const days = goldenDays();
const effects = analyzePatients(days, GOLDEN_DESIGN, { mcid: 0.5, better: "higher", level: 0.95, primary: "mean-diff" });

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

  it("AR(1) regression: rho and the treatment effect match statsmodels SARIMAX (exact ML, gaps as missing days) within 1e-6; se and interval match statsmodels GLS at that rho", () => {
    golden.patients.forEach((g, i) => {
      expect(effects.days[i]).toBe(g.days);
      expect(Math.abs(effects.ar1Rho[i]! - g.ar1Rho)).toBeLessThan(1e-6);
      expect(Math.abs(effects.ar1Effect[i]! - g.ar1Effect)).toBeLessThan(1e-6);
      expect(Math.abs(effects.ar1Se[i]! - g.ar1Se)).toBeLessThan(1e-6);
      expect(Math.abs(effects.ar1Lower[i]! - g.ar1Lower)).toBeLessThan(1e-6);
      expect(Math.abs(effects.ar1Upper[i]! - g.ar1Upper)).toBeLessThan(1e-6);
    });
  });
});

describe("pooling the series against Python", () => {
  it("REML mu, its interval, tau^2 and the BLUPs with intervals match a scipy REML of the two-stage model within 1e-6", () => {
    const pooled = poolEffects(effects.meanDiff, effects.meanDiffSe, { mcid: 0.5, better: "higher", level: 0.95 });
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-6);
    close(pooled.mu, golden.pool.mu);
    close(pooled.muSe, golden.pool.muSe);
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
});
