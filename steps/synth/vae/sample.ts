/**
 * Drawing encoded rows from a trained VAE: z ~ N(0, I), decoded; a gaussian block's value is o + σ·N(0, 1) (TVAE
 * samples continuous values the same way), a softmax block's level is drawn from softmax(o) (TVAE takes the
 * argmax; drawing keeps rare levels at their modelled frequency, our choice). All draws come from one stream in a
 * fixed order: per chunk of rows, the chunk's latents row by row, then each row's blocks in layout order.
 */
import { standardNormal } from "../../trials/mechanistic-model.js";
import { parameterMap } from "./architecture.js";
import { createWorkspace, decodeForward, setDecoderInput } from "./network.js";
import { blockLogSumExp } from "./softmax.js";
import type { VaeWeights } from "./train.js";

const CHUNK_ROWS = 1024;

/**
 * n × layout.width encoded rows (one-hot softmax blocks, standardized gaussian values). `condition` gives each
 * row's level when the model is conditioned (required then, refused otherwise).
 */
export const sampleVae = (weights: VaeWeights, n: number, random: () => number, condition?: Int32Array): Float64Array => {
  const arch = weights.architecture;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`vae sample: n must be a whole number ≥ 0 (got ${n})`);
  if ((arch.conditionLevels > 0) !== (condition !== undefined)) throw new RangeError(arch.conditionLevels > 0 ? "vae sample: the model is conditioned, give a level per row" : "vae sample: the model is not conditioned");
  if (condition && condition.length !== n) throw new RangeError(`vae sample: ${condition.length} condition levels for ${n} rows`);
  if (condition) for (const level of condition) if (!(level >= 0 && level < arch.conditionLevels)) throw new RangeError(`vae sample: condition level ${level} outside 0 … ${arch.conditionLevels - 1}`);
  const map = parameterMap(arch);
  const params = weights.params;
  const width = arch.layout.width;
  const ws = createWorkspace(arch, map, Math.min(CHUNK_ROWS, Math.max(n, 1)));
  const latents = new Float64Array(ws.maxRows * arch.latent);
  const out = new Float64Array(n * width);
  for (let start = 0; start < n; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, n - start);
    for (let k = 0; k < rows * arch.latent; k++) latents[k] = standardNormal(random);
    setDecoderInput(arch, ws, latents, condition ? condition.subarray(start, start + rows) : null, rows);
    decodeForward(map, params, ws, rows);
    const o = ws.output;
    for (let r = 0; r < rows; r++) {
      let sigmaIndex = 0;
      const at = r * width;
      const to = (start + r) * width;
      for (const block of arch.layout.blocks) {
        const b = at + block.offset;
        if (block.kind === "gaussian") {
          out[to + block.offset] = o[b]! + Math.exp(params[map.logSigma + sigmaIndex]!) * standardNormal(random);
          sigmaIndex++;
        } else {
          const logSum = blockLogSumExp(o, b, block.width);
          let u = random();
          let level = block.width - 1;
          for (let i = 0; i < block.width - 1; i++) {
            u -= Math.exp(o[b + i]! - logSum);
            if (u < 0) {
              level = i;
              break;
            }
          }
          out[to + block.offset + level] = 1;
        }
      }
    }
  }
  return out;
};
