/**
 * A recurring retrain with a no-harm promotion gate: the Cleveland heart data arrives as monthly CSV batches in
 * data/heart-retrain/batches/. Each run reads the whole folder, splits it with a keyed holdout (a patient keeps
 * their role as batches are added), fits an L2 logistic regression on the training patients, and lets the
 * promotion gate compare it with the champion of the channel heart-retrain/logreg:champion on the test patients,
 * subgroup by subgroup (age < 60 / ≥ 60 × sex). After the run the engine promotes it only if no subgroup is
 * significantly harmed and no subgroup's accuracy drops by more than 5 points; the first model must reach 70 %.
 *
 * Run it by hand (`npx strata run pipelines/heart-retrain.ts`) or on a schedule
 * (`npx strata schedule create pipelines/heart-retrain.ts --id heart-nightly --cron "0 3 * * *"`). With no new
 * batch every node is a cache hit and nothing trains.
 */
import { study } from "../dsl/study.js";
import { promotionGate } from "../steps/evaluate/promotion-gate.js";
import { readCsv } from "../steps/ingest/csv.js";
import { stableHoldout } from "../steps/split/stable-holdout.js";
import { trainLogisticRegression } from "../steps/train/logistic-regression.js";
import { CLEVELAND_COLUMNS, FEATURES, prepareCleveland } from "./heart-common.js";

export const RETRAIN_CHANNEL = "heart-retrain/logreg:champion";

export default study(
  "heart-retrain",
  (s) => {
    const raw = readCsv(s, { path: "data/heart-retrain/batches/", columns: [{ name: "patient", type: "string" }, ...CLEVELAND_COLUMNS], header: true, na: ["?"] }, { id: "ingest" });
    const groups = prepareCleveland(raw);
    const split = stableHoldout(groups.table, { key: ["patient"], testFraction: 0.3 }, { id: "split" });
    const model = trainLogisticRegression(groups.table, split, { features: FEATURES, target: "target" }, { id: "train" });
    promotionGate(model.models, groups.table, split, { channel: RETRAIN_CHANNEL, target: "target", tolerance: 0.05, floor: 0.7, minCell: 5 }, { id: "gate" });
  },
  { seed: 2026 },
);
