/**
 * Run by train-*.test.ts in a fresh process (node bin/run-ts.mjs): trains both models on the shared fixtures (the MLP
 * also with sample weights, on both engines) and prints the digests of their outputs as one JSON line, so tests can
 * compare digests across processes.
 */
import { canonicalJson } from "../../artifacts/canonical-json.js";
import { sha256Hex } from "../../artifacts/digest.js";
import { encodeParquet } from "../../artifacts/table.js";
import type * as arrow from "apache-arrow";
import { logisticRegression } from "../../steps/train/logistic-regression.js";
import { mlp } from "../../steps/train/mlp.js";
import { runStep } from "../support/step-harness.js";
import { DETERMINISM_CASE } from "./train-fixtures.js";

export const trainDigests = async (): Promise<Record<string, string>> => {
  const { table, split, features, mlpParams, weights, seed } = DETERMINISM_CASE();
  const lr = await runStep(logisticRegression, { table, split }, { features, target: "target" }, seed);
  const nn = await runStep(mlp, { table, split }, { features, target: "target", ...mlpParams }, seed);
  const weighted = await runStep(mlp, { table, split }, { features, target: "target", ...mlpParams, weights }, seed);
  const weightedTfjs = await runStep(mlp, { table, split }, { features, target: "target", ...mlpParams, weights, engine: "tfjs" }, seed);
  return {
    lrPredictions: sha256Hex(encodeParquet(lr.predictions as arrow.Table)),
    lrModels: sha256Hex(canonicalJson(lr.models)),
    mlpPredictions: sha256Hex(encodeParquet(nn.predictions as arrow.Table)),
    mlpModels: sha256Hex(canonicalJson(nn.models)),
    weightedMlpPredictions: sha256Hex(encodeParquet(weighted.predictions as arrow.Table)),
    weightedMlpModels: sha256Hex(canonicalJson(weighted.models)),
    weightedTfjsMlpPredictions: sha256Hex(encodeParquet(weightedTfjs.predictions as arrow.Table)),
    weightedTfjsMlpModels: sha256Hex(canonicalJson(weightedTfjs.models)),
  };
};

if (process.argv[1]?.endsWith("train-determinism.script.ts")) {
  process.stdout.write(`${JSON.stringify(await trainDigests())}\n`);
}
