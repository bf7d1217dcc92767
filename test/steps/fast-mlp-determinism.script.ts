/**
 * Run by fast-mlp.test.ts in fresh processes (node bin/run-ts.mjs): trains the heart-shape MLP on the fast engine and
 * prints the sha256 of its encoded model and of its test probabilities' bytes as one JSON line.
 */
import { canonicalJson } from "../../artifacts/canonical-json.js";
import { sha256Hex } from "../../artifacts/digest.js";
import { trainMlpFast } from "../../steps/train/fast-mlp/mlp.js";
import { MLP_DEFAULTS } from "../../steps/train/mlp.js";
import { HEART_FEATURES, fixedReplicate, heartDataset, streamsContext } from "./fast-mlp-fixtures.js";

export const fastMlpDigests = (): { model: string; prob: string } => {
  const data = heartDataset();
  const trained = trainMlpFast(data, fixedReplicate(data.y.length, 7), { ...MLP_DEFAULTS, features: HEART_FEATURES }, streamsContext(3));
  return {
    model: sha256Hex(canonicalJson({ model: trained.model, training: trained.training })),
    prob: sha256Hex(new Uint8Array(trained.prob.buffer, trained.prob.byteOffset, trained.prob.byteLength)),
  };
};

if (process.argv[1]?.endsWith("fast-mlp-determinism.script.ts")) {
  process.stdout.write(`${JSON.stringify(fastMlpDigests())}\n`);
}
