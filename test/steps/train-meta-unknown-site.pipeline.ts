/** train.meta holding out a site the table does not have, for the CLI user-error test in train-meta-step.test.ts. */
import { study } from "../../dsl/study.js";
import { readCsv } from "../../steps/ingest/csv.js";
import { trainMeta } from "../../steps/train/meta/train-meta.js";
import { SITE_COLUMNS } from "./train-meta.pipeline.js";

export default study("train-meta-unknown-site", (s) => {
  const table = readCsv(s, { path: "test/fixtures/train-meta/sites.csv", header: true, columns: SITE_COLUMNS }, { id: "ingest" });
  trainMeta(table, { site: "site", heldOut: "Delta", features: ["x1", "x2", "x3"], target: "target" }, { id: "meta" });
});
