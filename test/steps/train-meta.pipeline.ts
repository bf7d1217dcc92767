/** train.meta on the synthetic three-site table (test/fixtures/train-meta/), holding out Gamma, for train-meta-step.test.ts. */
import { study } from "../../dsl/study.js";
import { readCsv } from "../../steps/ingest/csv.js";
import { trainMeta } from "../../steps/train/meta/train-meta.js";

export const SITE_COLUMNS = [
  { name: "site", type: "string" },
  { name: "x1", type: "float" },
  { name: "x2", type: "float" },
  { name: "x3", type: "int" },
  { name: "target", type: "int" },
] as const;

export const META_STEP_OPTIONS = { iterations: 200, tasksPerIteration: 2, innerSteps: 3, innerLr: 0.2, outerLr: 0.5, supportSize: 10, querySize: 10, l2: 0.01 } as const;

export default study("train-meta-sites", (s) => {
  const table = readCsv(s, { path: "test/fixtures/train-meta/sites.csv", header: true, columns: SITE_COLUMNS }, { id: "ingest" });
  for (const method of ["reptile", "maml"] as const) {
    trainMeta(table, { site: "site", heldOut: "Gamma", features: ["x1", "x2", "x3"], target: "target", method, ...META_STEP_OPTIONS }, { id: `meta-${method}`, seed: 7 });
  }
});
