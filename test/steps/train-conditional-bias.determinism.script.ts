/**
 * Run by train-conditional-bias.test.ts and train-dcp.test.ts in a fresh process (node bin/run-ts.mjs): trains
 * conditional bias and DCP on a small planted case (also with sample weights) and prints the digests of their outputs
 * as one JSON line, so the tests can compare digests across processes.
 */
import type * as arrow from "apache-arrow";
import { canonicalJson } from "../../artifacts/canonical-json.js";
import { sha256Hex } from "../../artifacts/digest.js";
import { encodeParquet } from "../../artifacts/table.js";
import { conditionalBias } from "../../steps/train/conditional-bias.js";
import { dcp } from "../../steps/train/dcp.js";
import { runStep } from "../support/step-harness.js";
import { differentRuleTable, kFoldSplit } from "./train-conditional-bias.fixtures.js";

export const PERSONALIZATION_DETERMINISM_CASE = () => {
  const small = { layers: [8, 8], dropout: 0.2, learningRate: 0.01, epochs: 4, batchSize: 32, patience: 2 };
  return {
    table: differentRuleTable(160, 9),
    split: kFoldSplit(160, [1], 2),
    features: ["x0", "x1", "x2", "x3"],
    small,
    seed: 13,
  };
};

export const personalizationDigests = async (): Promise<Record<string, string>> => {
  const { table, split, features, small, seed } = PERSONALIZATION_DETERMINISM_CASE();
  const common = { features, target: "target", subgroup: "subgroup" };
  const cb = await runStep(conditionalBias, { table, split }, { ...common, label: small, attribute: small, k: 2 }, seed);
  const d = await runStep(dcp, { table, split }, { ...common, ...small }, seed);
  const weights = { scheme: "utility", subgroup: "subgroup", utilities: [{ group: "b", label: 1, utility: 4 }] };
  const cbWeighted = await runStep(conditionalBias, { table, split }, { ...common, label: small, attribute: small, k: 2, weights }, seed);
  const dWeighted = await runStep(dcp, { table, split }, { ...common, ...small, weights }, seed);
  return {
    condBiasModels: sha256Hex(canonicalJson(cb.models)),
    condBiasPredictions: sha256Hex(encodeParquet(cb.predictions as arrow.Table)),
    dcpModels: sha256Hex(canonicalJson(d.models)),
    dcpPredictions: sha256Hex(encodeParquet(d.predictions as arrow.Table)),
    dcpCross: sha256Hex(encodeParquet(d.cross as arrow.Table)),
    weightedCondBiasModels: sha256Hex(canonicalJson(cbWeighted.models)),
    weightedDcpModels: sha256Hex(canonicalJson(dWeighted.models)),
  };
};

if (process.argv[1]?.endsWith("train-conditional-bias.determinism.script.ts")) {
  process.stdout.write(`${JSON.stringify(await personalizationDigests())}\n`);
}
