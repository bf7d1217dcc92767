/**
 * synth.fit method "vae" + synth.sample on Cleveland, prepared as the heart studies do (pipelines/heart-common.ts),
 * for synth-vae-cli.test.ts: one VAE over every column, and one conditioned on the subgroup with young_female
 * oversampled. 300 epochs keep the test fast; the defaults' 1,000 are measured by bench/synth-vae-cleveland.ts.
 */
import { study } from "../../dsl/study.js";
import { CLEVELAND_COLUMNS, prepareCleveland } from "../../pipelines/heart-common.js";
import { readCsv } from "../../steps/ingest/csv.js";
import { fitSynth } from "../../steps/synth/fit.js";
import { sampleSynth } from "../../steps/synth/sample.js";

export const SYNTHETIC_ROWS = 3000;
export const BY_SUBGROUP_ROWS = 1000;
export const OVERSAMPLE = { young_female: 400 } as const;
export const EPOCHS = 300;
/** Cleveland's coded categories, modelled by their levels. */
export const CATEGORICAL = ["sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal", "target"] as const;

export default study("synth-vae-cleveland", (s) => {
  const raw = readCsv(s, { path: "data/heart-cleveland/processed.cleveland.data", columns: CLEVELAND_COLUMNS, na: ["?"] }, { id: "ingest" });
  const { table } = prepareCleveland(raw);
  const vae = fitSynth(table, { method: "vae", epochs: EPOCHS, categorical: CATEGORICAL }, { id: "vae" });
  sampleSynth(vae, { n: SYNTHETIC_ROWS }, { id: "synthetic", seed: 11 });
  const bySubgroup = fitSynth(table, { method: "vae", epochs: EPOCHS, categorical: CATEGORICAL, condition: "subgroup" }, { id: "vae-by-subgroup" });
  sampleSynth(bySubgroup, { n: BY_SUBGROUP_ROWS, oversample: OVERSAMPLE }, { id: "synthetic-by-subgroup", seed: 11 });
});
