/**
 * An N-of-1 series and the hybrid check (issue 18; Konigorski et al.'s proposal that population models suggest
 * who benefits and N-of-1 trials confirm it, person by person):
 *   1. design: 40 patients, counterbalanced ABBA…, 3 cycles of 14-day periods with a 4-day washout, a 7-day
 *      baseline, seeded per patient;
 *   2. simulate: the mechanistic model (onset and washout time constants, baseline drift, AR(1) process noise,
 *      measurement noise, missing days, non-adherence); each patient's benefit of the new drug grows with their
 *      severity (a covariate), around a small mean;
 *   3. analyze each patient (paired mean difference over cycles, exact randomization test, AR(1) regression) and
 *      pool the series (REML and a seeded Gibbs sampler): shrunken individual effects, μ and τ;
 *   4. a population model: a parallel-group trial of 800 participants from the same covariate and effect
 *      generators, a T-learner of two logistic regressions (one per arm, target `responded`), scored on the N-of-1
 *      patients; its predicted benefit P(respond | drug, x) − P(respond | usual care, x) per patient;
 *   5. the hybrid check: is each patient's recommendation confirmed by their own trial? overall and by sex;
 *   6. a small power grid (this design against one with two cycles, at no effect and at the simulated mean effect,
 *      100 series each) and the report (HTML and Markdown).
 */
import { study, type StudyGraph } from "../dsl/study.js";
import { predict } from "../steps/predict/model-set.js";
import { sql } from "../steps/preprocess/sql.js";
import { reportTrial } from "../steps/report/trial-report.js";
import { stratifiedHoldout } from "../steps/split/holdout.js";
import { trainLogisticRegression } from "../steps/train/logistic-regression.js";
import { analyzeTrial } from "../steps/trials/analyze.js";
import { trialDesign } from "../steps/trials/design.js";
import { trialHybrid } from "../steps/trials/hybrid.js";
import { poolTrial } from "../steps/trials/pool.js";
import { trialPowerGrid } from "../steps/trials/power.js";
import { simulateParallelTrial } from "../steps/trials/simulate-parallel.js";
import { simulateTrial } from "../steps/trials/simulate.js";

export const TREATMENTS = ["usual care", "new drug"] as const;
export const PATIENTS = 40;
/** The minimal clinically important difference on the outcome scale (higher is better). */
export const MCID = 0.3;

const COVARIATES = [
  { name: "severity", kind: "normal", mean: 0, sd: 1 },
  { name: "female", kind: "binary", p: 0.5 },
] as const;
/** δ_i = 0.3 + 1.0 · severity_i + N(0, 0.2²): the benefit depends on the covariate. */
const EFFECT = { mean: 0.3, sd: 0.2, coefficients: { severity: 1 } };

/** The noise of every simulated day (the series and the power grid alike). */
const NOISE = { intercept: 5, interceptSd: 1, processRho: 0.3, processSd: 0.4, measurementSd: 0.8, missingRate: 0.05, nonAdherence: 0.02 };
const DESIGN = { treatments: TREATMENTS, design: "counterbalanced", cycles: 3, periodDays: 14, washoutDays: 4, baselineDays: 7 } as const;

export const nof1Series = (s: StudyGraph): void => {
  const design = trialDesign(s, { ...DESIGN, patients: PATIENTS }, { id: "design" });
  const simulated = simulateTrial(design, { covariates: COVARIATES, effect: EFFECT, onsetTime: 1, washoutTime: 1, driftSd: 0.03, ...NOISE }, { id: "simulate" });
  // Would a cheaper design have done? This design against two cycles, at no effect and at the simulated mean.
  const power = trialPowerGrid(s, {
    designs: [
      { label: "abba-3x14", ...DESIGN },
      { label: "abba-2x14", ...DESIGN, cycles: 2 },
    ],
    effectSizes: [0, EFFECT.mean],
    carryover: [{ onsetTime: 1, washoutTime: 1 }],
    driftSd: [0.03],
    model: { covariates: COVARIATES, effect: { sd: EFFECT.sd, coefficients: EFFECT.coefficients }, ...NOISE },
    patients: PATIENTS,
    replicates: 100,
    analysis: { primary: "mean-diff", mcid: MCID, better: "higher" },
    targetPower: 0.8,
  });
  const analysis = analyzeTrial(design.design, simulated.outcomes, { mcid: MCID, better: "higher", primary: "mean-diff" }, { id: "analyze" });
  const pooled = poolTrial(analysis.effects, analysis.summary, { gibbs: { draws: 2000, burnIn: 500, chains: 2 } }, { id: "pool" });

  const cohort = simulateParallelTrial(s, { treatments: TREATMENTS, participants: 800, covariates: COVARIATES, effect: EFFECT, intercept: 5, interceptSd: 1, measurementSd: 0.8, mcid: MCID }, { id: "parallel-trial" });
  const arm = (treatment: string, id: string) =>
    sql(
      s,
      {
        tables: { cohort },
        query: `SELECT participant, severity, female, responded FROM cohort WHERE arm = '${treatment}' ORDER BY participant`,
        columns: [
          { name: "participant", type: "string" },
          { name: "severity", type: "float" },
          { name: "female", type: "int" },
          { name: "responded", type: "int" },
        ],
      },
      { id },
    );
  // The N-of-1 patients with a string subgroup for the hybrid check (the models read severity and female).
  const patients = sql(
    s,
    {
      tables: { patients: simulated.patients },
      query: "SELECT patient, severity, female, CASE WHEN female = 1 THEN 'female' ELSE 'male' END AS sex FROM patients ORDER BY patient",
      columns: [
        { name: "patient", type: "string" },
        { name: "severity", type: "float" },
        { name: "female", type: "int" },
        { name: "sex", type: "string" },
      ],
    },
    { id: "patients" },
  );
  const outcomeModel = (treatment: string, name: string) => {
    const table = arm(treatment, `arm-${name}`);
    const split = stratifiedHoldout(table, { testFraction: 0.2, stratify: ["responded"] }, { id: `split-${name}`, seed: 2026 });
    const trained = trainLogisticRegression(table, split, { features: ["severity", "female"], target: "responded" }, { id: `train-${name}` });
    return predict(trained.models, patients, { id: `predict-${name}` });
  };
  const check = trialHybrid(
    { effects: analysis.effects, summary: analysis.summary, shrunken: pooled.shrunken, patients, referencePredictions: outcomeModel(TREATMENTS[0], "usual-care"), treatmentPredictions: outcomeModel(TREATMENTS[1], "new-drug") },
    { decideBy: "shrunken", subgroup: "sex", minCell: 5, confidentAbove: 0.2, bins: 5 },
    { id: "hybrid" },
  );
  reportTrial(
    { design: design.design, outcomes: simulated.outcomes, effects: analysis.effects, shrunken: pooled.shrunken, pooled: pooled.pooled, summary: analysis.summary, hybrid: check.hybrid, power },
    {
      title: "N-of-1 series: usual care against a new drug, and the hybrid check of a population model",
      notes: ["Simulated data: 40 N-of-1 patients whose benefit grows with severity, and an 800-participant parallel-group trial from the same generators for the population model."],
    },
    { id: "report" },
  );
};

export default study("nof1-series", (s) => nof1Series(s), { seed: 2026 });
