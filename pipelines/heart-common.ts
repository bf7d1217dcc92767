/**
 * The shared prefix of the heart-disease studies (UCI Cleveland), following the seed paper's protocol ("Towards
 * personalized healthcare without harm via bias modulation", ICLR 2025 SCSL workshop; docs/references.md): drop the 6
 * rows with "?", ordinal-encode cp, thal, ca, slope and restecg, target num > 0, subgroups age < 60 young / >= 60
 * old × sex, an 80:20 stratified holdout (seed 2025), and five-fold CV × seeds 1..5 on the training part.
 *
 * Every study that calls this builds the same nodes with the same ids, params and seeds, so their cache keys are
 * the same and a second study reuses the first one's ingest, preprocessing, subgroup and split artifacts by cache
 * hit. Change nothing here without meaning to invalidate all of them.
 */
import type { Columns, TableHandle } from "../dsl/handles.js";
import type { StudyGraph } from "../dsl/study.js";
import { readCsv } from "../steps/ingest/csv.js";
import { dropMissing } from "../steps/preprocess/drop-missing.js";
import { ordinalEncode } from "../steps/preprocess/ordinal-encode.js";
import { binaryTarget } from "../steps/preprocess/binary-target.js";
import { defineSubgroups } from "../steps/subgroups/define.js";
import { stratifiedHoldout } from "../steps/split/holdout.js";
import { kfold } from "../steps/split/kfold.js";

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

/** The Cleveland columns as a table type: what `prepareCleveland` needs of its input (it may hold more). */
type ClevelandTable = { readonly [K in (typeof CLEVELAND_COLUMNS)[number]["name"]]: "float" };

const prepare = (raw: TableHandle<ClevelandTable>) => {
  const complete = dropMissing(raw, {}, { id: "drop-missing" });
  const encoded = ordinalEncode(complete, { columns: ["cp", "thal", "ca", "slope", "restecg"] }, { id: "encode" });
  const labelled = binaryTarget(encoded, { column: "num", op: ">", value: 0, as: "target" }, { id: "target" });
  return defineSubgroups(
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
};
type Prepared = ReturnType<typeof prepare>;
type PreparedColumns = Prepared["table"]["columns"];

/**
 * Nodes drop-missing, encode, target and subgroups on a table with the Cleveland columns and any others (such as a
 * patient id): the protocol's preparation, written once for every heart study. The steps pass the other columns
 * through unchanged, which their typed builders cannot express for a generic table, hence the one cast.
 */
export const prepareCleveland = <E extends Columns = {}>(
  raw: TableHandle<ClevelandTable & E>,
): { readonly table: TableHandle<PreparedColumns & Omit<E, keyof PreparedColumns>>; readonly counts: Prepared["counts"] } =>
  prepare(raw) as Prepared & { readonly table: TableHandle<PreparedColumns & Omit<E, keyof PreparedColumns>> };

/** Nodes ingest, drop-missing, encode, target, subgroups, holdout and cv; returns the subgroups and the CV split. */
export const heartCleveland = (s: StudyGraph) => {
  const raw = readCsv(s, { path: "data/heart-cleveland/processed.cleveland.data", columns: CLEVELAND_COLUMNS, na: ["?"] }, { id: "ingest" });
  const groups = prepareCleveland(raw);
  const holdout = stratifiedHoldout(groups.table, { testFraction: 0.2, stratify: ["subgroup", "target"] }, { id: "holdout", seed: 2025 });
  const folds = kfold(groups.table, holdout, { k: 5, seeds: [1, 2, 3, 4, 5], stratify: ["subgroup", "target"], subgroup: "subgroup", target: "target" }, { id: "cv" });
  return { groups, holdout, folds };
};
