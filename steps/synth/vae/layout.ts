/**
 * The encoded row a VAE sees: a float64 vector of `width` values cut into blocks, one per modelled quantity.
 *   gaussian: one standardized numeric value, reconstructed by a Gaussian with a learned per-block σ;
 *   softmax:  a one-hot vector of `width` levels, reconstructed by a softmax over the decoder's logits.
 * Blocks are contiguous and in order, so block b starts where block b − 1 ends.
 */
export type VaeBlock = { readonly kind: "gaussian"; readonly offset: number } | { readonly kind: "softmax"; readonly offset: number; readonly width: number };

export interface VaeLayout {
  readonly width: number;
  readonly blocks: readonly VaeBlock[];
}

export const blockWidth = (block: VaeBlock): number => (block.kind === "gaussian" ? 1 : block.width);

/** How many gaussian blocks (one learned σ each) the layout has. */
export const gaussianCount = (layout: VaeLayout): number => layout.blocks.filter((b) => b.kind === "gaussian").length;

/** Throws a RangeError unless the blocks tile [0, width) in order with softmax widths ≥ 2. */
export const checkLayout = (layout: VaeLayout): void => {
  let next = 0;
  for (const [i, block] of layout.blocks.entries()) {
    if (block.offset !== next) throw new RangeError(`vae layout: block ${i} starts at ${block.offset}, expected ${next} (blocks must be contiguous)`);
    if (block.kind === "softmax" && (!Number.isInteger(block.width) || block.width < 2)) throw new RangeError(`vae layout: softmax block ${i} needs a whole width ≥ 2 (got ${block.width})`);
    next += blockWidth(block);
  }
  if (next !== layout.width || layout.width < 1) throw new RangeError(`vae layout: blocks cover ${next} values but the width is ${layout.width}`);
};
