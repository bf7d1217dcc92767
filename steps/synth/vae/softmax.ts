/** log Σ_i exp(o[at + i]) over one softmax block, shifted by the block's maximum so no exp overflows. */
export const blockLogSumExp = (o: Float64Array, at: number, width: number): number => {
  let max = -Infinity;
  for (let i = 0; i < width; i++) max = Math.max(max, o[at + i]!);
  let sum = 0;
  for (let i = 0; i < width; i++) sum += Math.exp(o[at + i]! - max);
  return max + Math.log(sum);
};
