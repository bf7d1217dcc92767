/**
 * Heart disease (UCI Cleveland), generic models evaluated per subgroup, following the seed paper's protocol
 * ("Towards personalized healthcare without harm via bias modulation", ICLR 2025 SCSL workshop):
 * drop the 6 rows with "?", ordinal-encode cp, thal, ca, slope and restecg, target num > 0, subgroups
 * age < 60 young / >= 60 old × sex, an 80:20 stratified holdout, and five-fold CV × seeds 1..5 on the training
 * part. Each of the 25 replicates trains on four folds (the fifth validates, for early stopping) and is scored
 * on the holdout; the report gives per-subgroup mean ± sd over the replicates, bootstrap intervals, calibration,
 * the MLP's gain over logistic regression with harm tests, and rare-case metrics (evaluate.subgroup-metrics and
 * report.evaluation: HTML, Markdown and JSON).
 */
import { study } from "../dsl/study.js";
import { trainLogisticRegression } from "../steps/train/logistic-regression.js";
import { trainMlp } from "../steps/train/mlp.js";
import { evaluateSubgroupMetrics } from "../steps/evaluate/subgroup-metrics.js";
import { reportEvaluation } from "../steps/report/evaluation-report.js";
import { FEATURES, heartCleveland } from "./heart-common.js";

export { CLEVELAND_COLUMNS, FEATURES } from "./heart-common.js";

export default study("heart-disease", (s) => {
  // ingest .. cv: shared with heart-bias-modulation.ts (same nodes, same cache keys)
  const { groups, folds } = heartCleveland(s);

  const logreg = trainLogisticRegression(groups.table, folds, { features: FEATURES, target: "target" }, { id: "train-logreg" });
  const mlp = trainMlp(groups.table, folds, { features: FEATURES, target: "target" }, { id: "train-mlp" });

  // Every metric per subgroup with bootstrap and Wilson intervals, the MLP's gain over logistic regression with harm
  // tests, rare subgroups (under 15% of the cohort; our definition) and small-cell flags (under 10 people).
  const metrics = evaluateSubgroupMetrics(
    groups.table,
    { logreg: logreg.predictions, mlp: mlp.predictions },
    { target: "target", subgroup: "subgroup", reference: "logreg", rareBelow: 0.15 },
    { id: "evaluate" },
  );
  reportEvaluation(metrics, { title: "Heart disease (UCI Cleveland): generic models by subgroup" }, { id: "report" });
});
