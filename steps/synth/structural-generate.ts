/**
 * Draws a structural cohort into typed columns, one random block of RANDOM_BLOCK_ROWS rows at a time, each block
 * from its own stream "rows:<block index>", so a row's values depend only on the seed, the spec and its block.
 * Within a block the uniforms are read in this order, each a run of one value per row of the block:
 *   1. per covariate (declaration order): an independent normal score, Φ⁻¹(u); the block's scores are then
 *      correlated by the Cholesky factor of the declared correlation (Gaussian copula, copula-normal.ts)
 *   2. per subgroup, then the site, drawn with probs: a level, the first whose cumulative probability exceeds u
 *   3. the outcome: y = 1 when u < P(y = 1 | x, cell) (structural-outcome.ts)
 *   4. label noise (only when labelNoise > 0): y flipped when u < labelNoise
 *   5. per missingness entry (declaration order): the cell is null when u < π (structural-missingness.ts)
 * An attribute with counts instead of probs draws nothing per row: its levels, counts[j] rows of level j, are
 * shuffled once over the whole cohort (Fisher-Yates from the stream "levels:<attribute>"), so its rows are
 * exchangeable but, unlike every other value, depend on n.
 * A covariate from its normal score z: normal mean + sd·z; lognormal exp(meanlog + sdlog·z); binary 1 when
 * z > Φ⁻¹(1 − p); categorical the first level j with z < Φ⁻¹(F_j), F_j its cumulative probability (the levels are
 * ordered by the copula, so a correlation with a categorical covariate is a correlation with its level order).
 */
import { normalQuantile } from "../evaluate/wilson.js";
import { standardNormal } from "../random-variates.js";
import { choleskyFactor, correlateInPlace, correlationMatrix } from "./copula-normal.js";
import { type CompiledOutcome, cellsOf, compileOutcome, linearPredictor } from "./structural-outcome.js";
import { missingProbability, rankScores } from "./structural-missingness.js";
import { type Attribute, RANDOM_BLOCK_ROWS, type StructuralSpec } from "./structural-spec.js";

/** A generated cohort as typed columns, before it becomes a table. */
export interface GeneratedCohort {
  readonly n: number;
  /** Per covariate: normal/lognormal values (Float64Array), binary 0/1 or categorical level codes (Int32Array). */
  readonly covariates: readonly (Float64Array | Int32Array)[];
  /** Per covariate: its validity bitmap when it has a missingness entry (bit set = present), else undefined. */
  readonly present: readonly (Uint8Array | undefined)[];
  /** Level codes per subgroup, in declaration order. */
  readonly subgroups: readonly Int32Array[];
  readonly site: Int32Array | undefined;
  /** The cell (combination of subgroup levels) of each row. */
  readonly cells: Int32Array;
  /** P(y = 1 | x, cell) from the outcome model, before label noise. */
  readonly probability: Float64Array;
  readonly outcome: Int32Array;
  readonly outcomeModel: CompiledOutcome;
}

/** The normal-score thresholds of a level distribution: Φ⁻¹ of each cumulative probability but the last (∞). */
const thresholds = (probs: readonly number[]): Float64Array => {
  const t = new Float64Array(probs.length - 1);
  let cumulative = 0;
  for (let j = 0; j < t.length; j++) {
    cumulative += probs[j]!;
    t[j] = cumulative <= 0 ? -Infinity : cumulative >= 1 ? Infinity : normalQuantile(cumulative);
  }
  return t;
};

const cumulative = (probs: readonly number[]): Float64Array => {
  const c = new Float64Array(probs.length);
  let total = 0;
  probs.forEach((p, j) => {
    total += p;
    c[j] = total;
  });
  c[probs.length - 1] = Infinity;
  return c;
};

const drawLevels = (cum: Float64Array | undefined, draw: () => number, out: Int32Array, start: number, rows: number): void => {
  if (cum === undefined) return; // an attribute with counts: assigned once, by countedLevels
  for (let r = 0; r < rows; r++) {
    const u = draw();
    let j = 0;
    while (u >= cum[j]!) j++;
    out[start + r] = j;
  }
};

/** Exactly counts[j] rows of level j, in a seeded random order. */
const countedLevels = (counts: readonly number[], n: number, draw: () => number): Int32Array => {
  const codes = new Int32Array(n);
  let row = 0;
  counts.forEach((count, j) => codes.fill(j, row, (row += count)));
  for (let i = n - 1; i > 0; i--) {
    const k = Math.floor(draw() * (i + 1));
    const t = codes[i]!;
    codes[i] = codes[k]!;
    codes[k] = t;
  }
  return codes;
};

/** An attribute's level codes: shuffled counts, or an array its block draws fill (undefined cumulative). */
const attributeLevels = (a: Attribute, n: number, random: (stream: string) => () => number): { codes: Int32Array; cumulative: Float64Array | undefined } =>
  "counts" in a ? { codes: countedLevels(a.counts, n, random(`levels:${a.name}`)), cumulative: undefined } : { codes: new Int32Array(n), cumulative: cumulative(a.probs) };

const setBit = (bitmap: Uint8Array, i: number): void => {
  bitmap[i >> 3] = bitmap[i >> 3]! | (1 << (i & 7));
};

export const generateCohort = (spec: StructuralSpec, random: (stream: string) => () => number, progress: (done: number) => void): GeneratedCohort => {
  const n = spec.n;
  const k = spec.covariates.length;
  const index = new Map(spec.covariates.map((c, i) => [c.name, i]));
  const factor = k === 0 ? new Float64Array(0) : choleskyFactor(correlationMatrix(k, spec.correlation.map(({ a, b, rho }) => ({ i: index.get(a)!, j: index.get(b)!, rho }))), k)!;
  const covariates = spec.covariates.map((c) => (c.kind === "normal" || c.kind === "lognormal" ? new Float64Array(n) : new Int32Array(n)));
  const levelThresholds = spec.covariates.map((c) => (c.kind === "categorical" ? thresholds(c.probs) : c.kind === "binary" ? thresholds([1 - c.p, c.p]) : undefined));
  const present = spec.covariates.map((c) => (spec.missingness.some((m) => m.column === c.name) ? new Uint8Array((n + 7) >> 3) : undefined));
  const subgroupLevels = spec.subgroups.map((g) => attributeLevels(g, n, random));
  const subgroups = subgroupLevels.map((l) => l.codes);
  const siteLevels = spec.site ? attributeLevels(spec.site, n, random) : undefined;
  const site = siteLevels?.codes;
  const model = compileOutcome(spec);
  const probability = new Float64Array(n);
  const outcome = new Int32Array(n);
  const cells = new Int32Array(n);
  const scores = new Float64Array(k * Math.min(n, RANDOM_BLOCK_ROWS));
  const eta = new Float64Array(Math.min(n, RANDOM_BLOCK_ROWS));
  const buffers = [new Float64Array(eta.length), new Float64Array(eta.length)] as const;
  let reported = 0;
  for (let block = 0, start = 0; start < n; block++, start += RANDOM_BLOCK_ROWS) {
    const rows = Math.min(RANDOM_BLOCK_ROWS, n - start);
    const draw = random(`rows:${block}`);
    for (let c = 0; c < k; c++) for (let r = 0; r < rows; r++) scores[c * rows + r] = standardNormal(draw);
    correlateInPlace(factor, k, scores, rows);
    spec.covariates.forEach((cov, c) => {
      const z = scores.subarray(c * rows, (c + 1) * rows);
      const out = covariates[c]!;
      if (cov.kind === "normal") for (let r = 0; r < rows; r++) out[start + r] = cov.mean + cov.sd * z[r]!;
      else if (cov.kind === "lognormal") for (let r = 0; r < rows; r++) out[start + r] = Math.exp(cov.meanlog + cov.sdlog * z[r]!);
      else {
        const t = levelThresholds[c]!;
        for (let r = 0; r < rows; r++) {
          let j = 0;
          while (j < t.length && z[r]! >= t[j]!) j++;
          out[start + r] = j;
        }
      }
    });
    for (const levels of subgroupLevels) drawLevels(levels.cumulative, draw, levels.codes, start, rows);
    if (siteLevels !== undefined) drawLevels(siteLevels.cumulative, draw, siteLevels.codes, start, rows);
    const blockCells = cellsOf(spec, subgroups.map((s) => s.subarray(start, start + rows)), rows);
    cells.set(blockCells, start);
    linearPredictor(model, covariates, start, rows, blockCells, eta, buffers);
    for (let r = 0; r < rows; r++) {
      const p = 1 / (1 + Math.exp(-eta[r]!));
      probability[start + r] = p;
      outcome[start + r] = draw() < p ? 1 : 0;
    }
    const noise = spec.outcome.labelNoise;
    if (noise > 0) for (let r = 0; r < rows; r++) if (draw() < noise) outcome[start + r] = 1 - outcome[start + r]!;
    for (const m of spec.missingness) {
      const c = index.get(m.column)!;
      const by = m.mechanism === "MAR" ? index.get(m.dependsOn!)! : c;
      const cov = spec.covariates[by]!;
      const codes = cov.kind === "binary" || cov.kind === "categorical" ? (covariates[by] as Int32Array).subarray(start, start + rows) : undefined;
      const s = m.mechanism === "MCAR" ? undefined : rankScores(cov, scores.subarray(by * rows, (by + 1) * rows), codes, rows);
      const bitmap = present[c]!;
      const out = covariates[c]!;
      for (let r = 0; r < rows; r++) {
        const pi = missingProbability(m.rate, s === undefined ? 0.5 : s[r]!);
        if (draw() < pi) out[start + r] = 0;
        else setBit(bitmap, start + r);
      }
    }
    if (start + rows - reported >= spec.rowGroup || start + rows === n) {
      reported = start + rows;
      progress(reported);
    }
  }
  return { n, covariates, present, subgroups, site, cells, probability, outcome, outcomeModel: model };
};
