/**
 * The studies whose results are committed in a study.lock beside them and held to it by CI
 * (test/audit/reference-locks.test.ts runs each with --frozen; `npm run locks` rewrites their locks). Each runs
 * cold in a fresh store, in this order, so later ones reuse earlier ones' shared nodes by cache hit.
 * pipelines/heart-bias-modulation.ts is left out: it trains for tens of minutes; its small variant has the same
 * nodes.
 */
export const REFERENCE_STUDIES = ["pipelines/heart-disease.ts", "pipelines/heart-retrain.ts", "test/pipelines/heart-bias-modulation-small.pipeline.ts", "pipelines/nof1-series.ts", "pipelines/synthetic-truth.ts"];
