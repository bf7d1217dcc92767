import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { makeTable } from "../../../artifacts/table.js";
import { DESIGN_KINDS, type TrialDesign } from "../../../steps/trials/design-document.js";
import { trialDesignStep } from "../../../steps/trials/design.js";
import { buildSchedule, patientIds } from "../../../steps/trials/schedule.js";
import { PHASES, readTrialDays } from "../../../steps/trials/trial-days.js";
import { seededRandom } from "../../../engine/random.js";
import { runStep } from "../../support/step-harness.js";

const base = { treatments: ["A", "B", "C"], cycles: 4, periodDays: 7, washoutDays: 2, baselineDays: 3, runInDays: 2 } as const;
const fail = (problem: string): never => {
  throw new Error(problem);
};

/** The treatment of each period of patient p, in period order. */
const periodTreatments = (days: ReturnType<typeof readTrialDays>, p: number): number[] => {
  const out: number[] = [];
  for (let r = days.start[p]!; r < days.start[p + 1]!; r++) if (days.period[r]! > out.length) out.push(days.treatment[r]!);
  return out;
};

describe("trial.design", () => {
  it.each(DESIGN_KINDS)("%s: each treatment `cycles` times, washout and baseline days marked, days consecutive", async (kind) => {
    const out = await runStep(trialDesignStep, {}, { ...base, design: kind, patients: 12, ...(kind === "randomized" ? { maxRun: 2 } : {}) }, 7);
    const doc = out.design as TrialDesign;
    expect(doc).toMatchObject({ format: "strata-trial-design/1", design: kind, cycles: 4 });
    const days = readTrialDays(out.schedule as arrow.Table, doc.treatments, fail);
    expect(days.patients).toEqual(patientIds(12));
    expect(days.patients[0]).toBe("P01");
    for (let p = 0; p < 12; p++) {
      const n = days.start[p + 1]! - days.start[p]!;
      expect(n).toBe(3 + 2 + 4 * 3 * 7);
      const order = periodTreatments(days, p);
      expect(order).toHaveLength(12);
      for (let t = 0; t < 3; t++) expect(order.filter((x) => x === t)).toHaveLength(4);
      for (let r = days.start[p]!, i = 0; r < days.start[p + 1]!; r++, i++) {
        expect(days.day[r]).toBe(i + 1);
        const expected = i < 3 ? "baseline" : i < 5 ? "run-in" : (i - 5) % 7 < 2 ? "washout" : "active";
        expect(PHASES[days.phase[r]!]).toBe(expected);
        if (i >= 5) expect(days.cycle[r]).toBe(Math.floor((days.period[r]! - 1) / 3) + 1);
      }
      if (kind === "alternating") for (let i = 3; i < 12; i++) expect(order[i]).toBe(order[i - 3]);
      if (kind === "counterbalanced") expect(order.slice(3, 6)).toEqual([...order.slice(0, 3)].reverse());
      if (kind === "randomized-cycles") for (let c = 0; c < 4; c++) expect([...order.slice(c * 3, c * 3 + 3)].sort()).toEqual([0, 1, 2]);
      if (kind === "randomized") {
        let run = 1;
        for (let i = 1; i < 12; i++) {
          run = order[i] === order[i - 1] ? run + 1 : 1;
          expect(run).toBeLessThanOrEqual(2);
        }
      }
    }
  });

  it("randomized with maxRun 1 for two treatments is strict alternation, and draws both orders", () => {
    const design: TrialDesign = { format: "strata-trial-design/1", ...base, treatments: ["A", "B"], design: "randomized", maxRun: 1 };
    const days = buildSchedule(design, patientIds(40), (s) => seededRandom(3, s));
    const firsts = new Set<number>();
    for (let p = 0; p < 40; p++) {
      const order = periodTreatments(days, p);
      for (let i = 1; i < order.length; i++) expect(order[i]).not.toBe(order[i - 1]);
      firsts.add(order[0]!);
    }
    expect([...firsts].sort()).toEqual([0, 1]);
  });

  it("randomized draws uniformly among the allowed sequences", () => {
    // 2 treatments × 2 cycles, maxRun 2: AABB ABAB ABBA BAAB BABA BBAA are the 6 sequences.
    const design: TrialDesign = { format: "strata-trial-design/1", treatments: ["A", "B"], design: "randomized", cycles: 2, periodDays: 1, washoutDays: 0, baselineDays: 0, runInDays: 0, maxRun: 2 };
    const ids = patientIds(6000);
    const days = buildSchedule(design, ids, (s) => seededRandom(11, s));
    const counts = new Map<string, number>();
    for (let p = 0; p < ids.length; p++) {
      const key = periodTreatments(days, p).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(120); // ~4 binomial sds
  });

  it("a patient's schedule depends on its id alone: adding patients leaves the others unchanged", () => {
    const design: TrialDesign = { format: "strata-trial-design/1", ...base, design: "randomized-cycles" };
    const small = buildSchedule(design, patientIds(5, "Q"), (s) => seededRandom(1, s));
    const large = buildSchedule(design, [...patientIds(5, "Q"), "Z1", "Z2"], (s) => seededRandom(1, s));
    expect(large.treatment.subarray(0, small.treatment.length)).toEqual(small.treatment);
  });

  it("takes patients from a table, in its order, and refuses a count beside it", async () => {
    const patients = makeTable([{ name: "patient", type: "string", values: ["x-9", "a-1"] }]);
    const out = await runStep(trialDesignStep, { patients }, { ...base, design: "alternating" });
    expect(readTrialDays(out.schedule as arrow.Table, base.treatments, fail).patients).toEqual(["x-9", "a-1"]);
    await expect(runStep(trialDesignStep, { patients }, { ...base, design: "alternating", patients: 3 })).rejects.toThrow(/either a patient count or a patients table/);
    const twice = makeTable([{ name: "patient", type: "string", values: ["a", "a"] }]);
    await expect(runStep(trialDesignStep, { patients: twice }, { ...base, design: "alternating" })).rejects.toThrow(/"a" is listed twice/);
  });

  it("refuses a washout as long as the period and maxRun outside the randomized design", async () => {
    await expect(runStep(trialDesignStep, {}, { ...base, design: "alternating", patients: 2, washoutDays: 7 })).rejects.toThrow(/washoutDays/);
    await expect(runStep(trialDesignStep, {}, { ...base, design: "alternating", patients: 2, maxRun: 1 })).rejects.toThrow(/maxRun/);
  });
});
