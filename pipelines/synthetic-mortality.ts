/**
 * A MIMIC-shaped synthetic stand-in for the seed paper's mortality study (Table 2 of "Towards personalized
 * healthcare without harm via bias modulation", SCSL @ ICLR 2025): 600 features, 14,681 training and 3,236 test
 * patients, test subgroups old_female 898, old_male 1016, young_female 432, young_male 616 as in the paper's Table 2,
 * with planted subgroup effects (pipelines/synthetic-mortality-common.ts). Generic vs DCP vs conditional bias in
 * the paper's table format, beside the paper's claim. A synthetic stand-in, not a replication: no MIMIC data is
 * used, and the paper's Table 2 numbers are not reproduced here (only its abstract's claim is available to us).
 * Too heavy for CI (its cost: bench/README.md, "Synthetic cohorts"); the small variant
 * test/pipelines/synthetic-mortality-small.pipeline.ts runs the same builder in the tests.
 */
import { study } from "../dsl/study.js";
import { LABEL_PREDICTOR_DEFAULTS } from "../steps/train/personalization-shared.js";
import { ATTRIBUTE_PREDICTOR } from "./heart-bias-modulation.js";
import { type SyntheticMortalitySettings, buildSyntheticMortality } from "./synthetic-mortality-common.js";

/** What every variant of the stand-in says of itself. */
export const STAND_IN_NOTE =
  "A SYNTHETIC STAND-IN, NOT A REPLICATION: the cohort is drawn by synth.structural with planted subgroup effects (no MIMIC data); only its sizes follow the paper's mortality study. The paper's Table 2 numbers are not reproduced here: they are not available to us, so only the abstract's claim is set beside our table.";
export const FEATURES_NOTE =
  "Features: age and sex are not separate columns here (they only define the subgroup), so Generic has no subgroup information, unlike the paper's.";

export const SYNTHETIC_MORTALITY: SyntheticMortalitySettings = {
  title: "Synthetic mortality stand-in (not MIMIC): conditional bias modulation vs DCP vs Generic",
  features: { continuous: 580, binary: 16, categorical: 4 },
  trainPatients: 14_681,
  testCounts: { old_female: 898, old_male: 1016, young_female: 432, young_male: 616, other: 274 },
  cvSeeds: [1],
  label: { ...LABEL_PREDICTOR_DEFAULTS, epochs: 20, batchSize: 128, patience: 3 },
  attribute: ATTRIBUTE_PREDICTOR,
  notes: [
    STAND_IN_NOTE,
    "Test patients: 898 / 1016 / 432 / 616 in old_female / old_male / young_female / young_male, as in the paper's Table 2. Those four sum to 2,962 of the paper's 3,236 test patients, so the other 274 (and their share of the 14,681 training patients) form a fifth subgroup, other, which the paper's table does not show. The holdout is stratified by subgroup only, so that each subgroup's test count is exact.",
    FEATURES_NOTE,
    "Label predictor of all three methods: the paper's 6 × 64 blocks (Linear → BatchNorm → ReLU → Dropout 0.2, Adam lr 0.001), but at most 20 epochs, batches of 128 and patience 3 (ours, for cost: see the deviations), and 5 replicates (five-fold CV with one seed) rather than 25; the attribute predictor is 6 × 64, as in our heart study.",
  ],
  deviations: [
    { node: "cv", param: "seeds", protocol: "five seeds (25 replicates), as in our heart study", reason: "cost: one replicate of the three methods on 14,681 × 600 takes minutes of CPU on this 2-core machine; one seed keeps the study under about 20 minutes" },
    { node: "train-generic", param: "epochs", protocol: "at most 100 epochs, batches of 32, patience 10 (our heart study's bounds; the paper gives none)", reason: "cost, as for cv.seeds" },
    { node: "train-cond-bias", param: "attribute.layers", protocol: "50 × 64 for the sensitive-attribute predictor (as written in the paper)", reason: "as in pipelines/heart-bias-modulation.ts: 50 × 64 is costly and did not learn the subgroup there" },
  ],
};

export default study("synthetic-mortality", (s) => buildSyntheticMortality(s, SYNTHETIC_MORTALITY));
