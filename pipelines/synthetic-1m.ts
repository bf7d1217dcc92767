/**
 * One million planted patients through the heart-disease protocol with logistic regression: the size of
 * "Real cohort sizes" (bench/README.md) on a cohort whose truth is known. synth.structural draws a Cleveland-shaped
 * cohort (age band × sex subgroups in Cleveland's shares, twelve covariates, a planted outcome rule that differs in
 * old_female and young_female); then, as pipelines/heart-disease.ts does: an 80:20 holdout stratified by subgroup
 * and outcome (seed 2025), five-fold CV × seeds 1..5 inside the training part (25 replicates, each scored on the
 * same test rows), train.logistic-regression, evaluate.subgroup-metrics with 1000 bootstrap resamples and the
 * report; then evaluate.against-truth sets the per-subgroup figures beside the Bayes-optimal ones of the truth.
 *
 * The builder is a function of n: this study fixes 10^6, test/pipelines/synthetic-1m-small.pipeline.ts a small n
 * (same nodes and params otherwise). Cost: bench/README.md, "Synthetic cohorts".
 */
import { study } from "../dsl/study.js";
import type { StudyGraph } from "../dsl/study.js";
import { evaluateAgainstTruth } from "../steps/evaluate/against-truth.js";
import { evaluateSubgroupMetrics } from "../steps/evaluate/subgroup-metrics.js";
import { reportEvaluation } from "../steps/report/evaluation-report.js";
import { reportAgainstTruth } from "../steps/report/synthetic-report-truth.js";
import { stratifiedHoldout } from "../steps/split/holdout.js";
import { kfold } from "../steps/split/kfold.js";
import { synthStructural } from "../steps/synth/structural.js";
import { trainLogisticRegression } from "../steps/train/logistic-regression.js";

export const FEATURES_1M = ["trestbps", "chol", "thalach", "oldpeak", "ca", "cp_typical", "cp_atypical", "fbs", "restecg", "exang", "slope_flat", "thal_reversible"] as const;

/** The planted cohort of n patients (Cleveland's subgroup shares; coefficients ours, on standardized covariates). */
export const plantedHeartSpec = (n: number) =>
  ({
    n,
    covariates: [
      { name: "trestbps", kind: "normal", mean: 0, sd: 1 },
      { name: "chol", kind: "normal", mean: 0, sd: 1 },
      { name: "thalach", kind: "normal", mean: 0, sd: 1 },
      { name: "oldpeak", kind: "lognormal", meanlog: -0.5, sdlog: 0.8 },
      { name: "ca", kind: "lognormal", meanlog: -1, sdlog: 0.9 },
      { name: "cp_typical", kind: "binary", p: 0.08 },
      { name: "cp_atypical", kind: "binary", p: 0.17 },
      { name: "fbs", kind: "binary", p: 0.15 },
      { name: "restecg", kind: "binary", p: 0.5 },
      { name: "exang", kind: "binary", p: 0.33 },
      { name: "slope_flat", kind: "binary", p: 0.46 },
      { name: "thal_reversible", kind: "binary", p: 0.39 },
    ],
    correlation: [
      { a: "thalach", b: "oldpeak", rho: -0.35 },
      { a: "thalach", b: "exang", rho: -0.38 },
      { a: "oldpeak", b: "slope_flat", rho: 0.4 },
      { a: "trestbps", b: "chol", rho: 0.13 },
    ],
    subgroups: [{ name: "subgroup", levels: ["old_female", "old_male", "young_female", "young_male"], probs: [0.1, 0.22, 0.22, 0.46] }],
    outcome: {
      name: "target",
      intercept: -1.2,
      coefficients: { trestbps: 0.3, chol: 0.15, thalach: -0.7, oldpeak: 0.6, ca: 0.9, cp_typical: -0.9, cp_atypical: -1.1, fbs: 0.1, restecg: 0.2, exang: 0.9, slope_flat: 0.6, thal_reversible: 1.4 },
      bySubgroup: [
        // old_female: resting blood pressure matters three times as much, exercise angina not at all
        { subgroup: "subgroup", level: "old_female", intercept: 0.3, coefficients: { trestbps: 0.6, exang: -0.9 } },
        // young_female: a lower baseline risk and the thal defect reversed
        { subgroup: "subgroup", level: "young_female", intercept: -0.8, coefficients: { thal_reversible: -1.8 } },
        { subgroup: "subgroup", level: "old_male", intercept: 0.6 },
      ],
      labelNoise: 0.05,
    },
  }) as const;

export const buildSynthetic1m = (s: StudyGraph, n: number): void => {
  const { cohort, truth } = synthStructural(s, plantedHeartSpec(n), { id: "cohort", seed: 13 });
  const holdout = stratifiedHoldout(cohort, { testFraction: 0.2, stratify: ["subgroup", "target"] }, { id: "holdout", seed: 2025 });
  const folds = kfold(cohort, holdout, { k: 5, seeds: [1, 2, 3, 4, 5], stratify: ["subgroup", "target"], subgroup: "subgroup", target: "target" }, { id: "cv" });
  const logreg = trainLogisticRegression(cohort, folds, { features: FEATURES_1M, target: "target" }, { id: "train-logreg" });
  // As in heart-disease.ts: every metric per subgroup with bootstrap (1000 resamples) and Wilson intervals; rare
  // subgroups are those under 15% of the cohort (our definition).
  const metrics = evaluateSubgroupMetrics(cohort, { logreg: logreg.predictions }, { target: "target", subgroup: "subgroup", reference: "logreg", rareBelow: 0.15 }, { id: "evaluate" });
  reportEvaluation(metrics, { title: `Planted heart cohort (${n.toLocaleString("en-US")} synthetic patients): logistic regression by subgroup` }, { id: "report" });
  const comparison = evaluateAgainstTruth(truth, metrics, { subgroup: "subgroup" }, { id: "against-truth" });
  reportAgainstTruth(
    comparison,
    {
      title: `Planted heart cohort (${n.toLocaleString("en-US")} synthetic patients): logistic regression against the Bayes-optimal rule`,
      names: { logreg: "Logistic regression" },
      notes: [
        "Cohort: synth.structural, Cleveland's subgroup shares; the outcome rule differs in old_female (stronger resting blood pressure, no exercise-angina effect), young_female (lower baseline, thal defect reversed) and old_male (higher baseline). Logistic regression on the twelve covariates sees no subgroup, so it is expected to fall short of the Bayes rule where the rule differs.",
        "Test rows: the 20% holdout; 25 replicates (five-fold CV × 5 seeds) each scored on them; intervals are bootstrap intervals over test rows (1000 resamples).",
      ],
    },
    { id: "report-truth" },
  );
};

export default study("synthetic-1m", (s) => buildSynthetic1m(s, 1_000_000));
