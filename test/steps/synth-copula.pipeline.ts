/**
 * synth.fit + synth.sample on Cleveland, prepared as the heart studies do (pipelines/heart-common.ts), for
 * synth-copula.test.ts: one copula over every column, and one per subgroup with young_female oversampled.
 */
import { study } from "../../dsl/study.js";
import { CLEVELAND_COLUMNS, prepareCleveland } from "../../pipelines/heart-common.js";
import { readCsv } from "../../steps/ingest/csv.js";
import { fitSynth } from "../../steps/synth/fit.js";
import { sampleSynth } from "../../steps/synth/sample.js";

export const SYNTHETIC_ROWS = 3000;
export const BY_SUBGROUP_ROWS = 1000;
export const OVERSAMPLE = { young_female: 400 } as const;

export default study("synth-copula-cleveland", (s) => {
  const raw = readCsv(s, { path: "data/heart-cleveland/processed.cleveland.data", columns: CLEVELAND_COLUMNS, na: ["?"] }, { id: "ingest" });
  const { table } = prepareCleveland(raw);
  const copula = fitSynth(table, { method: "gaussian-copula" }, { id: "copula" });
  sampleSynth(copula, { n: SYNTHETIC_ROWS }, { id: "synthetic", seed: 11 });
  const bySubgroup = fitSynth(table, { method: "gaussian-copula", condition: "subgroup" }, { id: "copula-by-subgroup" });
  sampleSynth(bySubgroup, { n: BY_SUBGROUP_ROWS, oversample: OVERSAMPLE }, { id: "synthetic-by-subgroup", seed: 11 });
});
