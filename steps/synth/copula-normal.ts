/**
 * Correlated standard normal draws for a Gaussian copula: the Cholesky factor L of a correlation matrix R (R = LLᵀ),
 * and z = L·e for independent standard normals e, so that z ~ N(0, R). Matrices are row-major Float64Arrays of
 * k × k; the factor is lower triangular, and every sum runs in index order, so the draws are bit-identical in any
 * process. Shared by the generators that need correlated normal scores (synth.structural, the copula sampler).
 */

/** The Cholesky factor of a symmetric k × k matrix, or undefined when it is not positive definite. */
export const choleskyFactor = (matrix: Float64Array, k: number): Float64Array | undefined => {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * k + j]!;
      for (let m = 0; m < j; m++) sum -= l[i * k + m]! * l[j * k + m]!;
      if (i === j) {
        if (!(sum > 1e-12)) return undefined;
        l[i * k + i] = Math.sqrt(sum);
      } else {
        l[i * k + j] = sum / l[j * k + j]!;
      }
    }
  }
  return l;
};

/** The k × k correlation matrix with ones on the diagonal and the given symmetric off-diagonal entries. */
export const correlationMatrix = (k: number, entries: readonly { readonly i: number; readonly j: number; readonly rho: number }[]): Float64Array => {
  const r = new Float64Array(k * k);
  for (let i = 0; i < k; i++) r[i * k + i] = 1;
  for (const { i, j, rho } of entries) {
    r[i * k + j] = rho;
    r[j * k + i] = rho;
  }
  return r;
};

/**
 * Applies the factor in place to `rows` draws stored column-major (`scores[c * rows + r]` is variable c of draw r,
 * independent standard normals on entry, N(0, R) on exit). Column-major keeps each variable one contiguous run,
 * which is how the generators write their columns.
 */
export const correlateInPlace = (factor: Float64Array, k: number, scores: Float64Array, rows: number): void => {
  for (let i = k - 1; i >= 0; i--) {
    const diagonal = factor[i * k + i]!;
    const out = i * rows;
    for (let r = 0; r < rows; r++) scores[out + r] = diagonal * scores[out + r]!;
    for (let m = 0; m < i; m++) {
      const w = factor[i * k + m]!;
      if (w === 0) continue;
      const from = m * rows;
      for (let r = 0; r < rows; r++) scores[out + r] = scores[out + r]! + w * scores[from + r]!;
    }
  }
};
