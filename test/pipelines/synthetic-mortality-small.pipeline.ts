/** The synthetic mortality stand-in's builder at test size: 60 features, about 2,000 patients, few epochs. */
import { study } from "../../dsl/study.js";
import { FEATURES_NOTE, STAND_IN_NOTE, SYNTHETIC_MORTALITY } from "../../pipelines/synthetic-mortality.js";
import { buildSyntheticMortality } from "../../pipelines/synthetic-mortality-common.js";

export default study("synthetic-mortality-small", (s) =>
  buildSyntheticMortality(s, {
    ...SYNTHETIC_MORTALITY,
    features: { continuous: 50, binary: 6, categorical: 4 },
    trainPatients: 1_641,
    testCounts: { old_female: 112, old_male: 127, young_female: 54, young_male: 77, other: 34 },
    label: { ...SYNTHETIC_MORTALITY.label, layers: [32, 32], epochs: 8 },
    attribute: { layers: [32, 32], epochs: 8 },
    // The full study's notes state its own sizes and settings; this variant's figures say nothing about them.
    notes: [STAND_IN_NOTE, FEATURES_NOTE, "Test-size variant of pipelines/synthetic-mortality.ts: 60 features, 2,045 patients, 2 × 32 networks, at most 8 epochs."],
  }),
);
