/**
 * An example study on data/example.csv (200 synthetic people: age, bmi, sex and a binary outcome): a logistic
 * regression evaluated per subgroup (female, male) with three-fold cross-validation, and a report in reports/.
 * Run it with `npx strata run pipelines/example.ts`; a second run reuses every node from the store.
 */
import { study } from "strata";
import { readCsv } from "strata/steps/ingest/csv";
import { dropMissing } from "strata/steps/preprocess/drop-missing";
import { defineSubgroups } from "strata/steps/subgroups/define";
import { stratifiedHoldout } from "strata/steps/split/holdout";
import { kfold } from "strata/steps/split/kfold";
import { trainLogisticRegression } from "strata/steps/train/logistic-regression";
import { evaluateSubgroupMetrics } from "strata/steps/evaluate/subgroup-metrics";
import { reportEvaluation } from "strata/steps/report/evaluation-report";

const COLUMNS = [
  { name: "age", type: "float" },
  { name: "bmi", type: "float" },
  { name: "sex", type: "float" },
  { name: "outcome", type: "int" },
] as const;

export default study("example", (s) => {
  const raw = readCsv(s, { path: "data/example.csv", columns: COLUMNS, header: true }, { id: "ingest" });
  const complete = dropMissing(raw, {}, { id: "drop-missing" });
  const groups = defineSubgroups(complete, { rules: [{ column: "sex", levels: { "0": "female", "1": "male" } }], target: "outcome" }, { id: "subgroups" });
  const holdout = stratifiedHoldout(groups.table, { testFraction: 0.25, stratify: ["subgroup", "outcome"] }, { id: "holdout", seed: 7 });
  const folds = kfold(groups.table, holdout, { k: 3, seeds: [1], stratify: ["subgroup", "outcome"], subgroup: "subgroup", target: "outcome" }, { id: "cv" });
  const logreg = trainLogisticRegression(groups.table, folds, { features: ["age", "bmi", "sex"], target: "outcome" }, { id: "train-logreg" });
  const metrics = evaluateSubgroupMetrics(groups.table, { logreg: logreg.predictions }, { target: "outcome", subgroup: "subgroup" }, { id: "evaluate" });
  reportEvaluation(metrics, { title: "Example study: logistic regression by subgroup" }, { id: "report" });
});
