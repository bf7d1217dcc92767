/**
 * The four UCI heart-disease sites as separate centres, following FLamby's Fed-Heart-Disease protocol (Ogier du
 * Terrail et al., NeurIPS 2022 Datasets and Benchmarks; docs/references.md): the four processed files read with the
 * Cleveland column spec, one table with a `site` column, slope, ca and thal dropped, rows with a missing value
 * dropped (740 remain: Cleveland 303, Hungary 261, Switzerland 46, VA 130), cp and restecg one-hot (every level, so
 * the model is the same whichever level is first), target num > 0, and a per-centre stratified 66:34 split.
 *
 * The split draws with Strata's own streams, so its rows differ from FLamby's (which uses scikit-learn's
 * train_test_split); its sizes per centre and class follow from the rounding rule of split.holdout.
 */
import type { StudyGraph } from "../dsl/study.js";
import { readCsv } from "../steps/ingest/csv.js";
import { binaryTarget } from "../steps/preprocess/binary-target.js";
import { dropMissing } from "../steps/preprocess/drop-missing.js";
import { oneHot } from "../steps/preprocess/one-hot.js";
import { sql } from "../steps/preprocess/sql.js";
import { stratifiedHoldout } from "../steps/split/holdout.js";
import { CLEVELAND_COLUMNS } from "./heart-common.js";

/** Site name → its processed file; the order is the report's order. */
export const HEART_SITES = {
  Cleveland: "data/heart-cleveland/processed.cleveland.data",
  Hungary: "data/heart-uci-sites/processed.hungarian.data",
  Switzerland: "data/heart-uci-sites/processed.switzerland.data",
  VA: "data/heart-uci-sites/processed.va.data",
} as const;
export type HeartSite = keyof typeof HEART_SITES;
export const SITE_NAMES = Object.keys(HEART_SITES) as HeartSite[];

/** The columns FLamby keeps (slope, ca and thal are mostly missing outside Cleveland). */
const KEPT = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak"] as const;

/** The model's inputs after one-hot encoding, in table order. */
export const SITE_FEATURES = [
  "age",
  "sex",
  "cp_1",
  "cp_2",
  "cp_3",
  "cp_4",
  "trestbps",
  "chol",
  "fbs",
  "restecg_0",
  "restecg_1",
  "restecg_2",
  "thalach",
  "exang",
  "oldpeak",
] as const;

/** FLamby's test share per centre. */
export const SITE_TEST_FRACTION = 0.34;

/**
 * Ordering by every kept column after the site gives one defined order (rows equal in all of them are identical,
 * so a tie cannot change the table's bytes).
 */
const unionQuery = (): string =>
  [
    SITE_NAMES.map((site) => `SELECT '${site}' AS site, ${KEPT.join(", ")}, num FROM ${site.toLowerCase()}`).join("\nUNION ALL\n"),
    `ORDER BY site, ${KEPT.join(", ")}, num`,
  ].join("\n");

/**
 * Nodes ingest-<site> (four), sites (the union with a `site` column), drop-missing, one-hot, target and split (the
 * per-centre stratified 66:34 holdout, seed 2022). Returns the prepared table and the split.
 */
export const heartSites = (s: StudyGraph) => {
  const raw = Object.fromEntries(
    SITE_NAMES.map((site) => [site.toLowerCase(), readCsv(s, { path: HEART_SITES[site], columns: CLEVELAND_COLUMNS, na: ["?"] }, { id: `ingest-${site.toLowerCase()}` })]),
  );
  const union = sql(
    s,
    {
      tables: raw,
      query: unionQuery(),
      columns: [{ name: "site", type: "string" }, ...KEPT.map((name) => ({ name, type: "float" }) as const), { name: "num", type: "float" }],
    },
    { id: "sites" },
  );
  const complete = dropMissing(union, {}, { id: "drop-missing" });
  const encoded = oneHot(complete, { columns: ["cp", "restecg"], levels: { cp: [1, 2, 3, 4], restecg: [0, 1, 2] } }, { id: "one-hot" });
  const table = binaryTarget(encoded, { column: "num", op: ">", value: 0, as: "target" }, { id: "target" });
  const split = stratifiedHoldout(table, { testFraction: SITE_TEST_FRACTION, stratify: ["site", "target"] }, { id: "split", seed: 2022 });
  return { table, split };
};
