/**
 * Run by synth-vae.test.ts in fresh processes (node bin/run-ts.mjs): trains a small VAE on Cleveland and prints the
 * sha256 of its weight bytes and of 500 sampled rows as one JSON line.
 */
import { sha256Hex } from "../../artifacts/digest.js";
import { seededRandom } from "../../engine/random.js";
import { encodeRows, fitEncoding } from "../../steps/synth/vae/encoding.js";
import { sampleVae } from "../../steps/synth/vae/sample.js";
import { trainVae } from "../../steps/synth/vae/train.js";
import { clevelandColumns } from "./synth-vae-fixtures.js";

const bytes = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export const vaeDigests = (): { weights: string; sample: string } => {
  const { columns, n } = clevelandColumns();
  const encoding = fitEncoding(columns);
  const sex = columns.find((c) => c.name === "sex");
  const condition = sex?.kind === "categorical" ? { levels: sex.levels, index: sex.codes } : undefined;
  const data = { x: encodeRows(encoding, columns, n), n, layout: encoding.layout, ...(condition ? { condition } : {}) };
  const options = { epochs: 20, batchSize: 64, lr: 0.01, l2: 1e-5, lossFactor: 2, encoderHidden: [16, 8], latent: 4, decoderHidden: [8, 16] };
  const { weights } = trainVae(data, options, (stream) => seededRandom(5, stream));
  const levels = Int32Array.from({ length: 500 }, (_, i) => i % 2);
  return { weights: sha256Hex(bytes(weights.params)), sample: sha256Hex(bytes(sampleVae(weights, 500, seededRandom(5, "sample"), levels))) };
};

if (process.argv[1]?.endsWith("synth-vae-determinism.script.ts")) process.stdout.write(`${JSON.stringify(vaeDigests())}\n`);
