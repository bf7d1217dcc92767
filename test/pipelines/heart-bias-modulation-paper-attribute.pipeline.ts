/**
 * pipelines/heart-bias-modulation.ts with the paper's sensitive-attribute predictor as written, 50 × 64 (the step's
 * default), instead of the pipeline's documented 6 × 64. Everything else is identical, so in a store that ran the main
 * study only train-cond-bias, evaluate and report run. It costs about 45 s of CPU per replicate on the 2-core bench
 * machine (about 19 min for 25 replicates): bench/RESULTS-heart-bias-modulation.md reports its table.
 *
 *   node bin/strata.mjs run test/pipelines/heart-bias-modulation-paper-attribute.pipeline.ts
 */
import { study } from "../../dsl/study.js";
import { HEART_BIAS_MODULATION, buildHeartBiasModulation } from "../../pipelines/heart-bias-modulation.js";

export default study("heart-bias-modulation-paper-attribute", (s) =>
  buildHeartBiasModulation(s, {
    ...HEART_BIAS_MODULATION,
    attribute: {},
    // The paper's predictor, so the main study's declared deviation does not apply here.
    deviations: [],
    notes: [
      ...HEART_BIAS_MODULATION.notes,
      "Sensitive-attribute predictor as the paper writes it: 50 × 64 blocks (the step's defaults: dropout 0.2, Adam 0.001, at most 100 epochs, batches of 32, patience 10).",
    ],
  }),
);
