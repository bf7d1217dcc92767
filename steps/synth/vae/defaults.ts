/**
 * The VAE's default options (ours, smaller than TVAE's 128-unit layers and 128-d latent so that 1,000 epochs on
 * 300 rows stay within seconds in float64 JS; TVAE's batch size 500, weight decay 1e-5 and loss factor 2).
 */
import type { VaeOptions } from "./train.js";

export const VAE_DEFAULTS: VaeOptions = { epochs: 1000, batchSize: 500, lr: 0.01, l2: 1e-5, lossFactor: 2, encoderHidden: [32], latent: 8, decoderHidden: [32] };
