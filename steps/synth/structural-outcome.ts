/**
 * The outcome model of a structural spec, compiled: the cells (every combination of subgroup levels, first subgroup
 * slowest, in declaration order) and, per cell, the intercept and the coefficient of every term on the logit
 * scale, i.e. the base values plus the deviations of each of the cell's levels (added, in declaration order).
 *   logit P(y = 1 | x, cell) = intercept[cell] + Σ_t coefficient[cell][t]·x_t + Σ_k coef_k·x_{a_k}·x_{b_k}
 */
import { type StructuralSpec, outcomeTerms } from "./structural-spec.js";

export interface Term {
  readonly name: string;
  /** Index of the covariate the term reads. */
  readonly covariate: number;
  /** For `<categorical>=<level>`: the level's code (the term is the indicator); undefined for a numeric covariate. */
  readonly level: number | undefined;
}

export interface CompiledOutcome {
  readonly terms: readonly Term[];
  readonly cellCount: number;
  /** Code of each subgroup's level in cell c: cellLevels[c * subgroups + g]. */
  readonly cellLevels: Int32Array;
  readonly intercepts: Float64Array;
  /** coefficients[c * terms + t]. */
  readonly coefficients: Float64Array;
  readonly interactions: readonly { readonly a: number; readonly b: number; readonly coef: number }[];
}

export const compileOutcome = (spec: StructuralSpec): CompiledOutcome => {
  const terms: Term[] = outcomeTerms(spec.covariates).map((name) => {
    const covariate = spec.covariates.findIndex((c) => (c.kind === "categorical" ? name.startsWith(`${c.name}=`) && c.levels.includes(name.slice(c.name.length + 1)) : c.name === name));
    const c = spec.covariates[covariate]!;
    return { name, covariate, level: c.kind === "categorical" ? c.levels.indexOf(name.slice(c.name.length + 1)) : undefined };
  });
  const termIndex = new Map(terms.map((t, i) => [t.name, i]));
  const groups = spec.subgroups;
  const cellCount = groups.reduce((n, g) => n * g.levels.length, 1);
  const cellLevels = new Int32Array(cellCount * groups.length);
  const intercepts = new Float64Array(cellCount);
  const coefficients = new Float64Array(cellCount * terms.length);
  for (let cell = 0; cell < cellCount; cell++) {
    let rest = cell;
    for (let g = groups.length - 1; g >= 0; g--) {
      const k = groups[g]!.levels.length;
      cellLevels[cell * groups.length + g] = rest % k;
      rest = Math.floor(rest / k);
    }
    intercepts[cell] = spec.outcome.intercept;
    for (const [name, b] of Object.entries(spec.outcome.coefficients)) coefficients[cell * terms.length + termIndex.get(name)!] = b;
    for (const dev of spec.outcome.bySubgroup) {
      const g = groups.findIndex((x) => x.name === dev.subgroup);
      if (cellLevels[cell * groups.length + g] !== groups[g]!.levels.indexOf(dev.level)) continue;
      intercepts[cell] = intercepts[cell]! + dev.intercept;
      for (const [name, b] of Object.entries(dev.coefficients)) {
        const at = cell * terms.length + termIndex.get(name)!;
        coefficients[at] = coefficients[at]! + b;
      }
    }
  }
  const interactions = spec.outcome.interactions.map((it) => ({ a: termIndex.get(it.a)!, b: termIndex.get(it.b)!, coef: it.coef }));
  return { terms, cellCount, cellLevels, intercepts, coefficients, interactions };
};

/** The cell of each row from its subgroup level codes (first subgroup slowest, as in compileOutcome). */
export const cellsOf = (spec: StructuralSpec, codes: readonly Int32Array[], rows: number): Int32Array => {
  const cells = new Int32Array(rows);
  spec.subgroups.forEach((g, i) => {
    const k = g.levels.length;
    const code = codes[i]!;
    for (let r = 0; r < rows; r++) cells[r] = cells[r]! * k + code[r]!;
  });
  return cells;
};

/** A term's values on rows start..start+rows: the covariate's value, or the indicator of its level. */
const termValues = (term: Term, covariates: readonly (Float64Array | Int32Array)[], start: number, rows: number, out: Float64Array): Float64Array => {
  const column = covariates[term.covariate]!;
  if (term.level === undefined) {
    if (column instanceof Float64Array) return column.subarray(start, start + rows);
    for (let r = 0; r < rows; r++) out[r] = column[start + r]!;
  } else {
    const level = term.level;
    for (let r = 0; r < rows; r++) out[r] = column[start + r] === level ? 1 : 0;
  }
  return out.subarray(0, rows);
};

/** The coefficient of term t when every cell has the same one, else undefined. */
const sharedCoefficient = (model: CompiledOutcome, t: number): number | undefined => {
  const T = model.terms.length;
  const first = model.coefficients[t]!;
  for (let c = 1; c < model.cellCount; c++) if (model.coefficients[c * T + t] !== first) return undefined;
  return first;
};

/**
 * The logit of rows start..start+rows into eta[0..rows) (cells: those rows' cells): intercept, then the terms in
 * order, then the interactions in order, so the sum is the same in every process. `buffers` are two scratch
 * arrays of at least `rows` values.
 */
export const linearPredictor = (
  model: CompiledOutcome,
  covariates: readonly (Float64Array | Int32Array)[],
  start: number,
  rows: number,
  cells: Int32Array,
  eta: Float64Array,
  buffers: readonly [Float64Array, Float64Array],
): void => {
  const T = model.terms.length;
  for (let r = 0; r < rows; r++) eta[r] = model.intercepts[cells[r]!]!;
  for (let t = 0; t < T; t++) {
    const shared = sharedCoefficient(model, t);
    if (shared === 0) continue;
    const values = termValues(model.terms[t]!, covariates, start, rows, buffers[0]);
    if (shared !== undefined) for (let r = 0; r < rows; r++) eta[r] = eta[r]! + shared * values[r]!;
    else for (let r = 0; r < rows; r++) eta[r] = eta[r]! + model.coefficients[cells[r]! * T + t]! * values[r]!;
  }
  for (const it of model.interactions) {
    const a = termValues(model.terms[it.a]!, covariates, start, rows, buffers[0]);
    const b = termValues(model.terms[it.b]!, covariates, start, rows, buffers[1]);
    for (let r = 0; r < rows; r++) eta[r] = eta[r]! + it.coef * a[r]! * b[r]!;
  }
};
