/**
 * A small variant of pipelines/heart-bias-modulation.ts for the integration and browser tests: the same nodes, ids
 * and upstream (so ingest .. cv are the heart-disease study's, by cache hit), built by the same function (so both
 * reports, the paper-format table and report-depth, are wired as in the full study), but smaller and shorter trainings
 * so that a cold run (25 replicates × (Generic + 4 DCP models + conditional bias), then the evaluations) takes about
 * a minute on 2 cores.
 */
import { study } from "../../dsl/study.js";
import { HEART_BIAS_MODULATION, buildHeartBiasModulation } from "../../pipelines/heart-bias-modulation.js";

const label = { layers: [16, 16], dropout: 0.2, learningRate: 0.01, epochs: 4, batchSize: 64, patience: 2 };

export default study("heart-bias-modulation-small", (s) =>
  buildHeartBiasModulation(s, {
    ...HEART_BIAS_MODULATION,
    label,
    attribute: { layers: [16, 16], epochs: 4, batchSize: 64, patience: 2, learningRate: 0.01 },
    notes: ["A small test variant: label and attribute predictors 16 × 16, at most 4 epochs. Not a replication."],
  }),
);
