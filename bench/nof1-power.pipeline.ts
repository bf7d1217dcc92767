/**
 * The design-power grid the issue sizes (bench/nof1-power.ts times it): 24 designs (4 design kinds × 2, 3 or 4
 * cycles × no or a 2-day washout, 7-day periods, two treatments) × one effect size × one carryover × one drift,
 * 500 simulated series of 20 patients per cell, each analysed per patient (mean difference) and pooled by REML.
 */
import { study } from "../dsl/study.js";
import { DESIGN_KINDS } from "../steps/trials/design-document.js";
import { trialPowerGrid } from "../steps/trials/power.js";

const replicates = Number(process.env["NOF1_POWER_REPLICATES"] ?? 500);

export default study("nof1-power-bench", (s) => {
  const designs = DESIGN_KINDS.flatMap((design) =>
    [2, 3, 4].flatMap((cycles) =>
      [0, 2].map((washoutDays) => ({ label: `${design}-c${cycles}-w${washoutDays}`, treatments: ["A", "B"], design, cycles, periodDays: 7, washoutDays, ...(design === "randomized" ? { maxRun: 2 } : {}) })),
    ),
  );
  trialPowerGrid(s, {
    designs,
    effectSizes: [0.5],
    carryover: [{ onsetTime: 1, washoutTime: 1 }],
    driftSd: [0.05],
    model: { effect: { sd: 0.5 }, interceptSd: 1, processRho: 0.3, processSd: 0.5, measurementSd: 1, missingRate: 0.05 },
    patients: 20,
    replicates,
    targetPower: 0.8,
  });
});
