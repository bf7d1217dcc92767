/**
 * Simulation recovery (issue 18 "What must hold"): 200 seeded series of 20 patients from trial.simulate's
 * mechanistic model (simulateSeries), analysed and pooled by the pure functions trial.analyze and trial.pool run.
 * With 200 series a rate's binomial sd is about 1.5 points, so the asserted windows are the issue's.
 */
import { Schema } from "effect";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../engine/random.js";
import { type PrimaryMethod, analyzePatients } from "../../../steps/trials/analysis/analyze-patients.js";
import { poolEffects } from "../../../steps/trials/analysis/pool-effects.js";
import { type RandomizationSet, randomizationSet } from "../../../steps/trials/analysis/randomization-set.js";
import type { TrialDesign } from "../../../steps/trials/design-document.js";
import { type MechanisticModel, MechanisticModelSchema, simulateSeries } from "../../../steps/trials/mechanistic-model.js";
import { patientIds } from "../../../steps/trials/schedule.js";

const SERIES = 200;
const PATIENTS = patientIds(20);
const design = (d: Partial<TrialDesign> = {}): TrialDesign => ({
  format: "strata-trial-design/1",
  treatments: ["A", "B"],
  design: "randomized-cycles",
  cycles: 6,
  periodDays: 7,
  washoutDays: 2,
  baselineDays: 0,
  runInDays: 0,
  ...d,
});
const model = (m: Record<string, unknown>): MechanisticModel =>
  Schema.decodeUnknownSync(MechanisticModelSchema)({ intercept: 10, processRho: 0.5, processSd: 1, missingRate: 0.05, ...m });

interface Rates {
  readonly muCovered: number;
  readonly muRejected: number;
  readonly patientT: number;
  readonly patientRandomization: number;
  readonly patientAr1: number;
}

/** Rates over SERIES series: μ's interval covering the truth or excluding 0, per-patient tests at α = 0.05. */
const recover = (d: TrialDesign, m: MechanisticModel, primary: PrimaryMethod): Rates => {
  const set = randomizationSet(d) as RandomizationSet;
  let covered = 0;
  let rejected = 0;
  let t = 0;
  let randomization = 0;
  let ar1 = 0;
  let tests = 0;
  for (let s = 0; s < SERIES; s++) {
    const sim = simulateSeries(d, m, PATIENTS, (stream) => seededRandom(7000 + s, stream));
    const e = analyzePatients(sim.days, d, { mcid: 0, better: "higher", level: 0.95, primary, randomizationSet: set });
    const pooled = poolEffects(e.effect, e.se, { mcid: 0, better: "higher", level: 0.95 });
    if (pooled.muLower <= m.effect.mean && m.effect.mean <= pooled.muUpper) covered++;
    if (pooled.muLower > 0 || pooled.muUpper < 0) rejected++;
    for (let p = 0; p < PATIENTS.length; p++) {
      tests++;
      if (e.tP[p]! < 0.05) t++;
      if (e.randomizationP[p]! <= 0.05) randomization++;
      if (e.ar1Lower[p]! > 0 || e.ar1Upper[p]! < 0) ar1++;
    }
  }
  return { muCovered: covered / SERIES, muRejected: rejected / SERIES, patientT: t / tests, patientRandomization: randomization / tests, patientAr1: ar1 / tests };
};

describe("recovery over 200 seeded series", () => {
  it("mean-difference primary: the 95% interval of mu covers the truth in 93-97% of series (mu = 1, tau = 0.5)", () => {
    const rates = recover(design(), model({ effect: { mean: 1, sd: 0.5 }, measurementSd: 0.5 }), "mean-diff");
    expect(rates.muCovered).toBeGreaterThanOrEqual(0.93);
    expect(rates.muCovered).toBeLessThanOrEqual(0.97);
  });

  it("at delta = 0: mu's interval excludes 0, and each patient's paired t test rejects, in 3-7%; the exact randomization test stays at or below 5%", () => {
    const rates = recover(design(), model({ effect: { mean: 0, sd: 0 }, measurementSd: 0.5 }), "mean-diff");
    expect(rates.muRejected).toBeGreaterThanOrEqual(0.03);
    expect(rates.muRejected).toBeLessThanOrEqual(0.07);
    expect(rates.patientT).toBeGreaterThanOrEqual(0.03);
    expect(rates.patientT).toBeLessThanOrEqual(0.07);
    // 64 schedules: p takes steps of 1/32, so the exact test is conservative at 0.05 (it rejects at p <= 1/32).
    expect(rates.patientRandomization).toBeGreaterThanOrEqual(0.02);
    expect(rates.patientRandomization).toBeLessThanOrEqual(0.055);
  });

  it("AR(1) primary on AR(1) errors: mu covered in 93-97% at mu = 1, and each patient's AR(1) interval excludes 0 in 3-7% at delta = 0", () => {
    const covered = recover(design(), model({ effect: { mean: 1, sd: 0.5 } }), "ar1");
    expect(covered.muCovered).toBeGreaterThanOrEqual(0.93);
    expect(covered.muCovered).toBeLessThanOrEqual(0.97);
    const nullRates = recover(design(), model({ effect: { mean: 0, sd: 0 } }), "ar1");
    expect(nullRates.patientAr1).toBeGreaterThanOrEqual(0.03);
    expect(nullRates.patientAr1).toBeLessThanOrEqual(0.07);
  });

  it("carryover without washout biases the mean difference toward zero; a washout of three time constants removes most of it", () => {
    const carry = model({ effect: { mean: 2, sd: 0 }, onsetTime: 2, washoutTime: 2, processSd: 0.3 });
    const meanEffect = (d: TrialDesign): number => {
      let sum = 0;
      let n = 0;
      for (let s = 0; s < 20; s++) {
        const sim = simulateSeries(d, carry, PATIENTS, (stream) => seededRandom(9000 + s, stream));
        const e = analyzePatients(sim.days, d, { mcid: 0, better: "higher", level: 0.95, primary: "mean-diff", randomizationSet: null, ar1: false });
        for (const v of e.effect) if (!Number.isNaN(v)) (sum += v), n++;
      }
      return sum / n;
    };
    const noWashout = meanEffect(design({ periodDays: 12, washoutDays: 0 }));
    const washout = meanEffect(design({ periodDays: 12, washoutDays: 6 }));
    expect(noWashout).toBeLessThan(2 * 0.85);
    expect(noWashout).toBeGreaterThan(0);
    expect(Math.abs(washout - 2)).toBeLessThan(0.25 * Math.abs(noWashout - 2));
  });
});
