/**
 * Heart disease (UCI Cleveland), generic models evaluated per subgroup, following the seed paper's protocol
 * ("Towards personalized healthcare without harm via bias modulation", ICLR 2025 SCSL workshop):
 * drop the 6 rows with "?", ordinal-encode cp, thal, ca, slope and restecg, target num > 0, subgroups
 * age < 60 young / >= 60 old × sex, an 80:20 stratified holdout, and five-fold CV × seeds 1..5 on the training
 * part. Each of the 25 replicates trains on four folds (the fifth validates, for early stopping) and is scored
 * on the holdout; the report gives per-subgroup mean ± sd over the replicates.
 */
import { study } from "../dsl/study.js";
import { readCsv } from "../steps/ingest/csv.js";
import { dropMissing } from "../steps/preprocess/drop-missing.js";
import { ordinalEncode } from "../steps/preprocess/ordinal-encode.js";
import { binaryTarget } from "../steps/preprocess/binary-target.js";
import { defineSubgroups } from "../steps/subgroups/define.js";
import { stratifiedHoldout } from "../steps/split/holdout.js";
import { kfold } from "../steps/split/kfold.js";
import { trainLogisticRegression } from "../steps/train/logistic-regression.js";
import { trainMlp } from "../steps/train/mlp.js";
import { evaluateBySubgroup } from "../steps/evaluate/by-subgroup.js";
import { reportStudy } from "../steps/report/study-report.js";

/** The 14 columns of processed.cleveland.data, in file order (see data/heart-cleveland/SOURCE.md). */
export const CLEVELAND_COLUMNS = [
  { name: "age", type: "float" },
  { name: "sex", type: "float" },
  { name: "cp", type: "float" },
  { name: "trestbps", type: "float" },
  { name: "chol", type: "float" },
  { name: "fbs", type: "float" },
  { name: "restecg", type: "float" },
  { name: "thalach", type: "float" },
  { name: "exang", type: "float" },
  { name: "oldpeak", type: "float" },
  { name: "slope", type: "float" },
  { name: "ca", type: "float" },
  { name: "thal", type: "float" },
  { name: "num", type: "float" },
] as const;

export const FEATURES = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak", "slope", "ca", "thal"] as const;

export default study("heart-disease", (s) => {
  const raw = readCsv(s, { path: "data/heart-cleveland/processed.cleveland.data", columns: CLEVELAND_COLUMNS, na: ["?"] }, { id: "ingest" });
  const complete = dropMissing(raw, {}, { id: "drop-missing" });
  const encoded = ordinalEncode(complete, { columns: ["cp", "thal", "ca", "slope", "restecg"] }, { id: "encode" });
  const labelled = binaryTarget(encoded, { column: "num", op: ">", value: 0, as: "target" }, { id: "target" });
  const groups = defineSubgroups(
    labelled,
    {
      rules: [
        { column: "age", cuts: [60], labels: ["young", "old"] },
        { column: "sex", levels: { "0": "female", "1": "male" } },
      ],
      target: "target",
    },
    { id: "subgroups" },
  );
  const holdout = stratifiedHoldout(groups.table, { testFraction: 0.2, stratify: ["subgroup", "target"] }, { id: "holdout", seed: 2025 });
  const folds = kfold(groups.table, holdout, { k: 5, seeds: [1, 2, 3, 4, 5], stratify: ["subgroup", "target"], subgroup: "subgroup", target: "target" }, { id: "cv" });

  const logreg = trainLogisticRegression(groups.table, folds, { features: FEATURES, target: "target" }, { id: "train-logreg" });
  const mlp = trainMlp(groups.table, folds, { features: FEATURES, target: "target" }, { id: "train-mlp" });

  const metrics = evaluateBySubgroup(groups.table, { logreg: logreg.predictions, mlp: mlp.predictions }, { target: "target", subgroup: "subgroup" }, { id: "evaluate" });
  reportStudy(metrics, groups.counts, { title: "Heart disease (UCI Cleveland): generic models by subgroup" }, { id: "report" });
});
