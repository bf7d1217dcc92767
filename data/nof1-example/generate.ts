/**
 * Writes data/nof1-example/trial.csv: a synthetic N-of-1 series in the long format of real trial exports, made by
 * Strata's own mechanistic model (see SOURCE.md). Run: node bin/run-ts.mjs data/nof1-example/generate.ts
 */
import * as fs from "node:fs";
import { Schema } from "effect";
import { seededRandom } from "../../engine/random.js";
import type { TrialDesign } from "../../steps/trials/design-document.js";
import { MechanisticModelSchema, simulateSeries } from "../../steps/trials/mechanistic-model.js";
import { patientIds } from "../../steps/trials/schedule.js";

const design: TrialDesign = { format: "strata-trial-design/1", treatments: ["placebo", "drug"], design: "alternating", cycles: 3, periodDays: 7, washoutDays: 2, baselineDays: 0, runInDays: 0 };
const model = Schema.decodeUnknownSync(MechanisticModelSchema)({
  covariates: [{ name: "age", kind: "normal", mean: 55, sd: 12 }, { name: "female", kind: "binary", p: 0.5 }],
  effect: { mean: -1.5, sd: 0.4, coefficients: { female: 1.2 } },
  onsetTime: 1, washoutTime: 1, intercept: 5, interceptSd: 1, driftSd: 0.05, processRho: 0.4, processSd: 0.5, measurementSd: 0.7, missingRate: 0.05,
});
const sim = simulateSeries(design, model, patientIds(12), (stream) => seededRandom(2026, stream));
const [age, female] = sim.covariates;
const lines = ["patient,day,treatment,outcome,age,female"];
const { days } = sim;
days.patients.forEach((id, p) => {
  for (let r = days.start[p]!; r < days.start[p + 1]!; r++) {
    const y = days.outcome![r]!;
    lines.push([id, days.day[r], design.treatments[days.treatment[r]!], Number.isNaN(y) ? "" : y.toFixed(3), Math.round(age!.values[p]!), female!.values[p]].join(","));
  }
});
fs.writeFileSync(new URL("./trial.csv", import.meta.url), `${lines.join("\n")}\n`);
