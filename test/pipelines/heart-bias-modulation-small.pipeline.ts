/**
 * A small variant of pipelines/heart-bias-modulation.ts for the integration test: the same nodes, ids and upstream
 * (so ingest .. cv are the heart-disease study's, by cache hit), but smaller and shorter trainings so that the
 * 25 replicates × (Generic + 4 DCP models + conditional bias) train in about a minute on 2 cores.
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
