/**
 * Mixed table columns ⇄ the VAE's encoded rows (our simplification of TVAE's transformer, which uses a
 * mode-specific Gaussian-mixture normalization for numeric columns):
 *   numeric:     standardized, (v − mean) / sd (population sd over present values; 1 when constant), one gaussian
 *                block; a column with missing values adds a softmax block [present, missing] and encodes a missing
 *                value as 0 (the mean). Decoded values are clamped to the observed [min, max] and rounded when every
 *                observed value is whole.
 *   categorical: level codes 0 … levels − 1, one softmax block over them; a column with missing values (code −1)
 *                has one more level, last, meaning missing.
 */
import type { VaeBlock, VaeLayout } from "./layout.js";

export type VaeColumnValues =
  | { readonly name: string; readonly kind: "numeric"; readonly values: Float64Array }
  | { readonly name: string; readonly kind: "categorical"; readonly levels: number; readonly codes: Int32Array };

export type VaeColumnSpec =
  | { readonly name: string; readonly kind: "numeric"; readonly mean: number; readonly sd: number; readonly min: number; readonly max: number; readonly integer: boolean; readonly missing: boolean }
  | { readonly name: string; readonly kind: "categorical"; readonly levels: number; readonly missing: boolean };

export interface VaeEncoding {
  readonly columns: readonly VaeColumnSpec[];
  readonly layout: VaeLayout;
}

const numericSpec = (name: string, values: Float64Array): VaeColumnSpec => {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let integer = true;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    count++;
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
    if (!Number.isInteger(v)) integer = false;
  }
  if (count === 0) throw new RangeError(`vae: numeric column "${name}" has no present value to fit`);
  const mean = sum / count;
  let squares = 0;
  for (const v of values) if (!Number.isNaN(v)) squares += (v - mean) * (v - mean);
  const sd = Math.sqrt(squares / count);
  return { name, kind: "numeric", mean, sd: sd > 0 ? sd : 1, min, max, integer, missing: count < values.length };
};

const categoricalWidth = (spec: { readonly levels: number; readonly missing: boolean }): number => spec.levels + (spec.missing ? 1 : 0);

export const layoutOf = (columns: readonly VaeColumnSpec[]): VaeLayout => {
  const blocks: VaeBlock[] = [];
  let offset = 0;
  for (const column of columns) {
    if (column.kind === "numeric") {
      blocks.push({ kind: "gaussian", offset });
      offset += 1;
      if (column.missing) {
        blocks.push({ kind: "softmax", offset, width: 2 });
        offset += 2;
      }
    } else {
      const width = categoricalWidth(column);
      blocks.push({ kind: "softmax", offset, width });
      offset += width;
    }
  }
  return { width: offset, blocks };
};

export const fitEncoding = (columns: readonly VaeColumnValues[]): VaeEncoding => {
  const specs = columns.map((c): VaeColumnSpec => (c.kind === "numeric" ? numericSpec(c.name, c.values) : { name: c.name, kind: "categorical", levels: c.levels, missing: c.codes.includes(-1) }));
  for (const spec of specs) if (spec.kind === "categorical" && categoricalWidth(spec) < 2) throw new RangeError(`vae: categorical column "${spec.name}" has a single value; leave a constant column out`);
  return { columns: specs, layout: layoutOf(specs) };
};

/** n × layout.width encoded rows of `columns` (in the encoding's column order). */
export const encodeRows = (encoding: VaeEncoding, columns: readonly VaeColumnValues[], n: number): Float64Array => {
  const width = encoding.layout.width;
  const x = new Float64Array(n * width);
  let offset = 0;
  for (const [c, spec] of encoding.columns.entries()) {
    const column = columns[c]!;
    if (spec.kind === "numeric" && column.kind === "numeric") {
      for (let r = 0; r < n; r++) {
        const v = column.values[r]!;
        if (Number.isNaN(v)) x[r * width + offset + 2] = 1;
        else {
          x[r * width + offset] = (v - spec.mean) / spec.sd;
          if (spec.missing) x[r * width + offset + 1] = 1;
        }
      }
      offset += spec.missing ? 3 : 1;
    } else if (spec.kind === "categorical" && column.kind === "categorical") {
      for (let r = 0; r < n; r++) {
        const code = column.codes[r]!;
        x[r * width + offset + (code < 0 ? spec.levels : code)] = 1;
      }
      offset += categoricalWidth(spec);
    } else throw new RangeError(`vae: column "${spec.name}" was fitted as ${spec.kind}, given as ${column.kind}`);
  }
  return x;
};

/** The decoded columns of n encoded rows: numeric values (NaN when missing) and categorical level codes. */
export const decodeRows = (encoding: VaeEncoding, x: Float64Array, n: number): VaeColumnValues[] => {
  const width = encoding.layout.width;
  let offset = 0;
  return encoding.columns.map((spec): VaeColumnValues => {
    const at = offset;
    if (spec.kind === "numeric") {
      offset += spec.missing ? 3 : 1;
      const values = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        if (spec.missing && x[r * width + at + 2] === 1) values[r] = Number.NaN;
        else {
          const v = Math.min(spec.max, Math.max(spec.min, x[r * width + at]! * spec.sd + spec.mean));
          values[r] = spec.integer ? Math.round(v) : v;
        }
      }
      return { name: spec.name, kind: "numeric", values };
    }
    const blockWidth = categoricalWidth(spec);
    offset += blockWidth;
    const codes = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let level = 0;
      for (let i = 1; i < blockWidth; i++) if (x[r * width + at + i]! > x[r * width + at + level]!) level = i;
      codes[r] = level === spec.levels ? -1 : level;
    }
    return { name: spec.name, kind: "categorical", levels: spec.levels, codes };
  });
};
