/**
 * The heart-disease protocol with logistic regression only, on a generated cohort (bench/scale.ts writes it):
 * ingest, drop-missing, encode, target, subgroups, holdout, cv, train-logreg, evaluate. The cohort size comes
 * from STRATA_SCALE_ROWS (default 100000), so one pipeline file serves every size; STRATA_SCALE_STOP=cv or
 * STRATA_SCALE_STOP=train-logreg ends the study after that node.
 */
import { study } from "../dsl/study.js";
import { CLEVELAND_COLUMNS, FEATURES, prepareCleveland } from "../pipelines/heart-common.js";
import { readCsv } from "../steps/ingest/csv.js";
import { stratifiedHoldout } from "../steps/split/holdout.js";
import { kfold } from "../steps/split/kfold.js";
import { trainLogisticRegression } from "../steps/train/logistic-regression.js";
import { evaluateSubgroupMetrics } from "../steps/evaluate/subgroup-metrics.js";

export const scaleRows = (): number => Number(process.env.STRATA_SCALE_ROWS ?? 100_000);
export const cohortFile = (rows: number): string => `bench/.data/cleveland-${rows}.csv`;

const stop = process.env.STRATA_SCALE_STOP ?? "";

export default study(`heart-scale-${scaleRows()}${stop ? `-to-${stop}` : ""}`, (s) => {
  // The nodes and params of heartCleveland (pipelines/heart-common.ts), on the generated file.
  const raw = readCsv(s, { path: cohortFile(scaleRows()), columns: CLEVELAND_COLUMNS, na: ["?"] }, { id: "ingest" });
  const groups = prepareCleveland(raw);
  const holdout = stratifiedHoldout(groups.table, { testFraction: 0.2, stratify: ["subgroup", "target"] }, { id: "holdout", seed: 2025 });
  const folds = kfold(groups.table, holdout, { k: 5, seeds: [1, 2, 3, 4, 5], stratify: ["subgroup", "target"], subgroup: "subgroup", target: "target" }, { id: "cv" });
  if (stop === "cv") return;
  const logreg = trainLogisticRegression(groups.table, folds, { features: FEATURES, target: "target" }, { id: "train-logreg" });
  if (stop === "train-logreg") return;
  evaluateSubgroupMetrics(groups.table, { logreg: logreg.predictions }, { target: "target", subgroup: "subgroup", rareBelow: 0.15 }, { id: "evaluate" });
});
