/** A VAE fit that lists a string column as categorical: synth-vae-cli.test.ts expects one message and exit 1. */
import { study } from "../../dsl/study.js";
import { CLEVELAND_COLUMNS, prepareCleveland } from "../../pipelines/heart-common.js";
import { readCsv } from "../../steps/ingest/csv.js";
import { fitSynth } from "../../steps/synth/fit.js";

export default study("synth-vae-mistake", (s) => {
  const raw = readCsv(s, { path: "data/heart-cleveland/processed.cleveland.data", columns: CLEVELAND_COLUMNS, na: ["?"] }, { id: "ingest" });
  const { table } = prepareCleveland(raw);
  fitSynth(table, { method: "vae", epochs: 1, categorical: ["subgroup"] }, { id: "vae" });
});
