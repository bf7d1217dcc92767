import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { columnValues } from "../../../artifacts/table.js";
import { trialSimulateParallelStep } from "../../../steps/trials/simulate-parallel.js";
import { runStep } from "../../support/step-harness.js";

const params = {
  treatments: ["placebo", "drug"],
  participants: 401,
  covariates: [{ name: "severity", kind: "normal", mean: 0, sd: 1 }, { name: "female", kind: "binary", p: 0.5 }],
  effect: { mean: 1, sd: 0, coefficients: { severity: 0.8 } },
  intercept: 10,
  interceptSd: 2,
  measurementSd: 1,
  mcid: 0.5,
};
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("trial.simulate-parallel", () => {
  it("writes one row per participant: covariates, a 1:1 arm, the end-of-study outcome, response and true effect", async () => {
    const cohort = (await runStep(trialSimulateParallelStep, {}, params, 5)).cohort as arrow.Table;
    expect(cohort.schema.fields.map((f) => [f.name, String(f.type)])).toEqual([
      ["participant", "Utf8"], ["severity", "Float64"], ["female", "Int32"], ["arm", "Utf8"], ["outcome", "Float64"], ["responded", "Int32"], ["true_effect", "Float64"],
    ]);
    const arm = columnValues(cohort, "arm") as string[];
    expect(columnValues(cohort, "participant").slice(0, 2)).toEqual(["R001", "R002"]);
    expect(arm.filter((a) => a === "drug")).toHaveLength(200);
    const severity = columnValues(cohort, "severity") as number[];
    const effect = columnValues(cohort, "true_effect") as number[];
    severity.forEach((x, i) => expect(effect[i]).toBeCloseTo(1 + 0.8 * x, 12));
    const outcome = columnValues(cohort, "outcome") as number[];
    const treatedMean = mean(outcome.filter((_, i) => arm[i] === "drug"));
    const controlMean = mean(outcome.filter((_, i) => arm[i] === "placebo"));
    expect(Math.abs(treatedMean - controlMean - 1)).toBeLessThan(0.6); // sd of the difference ≈ 0.24
    const responded = columnValues(cohort, "responded") as number[];
    const rate = (a: string) => mean(responded.filter((_, i) => arm[i] === a));
    expect(rate("drug")).toBeGreaterThan(rate("placebo") + 0.2);
  });

  it("is the same cohort for the same seed and another for another seed", async () => {
    const a = (await runStep(trialSimulateParallelStep, {}, params, 5)).cohort as arrow.Table;
    const b = (await runStep(trialSimulateParallelStep, {}, params, 5)).cohort as arrow.Table;
    const c = (await runStep(trialSimulateParallelStep, {}, params, 6)).cohort as arrow.Table;
    expect(columnValues(b, "outcome")).toEqual(columnValues(a, "outcome"));
    expect(columnValues(c, "outcome")).not.toEqual(columnValues(a, "outcome"));
  });

  it("responds in the direction the outcome improves", async () => {
    const lower = (await runStep(trialSimulateParallelStep, {}, { ...params, effect: { mean: -3 }, better: "lower", covariates: [] }, 5)).cohort as arrow.Table;
    const arm = columnValues(lower, "arm");
    const responded = columnValues(lower, "responded") as number[];
    expect(mean(responded.filter((_, i) => arm[i] === "drug"))).toBeGreaterThan(0.8);
  });

  it("refuses a coefficient of an undeclared covariate and a reserved covariate name", async () => {
    await expect(runStep(trialSimulateParallelStep, {}, { ...params, effect: { mean: 1, coefficients: { bmi: 1 } } })).rejects.toThrow(/no covariate "bmi"/);
    await expect(runStep(trialSimulateParallelStep, {}, { ...params, covariates: [{ name: "arm", kind: "binary", p: 0.5 }], effect: { mean: 1 } })).rejects.toThrow(/reserved name/);
  });
});
