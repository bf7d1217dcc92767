/**
 * A "generator" built to copy rows, for synthetic-cleveland.test.ts: its synthetic table is Cleveland's training rows
 * themselves. Same upstream nodes as pipelines/synthetic-cleveland.ts (ingest .. real-test, by cache hit). The
 * report's minCell is 35, so the smallest subgroup (old_female, 31 training rows) is a small cell and its count
 * needs a complementary suppression.
 */
import { study } from "../../dsl/study.js";
import { heartCleveland, FEATURES } from "../../pipelines/heart-common.js";
import { CATEGORICAL, MIN_CELL, QUASI_IDENTIFIERS } from "../../pipelines/synthetic-cleveland.js";
import { evaluateSynthetic } from "../../steps/evaluate/synthetic/step.js";
import { reportSynthetic } from "../../steps/report/synthetic-report.js";
import { splitRows } from "../../steps/split/rows.js";

export const REPORT_MIN_CELL = 35;

export default study("synthetic-copy", (s) => {
  const { groups, holdout } = heartCleveland(s);
  const train = splitRows(groups.table, holdout, { role: "train" }, { id: "real-train" });
  const test = splitRows(groups.table, holdout, { role: "test" }, { id: "real-test" });
  const columns = [...FEATURES, "target"] as const;
  const evaluation = evaluateSynthetic(train, train, test, { columns, categorical: CATEGORICAL, subgroup: "subgroup", minCell: MIN_CELL, quasiIdentifiers: QUASI_IDENTIFIERS }, { id: "evaluate-copy" });
  reportSynthetic({ evaluations: [evaluation], real: train, synthetic: [train] }, { title: "A copying generator", generators: ["copy"], minCell: REPORT_MIN_CELL }, { id: "report" });
});
