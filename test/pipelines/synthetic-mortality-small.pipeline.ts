/** The synthetic mortality stand-in's builder at test size: 60 features, about 2,000 patients, few epochs. */
import { study } from "../../dsl/study.js";
import { SYNTHETIC_MORTALITY } from "../../pipelines/synthetic-mortality.js";
import { buildSyntheticMortality } from "../../pipelines/synthetic-mortality-common.js";

export default study("synthetic-mortality-small", (s) =>
  buildSyntheticMortality(s, {
    ...SYNTHETIC_MORTALITY,
    features: { continuous: 50, binary: 6, categorical: 4 },
    trainPatients: 1_641,
    testCounts: { old_female: 112, old_male: 127, young_female: 54, young_male: 77, other: 34 },
    label: { ...SYNTHETIC_MORTALITY.label, layers: [32, 32], epochs: 8 },
    attribute: { layers: [32, 32], epochs: 8 },
  }),
);
