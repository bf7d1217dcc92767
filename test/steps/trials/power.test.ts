import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { columnValues } from "../../../artifacts/table.js";
import { trialPowerCellStep } from "../../../steps/trials/power-cell.js";
import { trialPowerStep } from "../../../steps/trials/power.js";
import { runStep } from "../../support/step-harness.js";

type Cell = Record<string, number | string | null | object>;
const design = { treatments: ["A", "B"], design: "alternating", cycles: 6, periodDays: 7 } as const;
const noise = { measurementSd: 1, interceptSd: 1 };
const cell = async (params: object, seed = 3): Promise<Cell> => (await runStep(trialPowerCellStep, {}, { label: "alt", design, patients: 40, replicates: 200, ...params }, seed)).cell as Cell;

describe("trial.power-cell", () => {
  // The windows (coverage 93–97 %, type I error 3–7 % over 200 series) are asserted on the analysis itself
  // in recovery.test.ts; here the cell's own bookkeeping: at δ = 0 a series either covers 0 or rejects, and both
  // rates lie within three binomial sds (≈ 4.6 points at 200 series) of the nominal 5 %.
  it("at δ = 0 over 200 seeded series: type I error = 1 − coverage, both near their nominal rates", async () => {
    const c = await cell({ model: { effect: { mean: 0, sd: 0.5 }, ...noise } });
    expect(c).toMatchObject({ format: "strata-trial-power-cell/1", replicates: 200, pooledSeries: 200, patientDays: 40 * 6 * 2 * 7, effectSize: 0 });
    expect(c.typeIError as number).toBeCloseTo(1 - (c.coverage as number), 12);
    expect(Math.abs((c.typeIError as number) - 0.05)).toBeLessThanOrEqual(0.046);
    expect(c.power as number).toBeLessThanOrEqual(c.typeIError as number); // one-sided share of the rejections
    expect(Math.abs(c.bias as number)).toBeLessThan(0.05);
  });

  it("power grows with the effect; the population mean counts covariate effects", async () => {
    const small = await cell({ model: { effect: { mean: 0.1, sd: 0.5 }, ...noise }, replicates: 50 });
    const large = await cell({ model: { effect: { mean: 0.3, sd: 0.5 }, ...noise }, replicates: 50 });
    expect(large.power as number).toBeGreaterThan((small.power as number) + 0.2);
    expect(small.typeIError).toBeNull();
    const covariate = await cell({ model: { effect: { mean: 0.1, coefficients: { female: 0.4 } }, covariates: [{ name: "female", kind: "binary", p: 0.5 }], ...noise }, replicates: 25 });
    expect(covariate.effectSize).toBeCloseTo(0.3, 12);
  });

  it("carryover without washout biases μ toward 0; a washout of three time constants removes most of the bias", async () => {
    const carry = { effect: { mean: 1, sd: 0.3 }, onsetTime: 2, washoutTime: 2, ...noise };
    const none = await cell({ model: carry, replicates: 50 });
    const washed = await cell({ model: carry, design: { ...design, washoutDays: 6 }, replicates: 50 });
    expect(none.bias as number).toBeLessThan(-0.15);
    expect(Math.abs(washed.bias as number)).toBeLessThan(0.25 * Math.abs(none.bias as number));
  });

  it("runs the AR(1) primary analysis too", async () => {
    const c = await cell({ model: { effect: { mean: 0.5, sd: 0.3 }, processRho: 0.5, processSd: 1, ...noise }, replicates: 10, analysis: { primary: "ar1" } });
    expect(c.analysis).toMatchObject({ primary: "ar1" });
    expect(c.pooledSeries).toBe(10);
    expect(c.power as number).toBeGreaterThan(0.5);
  });

  it("gives the same document for the same seed and counts lower-is-better benefit the other way", async () => {
    const params = { model: { effect: { mean: -0.4, sd: 0.2 }, ...noise }, replicates: 30, analysis: { better: "lower" } };
    const a = await cell(params);
    expect(await cell(params)).toEqual(a);
    expect(a.power as number).toBeGreaterThan(0.9);
    const wrongWay = await cell({ ...params, analysis: { better: "higher" } });
    expect(wrongWay.power).toBe(0);
  });
});

describe("trial.power", () => {
  it("tabulates the cells and names the cheapest design reaching the target in each scenario", async () => {
    const model = { effect: { mean: 0.4, sd: 0.3 }, ...noise };
    const cells = await Promise.all([
      runStep(trialPowerCellStep, {}, { label: "long", design: { ...design, cycles: 6 }, patients: 20, replicates: 25, model }, 1),
      runStep(trialPowerCellStep, {}, { label: "short", design: { ...design, cycles: 2 }, patients: 20, replicates: 25, model }, 1),
      runStep(trialPowerCellStep, {}, { label: "null", design, patients: 20, replicates: 25, model: { ...model, effect: { mean: 0 } } }, 1),
    ]);
    const docs = cells.map((c) => c.cell as Cell);
    const out = await runStep(trialPowerStep, { cells: docs as object[] }, { targetPower: 0.8 });
    const table = out.table as arrow.Table;
    expect(columnValues(table, "design")).toEqual(["long", "short", "null"]);
    expect(columnValues(table, "patient_days")).toEqual([20 * 84, 20 * 28, 20 * 84]);
    expect(columnValues(table, "type_i_error")[2]).toBe(docs[2]!.typeIError);
    const summary = out.summary as { cheapest: { design: string | null; effectSize: number }[] };
    expect(summary.cheapest).toHaveLength(1); // the δ = 0 scenario has no power to reach
    const reaching = docs.slice(0, 2).filter((d) => (d.power as number) >= 0.8).sort((a, b) => (a.patientDays as number) - (b.patientDays as number));
    expect(summary.cheapest[0]!.design).toBe(reaching[0]?.label ?? null);
    await expect(runStep(trialPowerStep, { cells: [{ format: "x" }] }, { targetPower: 0.8 })).rejects.toThrow(/inputs.cells\[0\].*strata-trial-power-cell\/1/);
  });
});
