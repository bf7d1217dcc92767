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
