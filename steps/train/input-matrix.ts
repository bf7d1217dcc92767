/**
 * Model inputs as one row-major float64 buffer: what the recipe produces and every trainer and predictor reads.
 * One buffer instead of an array per row keeps a million-row replicate at 8 bytes per cell, and hands tfjs and the
 * WebAssembly kernels a flat array without a per-row copy.
 */
export interface InputMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Cell (i, j) is data[i * cols + j]. */
  readonly data: Float64Array;
}

export const inputMatrix = (rows: number, cols: number, data: Float64Array = new Float64Array(rows * cols)): InputMatrix => {
  if (data.length !== rows * cols) throw new RangeError(`inputMatrix: ${data.length} cells for ${rows} × ${cols}`);
  return { rows, cols, data };
};

/** A matrix from rows given as arrays (tests, small documents). */
export const inputMatrixOfRows = (rows: readonly (readonly number[])[], cols: number): InputMatrix => {
  const m = inputMatrix(rows.length, cols);
  rows.forEach((row, i) => m.data.set(row, i * cols));
  return m;
};

/** Rounded to float32, cell by cell, as tfjs and the kernels read inputs. */
export const float32Cells = (m: InputMatrix): Float32Array => Float32Array.from(m.data);

/** Rows `index` of m, in that order. */
export const takeMatrixRows = (m: InputMatrix, index: ArrayLike<number>): InputMatrix => {
  const out = inputMatrix(index.length, m.cols);
  for (let i = 0; i < index.length; i++) out.data.set(m.data.subarray(index[i]! * m.cols, (index[i]! + 1) * m.cols), i * m.cols);
  return out;
};
