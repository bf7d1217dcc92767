import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { columnValues, makeTable } from "../../../artifacts/table.js";
import { seededRandom } from "../../../engine/random.js";
import type { TrialDesign } from "../../../steps/trials/design-document.js";
import { trialDesignStep } from "../../../steps/trials/design.js";
import { type MechanisticModel, MechanisticModelSchema, simulateSeries } from "../../../steps/trials/mechanistic-model.js";
import { patientIds } from "../../../steps/trials/schedule.js";
import { trialSimulateStep } from "../../../steps/trials/simulate.js";
import { ACTIVE_PHASE, type TrialDays } from "../../../steps/trials/trial-days.js";
import { Schema } from "effect";
import { runStep } from "../../support/step-harness.js";

const model = (m: Partial<Omit<MechanisticModel, "effect">> & { effect: Partial<MechanisticModel["effect"]> & { mean: number } }): MechanisticModel => Schema.decodeUnknownSync(MechanisticModelSchema)(m);
const design = (d: Partial<TrialDesign> = {}): TrialDesign => ({ format: "strata-trial-design/1", treatments: ["A", "B"], design: "alternating", cycles: 3, periodDays: 10, washoutDays: 0, baselineDays: 0, runInDays: 0, ...d });
const random = (seed: number) => (stream: string) => seededRandom(seed, stream);

/** Per patient: mean outcome on analysed (active, observed) days of B minus that of A. */
const observedDifference = (days: TrialDays): Float64Array =>
  Float64Array.from(days.patients, (_, p) => {
    const sum = [0, 0];
    const n = [0, 0];
    for (let r = days.start[p]!; r < days.start[p + 1]!; r++) {
      const t = days.treatment[r]!;
      if (days.phase[r] !== ACTIVE_PHASE || t < 0 || Number.isNaN(days.outcome![r]!)) continue;
      sum[t] = sum[t]! + days.outcome![r]!;
      n[t] = n[t]! + 1;
    }
    return sum[1]! / n[1]! - sum[0]! / n[0]!;
  });
const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;

describe("the mechanistic model", () => {
  it("with no noise and no carryover the observed difference is the true effect", () => {
    const sim = simulateSeries(design(), model({ effect: { mean: 1.5, sd: 0.7 }, intercept: 10, interceptSd: 3 }), patientIds(30), random(1));
    const diff = observedDifference(sim.days);
    for (let p = 0; p < 30; p++) expect(diff[p]).toBeCloseTo(sim.trueEffect[p]!, 10);
    expect(new Set(sim.trueEffect).size).toBe(30);
  });

  it("carryover without washout shrinks the observed difference toward 0; a washout of three time constants removes most of it", () => {
    const m = model({ effect: { mean: 2 }, onsetTime: 3, washoutTime: 3 });
    const d = { periodDays: 14, cycles: 3 };
    const none = mean(observedDifference(simulateSeries(design(d), m, patientIds(10), random(2)).days));
    const washed = mean(observedDifference(simulateSeries(design({ ...d, washoutDays: 9 }), m, patientIds(10), random(2)).days));
    const instant = mean(observedDifference(simulateSeries(design(d), model({ effect: { mean: 2 } }), patientIds(10), random(2)).days));
    expect(instant).toBeCloseTo(2, 12);
    expect(none).toBeLessThan(2 * 0.85); // biased toward zero
    expect(none).toBeGreaterThan(0);
    // e^-3 ≈ 5 % of the level is left at the end of a 3θ washout (onset and decay each): over 85 % of the bias goes.
    expect(2 - washed).toBeLessThan(0.15 * (2 - none));
  });

  it("gives further treatments their fixed effects against the reference", () => {
    const d = design({ treatments: ["A", "B", "C"], design: "randomized-cycles" });
    const sim = simulateSeries(d, model({ effect: { mean: 1, others: [-2] } }), patientIds(5), random(8));
    const days = sim.days;
    for (let r = 0; r < days.day.length; r++) expect(days.outcome![r]).toBe([0, 1, -2][days.treatment[r]!]);
  });

  it("computes effects from covariates: b0 + Σ b·x when tau is 0", () => {
    const m = model({ effect: { mean: 0.5, coefficients: { severity: 2, smoker: -1 } }, covariates: [{ name: "severity", kind: "normal", mean: 1, sd: 2 }, { name: "smoker", kind: "binary", p: 0.4 }] });
    const sim = simulateSeries(design(), m, patientIds(400), random(3));
    const [severity, smoker] = sim.covariates;
    for (let p = 0; p < 400; p++) expect(sim.trueEffect[p]).toBeCloseTo(0.5 + 2 * severity!.values[p]! - smoker!.values[p]!, 12);
    expect(mean(severity!.values)).toBeCloseTo(1, 0);
    expect(Math.abs(mean(smoker!.values) - 0.4)).toBeLessThan(0.08);
    expect(new Set(smoker!.values)).toEqual(new Set([0, 1]));
  });

  it("misses days at the MCAR rate and non-adherence dilutes the effect", () => {
    const sim = simulateSeries(design({ cycles: 4 }), model({ effect: { mean: 1 }, missingRate: 0.2 }), patientIds(200), random(4));
    const missing = Array.from(sim.days.outcome!).filter(Number.isNaN).length / sim.days.day.length;
    expect(Math.abs(missing - 0.2)).toBeLessThan(0.02);
    const diluted = mean(observedDifference(simulateSeries(design({ cycles: 4 }), model({ effect: { mean: 1 }, nonAdherence: 0.3 }), patientIds(200), random(4)).days));
    expect(Math.abs(diluted - 0.7)).toBeLessThan(0.03);
  });

  it("the noise has the declared structure: AR(1) lag-1 correlation and drifting baselines", () => {
    const sim = simulateSeries(design({ cycles: 10 }), model({ effect: { mean: 0 }, processRho: 0.6, processSd: 1 }), patientIds(50), random(5));
    const y = sim.days.outcome!;
    let num = 0;
    let den = 0;
    for (let p = 0; p < 50; p++) for (let r = sim.days.start[p]! + 1; r < sim.days.start[p + 1]!; r++) (num += y[r]! * y[r - 1]!), (den += y[r - 1]! * y[r - 1]!);
    expect(num / den).toBeGreaterThan(0.5);
    expect(num / den).toBeLessThan(0.7);
  });

  it("simulates 1,000 patients × 84 days in well under 2 s", () => {
    const m = model({ effect: { mean: 1, sd: 0.5 }, onsetTime: 2, washoutTime: 2, driftSd: 0.1, processRho: 0.5, processSd: 1, measurementSd: 1, missingRate: 0.1, nonAdherence: 0.05 });
    const started = performance.now();
    const sim = simulateSeries(design({ cycles: 3, periodDays: 14 }), m, patientIds(1000), random(6));
    const elapsed = performance.now() - started;
    expect(sim.days.day.length).toBe(84_000);
    expect(elapsed).toBeLessThan(2000);
  });
});

describe("trial.simulate", () => {
  const params = { treatments: ["placebo", "drug"], design: "counterbalanced", cycles: 2, periodDays: 7, washoutDays: 2, patients: 8 } as const;

  it("writes the schedule's rows with outcomes, and the patients with covariates and true effects", async () => {
    const designed = await runStep(trialDesignStep, {}, params, 9);
    const model = { effect: { mean: 1, sd: 0.5, coefficients: { age: 0.1 } }, covariates: [{ name: "age", kind: "normal", mean: 50, sd: 10 }, { name: "female", kind: "binary", p: 0.5 }], measurementSd: 1 };
    const out = await runStep(trialSimulateStep, { design: designed.design as object, schedule: designed.schedule as arrow.Table }, model, 9);
    const outcomes = out.outcomes as arrow.Table;
    const schedule = designed.schedule as arrow.Table;
    expect(outcomes.schema.fields.map((f) => f.name)).toEqual(["patient", "day", "period", "cycle", "treatment", "phase", "outcome"]);
    for (const c of ["patient", "day", "period", "treatment", "phase"]) expect(columnValues(outcomes, c)).toEqual(columnValues(schedule, c));
    const patients = out.patients as arrow.Table;
    expect(patients.schema.fields.map((f) => [f.name, String(f.type)])).toEqual([["patient", "Utf8"], ["age", "Float64"], ["female", "Int32"], ["true_effect", "Float64"]]);
    expect(columnValues(patients, "patient")).toEqual(patientIds(8));
    const again = await runStep(trialSimulateStep, { design: designed.design as object, schedule: designed.schedule as arrow.Table }, model, 9);
    expect(columnValues(again.outcomes as arrow.Table, "outcome")).toEqual(columnValues(outcomes, "outcome"));
  });

  it("reads covariates from a table and refuses one that misses a patient or a coefficient's column", async () => {
    const designed = await runStep(trialDesignStep, {}, { ...params, patients: 2 }, 1);
    const covariates = makeTable([{ name: "patient", type: "string", values: ["P2", "P1"] }, { name: "score", type: "float", values: [3, -1] }]);
    const out = await runStep(trialSimulateStep, { design: designed.design as object, schedule: designed.schedule as arrow.Table, covariates }, { effect: { mean: 1, coefficients: { score: 2 } } }, 1);
    expect(columnValues(out.patients as arrow.Table, "true_effect")).toEqual([-1, 7]);
    await expect(runStep(trialSimulateStep, { design: designed.design as object, schedule: designed.schedule as arrow.Table, covariates }, { effect: { mean: 1, coefficients: { weight: 2 } } }, 1)).rejects.toThrow(/no column "weight"/);
    const partial = makeTable([{ name: "patient", type: "string", values: ["P1"] }, { name: "score", type: "float", values: [1] }]);
    await expect(runStep(trialSimulateStep, { design: designed.design as object, schedule: designed.schedule as arrow.Table, covariates: partial }, { effect: { mean: 1 } }, 1)).rejects.toThrow(/"P2" of the schedule has no row/);
  });

  it("refuses a coefficient of an undeclared covariate when the study loads", async () => {
    const designed = await runStep(trialDesignStep, {}, { ...params, patients: 2 }, 1);
    await expect(runStep(trialSimulateStep, { design: designed.design as object, schedule: designed.schedule as arrow.Table }, { effect: { mean: 1, coefficients: { bmi: 1 } }, covariates: [{ name: "age", kind: "normal" }] })).rejects.toThrow(/no covariate "bmi"/);
  });
});
