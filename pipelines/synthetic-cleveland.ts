/**
 * A synthetic stand-in for UCI Cleveland: generators fitted on the heart studies' training rows, with fidelity,
 * privacy and utility (train on synthetic, test on real) per subgroup, in one report.
 *
 * Protocol: the heart-disease study's ingest, preprocessing, subgroups (age < 60 young / >= 60 old × sex), 80:20
 * stratified holdout and five-fold CV × seeds 1..5 (pipelines/heart-common.ts: the same nodes, so a store that ran
 * heart-disease.ts serves them by cache hit).
 * - Generators are fitted on the holdout's training rows only (split.rows), over the 13 features and the target,
 *   conditioned on the subgroup: a Gaussian copula per subgroup (so a synthetic row's age and sex agree with its
 *   subgroup), and a tabular VAE with the subgroup as a one-hot input (its defaults: 1,000 epochs, the coded
 *   categories modelled by their levels). The holdout's test rows are never seen by a generator: they are the
 *   privacy baseline and the test set.
 * - evaluate.synthetic: fidelity against the training rows (per column, per pair, per subgroup), privacy against the
 *   test rows as holdout; the ordinal codes (sex, cp, fbs, restecg, exang, slope, ca, thal) and the target are
 *   scored as categories; quasi-identifiers age, sex and cp for rare-combination disclosure.
 * - Utility: logistic regression (train.logistic-regression, default recipe, as in heart-disease.ts) trained in five-
 *   fold CV × seeds 1..5 on the real training rows (TRTR: the heart-disease study's own "train-logreg" node) and,
 *   the same way, on a synthetic table as large as the real cohort (so its CV training folds are as large as the real
 *   ones, about 190 rows); both model sets score the real test rows (predict.model-set) and evaluate.subgroup-metrics
 *   compares them per subgroup with TRTR as reference.
 *
 * minCell is 5, as in heart-bias-modulation.ts: old_female has 8 test people, and with 10 its utility row would be
 * hidden. The data are the public, de-identified UCI Cleveland file; the report prints aggregates and merged bins only.
 */
import { study } from "../dsl/study.js";
import type { StudyGraph } from "../dsl/study.js";
import type { MetricsHandle, TableHandle } from "../dsl/handles.js";
import { evaluateSubgroupMetrics } from "../steps/evaluate/subgroup-metrics.js";
import { evaluateSynthetic } from "../steps/evaluate/synthetic/step.js";
import { predict } from "../steps/predict/model-set.js";
import { reportSynthetic } from "../steps/report/synthetic-report.js";
import { stratifiedHoldout } from "../steps/split/holdout.js";
import { kfold } from "../steps/split/kfold.js";
import { splitRows } from "../steps/split/rows.js";
import { fitSynth } from "../steps/synth/fit.js";
import { sampleSynth } from "../steps/synth/sample.js";
import { trainLogisticRegression } from "../steps/train/logistic-regression.js";
import { FEATURES, heartCleveland } from "./heart-common.js";

/** Rows sampled per generator: the prepared Cleveland cohort's size, so TSTR's CV folds match TRTR's. */
export const SYNTHETIC_ROWS = 297;
export const MIN_CELL = 5;
export const CATEGORICAL = ["sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal", "target"] as const;
export const QUASI_IDENTIFIERS = ["age", "sex", "cp"] as const;

/** A generator of this study: its label and synth.fit's method params (the fitted columns and condition are the study's). */
export type GeneratorSpec = { readonly method: "gaussian-copula" } | { readonly method: "vae"; readonly epochs?: number; readonly categorical: readonly (typeof CATEGORICAL)[number][] };

export const GENERATORS: Readonly<Record<string, GeneratorSpec>> = {
  copula: { method: "gaussian-copula" },
  vae: { method: "vae", categorical: CATEGORICAL },
};

const CV = { k: 5, seeds: [1, 2, 3, 4, 5], stratify: ["subgroup", "target"], subgroup: "subgroup", target: "target" } as const;

export const buildSyntheticCleveland = (s: StudyGraph, generators: Readonly<Record<string, GeneratorSpec>>, rows: number): void => {
  // ingest .. cv: shared with heart-disease.ts (same nodes, same cache keys)
  const { groups, holdout, folds } = heartCleveland(s);
  const train = splitRows(groups.table, holdout, { role: "train" }, { id: "real-train" });
  const test = splitRows(groups.table, holdout, { role: "test" }, { id: "real-test" });
  const model = { features: FEATURES, target: "target" } as const;
  const trtr = trainLogisticRegression(groups.table, folds, model, { id: "train-logreg" });

  const evaluations: MetricsHandle[] = [];
  const synthetic: TableHandle[] = [];
  const scored = { trtr: predict(trtr.models, test, { id: "score-trtr" }) };
  for (const [label, spec] of Object.entries(generators)) {
    const generator = fitSynth(train, { ...spec, columns: [...FEATURES, "target"], condition: "subgroup" }, { id: `fit-${label}` });
    const rowsOf = sampleSynth(generator, { n: rows }, { id: `sample-${label}`, seed: 17 });
    evaluations.push(
      evaluateSynthetic(train, rowsOf, test, { columns: [...FEATURES, "target"], categorical: CATEGORICAL, subgroup: "subgroup", minCell: MIN_CELL, quasiIdentifiers: QUASI_IDENTIFIERS }, { id: `evaluate-${label}` }),
    );
    synthetic.push(rowsOf);
    const syntheticHoldout = stratifiedHoldout(rowsOf, { testFraction: 0.2, stratify: ["subgroup", "target"] }, { id: `holdout-${label}`, seed: 2025 });
    const syntheticFolds = kfold(rowsOf, syntheticHoldout, CV, { id: `cv-${label}` });
    const tstr = trainLogisticRegression(rowsOf, syntheticFolds, model, { id: `train-logreg-${label}` });
    Object.assign(scored, { [`tstr-${label}`]: predict(tstr.models, test, { id: `score-tstr-${label}` }) });
  }
  const utility = evaluateSubgroupMetrics(test, scored, { target: "target", subgroup: "subgroup", reference: "trtr", minCell: MIN_CELL }, { id: "evaluate-utility" });
  reportSynthetic(
    { evaluations, real: train, synthetic, utility },
    {
      title: "Synthetic Cleveland: fidelity, privacy and train-synthetic-test-real by subgroup",
      generators: Object.keys(generators),
      minCell: MIN_CELL,
      notes: [
        `Each generator (${Object.entries(generators).map(([label, g]) => `${label}: ${g.method}`).join(", ")}) is fitted on the holdout's training rows and conditioned on the subgroup; ${rows} synthetic rows are sampled (seed 17), as many as the prepared cohort, so TSTR's CV training folds are as large as TRTR's.`,
        "TRTR is the heart-disease study's logistic regression (five-fold CV × seeds 1..5 on the real training rows); TSTR is the same model and CV on the synthetic rows; both are scored on the same real test rows.",
        "minCell is 5 rather than 10 so that old_female (8 test people) is shown: public de-identified data, aggregates only.",
      ],
    },
    { id: "report" },
  );
};

export default study("synthetic-cleveland", (s) => buildSyntheticCleveland(s, GENERATORS, SYNTHETIC_ROWS));
