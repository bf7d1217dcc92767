/**
 * The synthetic mortality stand-in's builder, shared by pipelines/synthetic-mortality.ts (600 features, the seed
 * paper's 14,681 training and 3,236 test patients) and its small test variant
 * (test/pipelines/synthetic-mortality-small.pipeline.ts): only the sizes and training settings differ.
 *
 * Cohort (synth.structural): `features` columns shaped like an ICU extract: blocks of ten correlated labs and
 * vitals (neighbours correlated 0.4 on the copula scale; every fifth lognormal, like creatinine or lactate), a few
 * binary flags and categorical codes. The subgroup is one attribute, `cell`, with exact counts per level so the
 * holdout's test set holds exactly the requested patients per subgroup (see `cohortCounts`). A logistic outcome
 * (mortality, about 16 %) on a handful of the features; each subgroup but young_male and other has its own
 * planted deviation (`PLANTED`), so a model per subgroup, or a subgroup bias, can beat one pooled model.
 *
 * Protocol, the bias-modulation study's (pipelines/heart-bias-modulation.ts) at this scale: a holdout stratified by
 * subgroup with exact test counts (seed 2025), k-fold CV with the given seeds inside the training part (each
 * replicate early-stops on its fold and is scored on the same test patients), Generic (train.mlp), DCP
 * (train.dcp) and conditional bias (train.conditional-bias) with the same label predictor, evaluate.personalization
 * and report.personalization in the paper's Table format with the paper's claim beside it.
 */
import type { Deviation, StudyGraph } from "../dsl/study.js";
import { reportPersonalization } from "../steps/report/personalization-report.js";
import { stratifiedHoldout } from "../steps/split/holdout.js";
import { kfold } from "../steps/split/kfold.js";
import { defineSubgroups } from "../steps/subgroups/define.js";
import type { StructuralSpecInput } from "../steps/synth/structural-spec.js";
import { synthStructural } from "../steps/synth/structural.js";
import type { MlpHyperparameters } from "../steps/train/mlp-toolkit.js";
import type { Recipe } from "../steps/train/recipe.js";
import { SEED_METHOD_NAMES, seedMethods } from "./seed-methods.js";

/** The subgroups, in the paper's order, and "other": test patients outside the four (see the study's notes). */
export const GROUPS = ["old_female", "old_male", "young_female", "young_male", "other"] as const;
export type Group = (typeof GROUPS)[number];

/** The abstract's sentence on the mortality data set; Table 2's numbers are not available to us. */
export const PAPER_CLAIM = {
  source: "Towards personalized healthcare without harm via bias modulation, SCSL @ ICLR 2025, abstract (on Table 2)",
  text: "in the mortality dataset, it improves performance in two of the four sub-groups",
  method: "cond-bias",
} as const;

export interface SyntheticMortalitySettings {
  readonly title: string;
  /** Columns of the cohort used as features: continuous (in blocks of ten), binary and categorical (three levels). */
  readonly features: { readonly continuous: number; readonly binary: number; readonly categorical: number };
  readonly trainPatients: number;
  /** Test patients per subgroup, exactly. */
  readonly testCounts: { readonly [G in Group]: number };
  readonly cvSeeds: readonly number[];
  readonly label: MlpHyperparameters;
  readonly attribute: Partial<MlpHyperparameters>;
  readonly notes: readonly string[];
  readonly deviations: readonly Deviation[];
}

const pad = (i: number, width: number) => String(i).padStart(width, "0");
export const continuousName = (i: number) => `lab_${pad(i, 3)}`;
export const binaryName = (i: number) => `flag_${pad(i, 2)}`;
export const categoricalName = (i: number) => `code_${i}`;

/** Feature columns in cohort order. */
export const featureNames = (f: SyntheticMortalitySettings["features"]): string[] => [
  ...Array.from({ length: f.continuous }, (_, i) => continuousName(i + 1)),
  ...Array.from({ length: f.binary }, (_, i) => binaryName(i + 1)),
  ...Array.from({ length: f.categorical }, (_, i) => categoricalName(i + 1)),
];

/**
 * The planted rule on the logit scale: a shared rule on labs 1–12, two flags and one code, and per subgroup a
 * deviation (ours, chosen so that the pooled rule is wrong in three subgroups by different amounts).
 */
const BASE_COEFFICIENTS: Record<string, number> = {
  [continuousName(1)]: 1.8, [continuousName(2)]: -1.4, [continuousName(3)]: 1.2, [continuousName(4)]: 1,
  [continuousName(6)]: 1.6, [continuousName(7)]: -1, [continuousName(8)]: 0.8, [continuousName(11)]: 1.4,
  [continuousName(12)]: -1.2, [binaryName(1)]: 1.6, [binaryName(2)]: 1, [`${categoricalName(1)}=c`]: 1.4,
};
export const PLANTED: readonly { readonly level: Group; readonly intercept: number; readonly coefficients: Record<string, number> }[] = [
  // old_female: the effects of labs 1 and 2 reversed, lab 9 matters, a higher baseline risk
  { level: "old_female", intercept: 0.6, coefficients: { [continuousName(1)]: -3.6, [continuousName(2)]: 2.8, [continuousName(9)]: 2 } },
  // old_male: lab 6 matters twice as much, lab 13 matters
  { level: "old_male", intercept: 0.4, coefficients: { [continuousName(6)]: 1.6, [continuousName(13)]: 1.8 } },
  // young_female: lab 3 reversed, a lower baseline risk
  { level: "young_female", intercept: -0.5, coefficients: { [continuousName(3)]: -2.4, [continuousName(14)]: -1.6 } },
];
const INTERCEPT = -5;

/**
 * Cohort patients per subgroup such that a holdout with testFraction = test / (train + test), stratified by subgroup
 * alone, holds out exactly testCounts (split.holdout takes Math.round(n × testFraction) of each stratum). Throws
 * when the sizes admit no such counts (then change trainPatients by a few).
 */
export const cohortCounts = (settings: Pick<SyntheticMortalitySettings, "trainPatients" | "testCounts">): { counts: number[]; testFraction: number } => {
  const test = GROUPS.reduce((sum, g) => sum + settings.testCounts[g], 0);
  const total = settings.trainPatients + test;
  const testFraction = test / total;
  const counts = GROUPS.map((g) => Math.round(settings.testCounts[g] / testFraction));
  const exact = counts.reduce((a, b) => a + b, 0) === total && GROUPS.every((g, i) => Math.round(counts[i]! * testFraction) === settings.testCounts[g]);
  if (!exact) throw new Error(`synthetic mortality: ${settings.trainPatients} training patients give no exact split of test counts ${JSON.stringify(settings.testCounts)}; change trainPatients by a few`);
  return { counts, testFraction };
};

export const mortalitySpec = (settings: SyntheticMortalitySettings, counts: readonly number[]): StructuralSpecInput => {
  const f = settings.features;
  const continuous = Array.from({ length: f.continuous }, (_, i) =>
    (i + 1) % 5 === 0 ? { name: continuousName(i + 1), kind: "lognormal" as const, meanlog: 0, sdlog: 0.5 } : { name: continuousName(i + 1), kind: "normal" as const, mean: 0, sd: 1 },
  );
  const binary = Array.from({ length: f.binary }, (_, i) => ({ name: binaryName(i + 1), kind: "binary" as const, p: 0.05 + 0.05 * (i % 6) }));
  const categorical = Array.from({ length: f.categorical }, (_, i) => ({ name: categoricalName(i + 1), kind: "categorical" as const, levels: ["a", "b", "c"], probs: [0.5, 0.3, 0.2] }));
  // Neighbours within each block of ten continuous features (a tridiagonal block, positive definite for |ρ| < 0.5).
  const correlation = continuous.flatMap((c, i) => (i % 10 === 9 || i + 1 >= continuous.length ? [] : [{ a: c.name, b: continuous[i + 1]!.name, rho: 0.4 }]));
  return {
    n: counts.reduce((a, b) => a + b, 0),
    covariates: [...continuous, ...binary, ...categorical],
    correlation,
    subgroups: [{ name: "cell", levels: [...GROUPS], counts }],
    outcome: {
      name: "death",
      intercept: INTERCEPT,
      coefficients: BASE_COEFFICIENTS,
      bySubgroup: PLANTED.map((p) => ({ subgroup: "cell", ...p })),
      labelNoise: 0.02,
    },
  };
};

/** The cohort's sizes and planted effects, from the settings (so the small variant's report states its own). */
const cohortNote = (settings: SyntheticMortalitySettings): string => {
  const f = settings.features;
  const test = GROUPS.map((g) => `${g} ${settings.testCounts[g]}`).join(", ");
  return (
    `Cohort: ${f.continuous + f.binary + f.categorical} features (${f.continuous} continuous labs and vitals in correlated blocks of ten, every fifth lognormal; ${f.binary} binary flags; ${f.categorical} categorical codes, one-hot encoded), ` +
    `${settings.trainPatients} training patients and exactly ${test} test patients; mortality about 16 % (the full study draws 2,964 deaths in 17,917 patients), label noise 2 %. ` +
    "Planted (ours): old_female has the effects of lab_001 and lab_002 reversed, an extra lab_009 effect and a higher baseline risk; old_male a doubled lab_006 and an extra lab_013 effect; young_female lab_003 reversed, an extra lab_014 effect and a lower baseline risk; young_male and other follow the shared rule."
  );
};

export const buildSyntheticMortality = (s: StudyGraph, settings: SyntheticMortalitySettings): void => {
  const { counts, testFraction } = cohortCounts(settings);
  const { cohort } = synthStructural(s, mortalitySpec(settings, counts), { id: "cohort", seed: 17 });
  const groups = defineSubgroups(cohort, { rules: [{ column: "cell", levels: Object.fromEntries(GROUPS.map((g) => [g, g])) }], target: "death" }, { id: "subgroups" });
  // Stratified by subgroup only: stratifying by the outcome as well would round each subgroup's test count twice.
  const holdout = stratifiedHoldout(groups.table, { testFraction, stratify: ["subgroup"] }, { id: "holdout", seed: 2025 });
  const folds = kfold(groups.table, holdout, { k: 5, seeds: settings.cvSeeds, stratify: ["subgroup", "death"], subgroup: "subgroup", target: "death" }, { id: "cv" });

  const features = featureNames(settings.features);
  const recipe: Recipe = [{ step: "one-hot", columns: Array.from({ length: settings.features.categorical }, (_, i) => categoricalName(i + 1)) }, { step: "standardize" }];
  const common = { features, target: "death", recipe } as const;
  const { metrics } = seedMethods(s, groups.table, folds, common, { ...settings, k: 1 });
  reportPersonalization(
    metrics,
    groups.counts,
    { title: settings.title, names: SEED_METHOD_NAMES, notes: [...settings.notes, cohortNote(settings)], claim: PAPER_CLAIM },
    { id: "report" },
  );
};
