/**
 * Rare cases and clinical weights ("The Average Patient Fallacy", Azhir, Murphy & Estiri): on a synthetic cohort
 * with a planted rare, high-utility subgroup (data/rare-weighted/SOURCE.md: 5% of the patients, whose risk is
 * carried by a signal that is noise for everyone else), the same L2 logistic regression trained
 *   - unweighted (every row weighs 1: the reference),
 *   - with inverse-prevalence weights per subgroup, and
 *   - with clinical utility weights per (subgroup, label) cell, at a ladder of weight strengths,
 * one train node per weight so each is cached on its own (adding a strength trains only it). One evaluation
 * scores them all against the unweighted model: every metric per subgroup with bootstrap intervals, gains and
 * exact McNemar harm tests for every subgroup (what each weight costs whom), RCPG / RCCE, the prevalence-utility
 * rare cells (our definition) and net benefit per subgroup over a range of treatment thresholds.
 */
import { study, type StudyGraph } from "../dsl/study.js";
import { readCsv } from "../steps/ingest/csv.js";
import { stratifiedHoldout } from "../steps/split/holdout.js";
import { kfold } from "../steps/split/kfold.js";
import { trainLogisticRegression } from "../steps/train/logistic-regression.js";
import { evaluateSubgroupMetrics } from "../steps/evaluate/subgroup-metrics.js";
import { reportEvaluation } from "../steps/report/evaluation-report.js";

export const COHORT_COLUMNS = [
  { name: "patient", type: "int" },
  { name: "subgroup", type: "string" },
  { name: "x1", type: "float" },
  { name: "x2", type: "float" },
  { name: "x3", type: "float" },
  { name: "outcome", type: "int" },
] as const;

const FEATURES = ["x1", "x2", "x3", "subgroup"] as const;

/**
 * The clinical utility of each (subgroup, label) cell, as a deliberation panel would declare it: a missed rare
 * case costs ten times an ordinary decision. Undeclared cells have utility 1. Read by the utility weights and by
 * the prevalence-utility rarity definition alike.
 */
export const UTILITIES = [{ group: "rare", label: 1, utility: 10 }] as const;

/** Strengths s of the utility weights u(g, y)^s: 0 would be unweighted, 1 the declared utilities. */
export const UTILITY_STRENGTHS = [0.25, 0.5, 1] as const;

/** The study's nodes; `strengths` is the utility-weight ladder, one train node per rung. */
export const rareWeighted = (s: StudyGraph, strengths: readonly number[] = UTILITY_STRENGTHS): void => {
  const cohort = readCsv(s, { path: "data/rare-weighted/cohort.csv", columns: COHORT_COLUMNS, header: true }, { id: "ingest" });
  const holdout = stratifiedHoldout(cohort, { testFraction: 0.3, stratify: ["subgroup", "outcome"] }, { id: "holdout", seed: 2026 });
  const folds = kfold(cohort, holdout, { k: 5, seeds: [1, 2, 3], stratify: ["subgroup", "outcome"], subgroup: "subgroup", target: "outcome" }, { id: "cv" });
  const base = { features: FEATURES, target: "outcome", recipe: [{ step: "one-hot", columns: ["subgroup"] }, { step: "standardize" }] } as const;

  const predictions = {
    unweighted: trainLogisticRegression(cohort, folds, base, { id: "train-unweighted" }).predictions,
    "inverse-prevalence": trainLogisticRegression(cohort, folds, { ...base, weights: { scheme: "inverse-prevalence", subgroup: "subgroup" } }, { id: "train-inverse-prevalence" }).predictions,
    ...Object.fromEntries(
      strengths.map((strength) => [
        `utility-${strength}`,
        trainLogisticRegression(cohort, folds, { ...base, weights: { scheme: "utility", subgroup: "subgroup", utilities: UTILITIES, strength } }, { id: `train-utility-${strength}` })
          .predictions,
      ]),
    ),
  };

  const metrics = evaluateSubgroupMetrics(
    cohort,
    predictions,
    {
      target: "outcome",
      subgroup: "subgroup",
      reference: "unweighted",
      rareBelow: 0.1,
      minCell: 10,
      rarity: { utilities: UTILITIES, prevalenceBelow: 0.05, utilityAbove: 5 },
      netBenefit: { thresholds: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7] },
    },
    { id: "evaluate" },
  );
  reportEvaluation(metrics, { title: "Rare cases and clinical weights: unweighted, inverse-prevalence and utility-weighted logistic regression", keyMetrics: ["sensitivity", "specificity", "auroc", "ece"] }, { id: "report" });
};

export default study("rare-weighted", (s) => rareWeighted(s));
