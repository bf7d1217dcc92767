/**
 * Missingness of a structural cohort's covariates (ours). Each masked cell is set to null when a uniform draw u
 * falls below its probability π:
 *   MCAR  π = rate
 *   MAR   π = rate + 2·min(rate, 1 − rate)·(s − ½), s the rank score of the covariate `dependsOn` in the same row
 *   MNAR  the same, with s the rank score of the cell's own value
 * The rank score s is the value's position in its marginal distribution: Φ(z) for a normal or lognormal covariate
 * (z its copula normal score, a monotone function of the value), and the midpoint of its level's cumulative
 * probability interval for a binary or categorical one, (F(level⁻) + F(level))/2. Either way E[s] = ½ exactly, so
 * E[π] = rate, π stays in [0, 1], and π rises with the value (MAR: the other value) from max(0, 2·rate − 1) to
 * min(1, 2·rate).
 */
import { normalCdf } from "../evaluate/distributions.js";
import type { Covariate } from "./structural-spec.js";

/** The midpoint of each level's cumulative probability interval. */
const levelMidpoints = (probs: readonly number[]): Float64Array => {
  const mid = new Float64Array(probs.length);
  let below = 0;
  probs.forEach((p, i) => {
    mid[i] = below + p / 2;
    below += p;
  });
  return mid;
};

/**
 * Rank scores of one block of a covariate: from its copula normal scores (continuous) or its level codes (binary:
 * code 0/1 for levels [0, 1] with probs [1 − p, p]; categorical: the level index).
 */
export const rankScores = (covariate: Covariate, normalScores: Float64Array, codes: Int32Array | undefined, rows: number): Float64Array => {
  const s = new Float64Array(rows);
  if (covariate.kind === "normal" || covariate.kind === "lognormal") {
    for (let r = 0; r < rows; r++) s[r] = normalCdf(normalScores[r]!);
    return s;
  }
  const mid = levelMidpoints(covariate.kind === "binary" ? [1 - covariate.p, covariate.p] : covariate.probs);
  for (let r = 0; r < rows; r++) s[r] = mid[codes![r]!]!;
  return s;
};

/** π for a rank score s (MAR, MNAR); for MCAR call it with s = ½. */
export const missingProbability = (rate: number, s: number): number => rate + 2 * Math.min(rate, 1 - rate) * (s - 0.5);
