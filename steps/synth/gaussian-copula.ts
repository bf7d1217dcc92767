/**
 * The Gaussian copula fitted to a real table (docs/references.md, "Gaussian copula fitted to a table"): each
 * column's empirical marginal, the latent correlation that reproduces the real Pearson correlations
 * (steps/synth/gaussian-copula-correlation.ts), and the missing rate of each column. Sampling draws correlated
 * standard normals (steps/synth/copula-normal.ts) and maps each through the column's inverse empirical CDF
 * (steps/synth/gaussian-copula-marginal.ts); missing cells are drawn afterwards at each column's rate,
 * independently of everything else.
 */
import type * as arrow from "apache-arrow";
import { type DenseColumn, denseFromCodes } from "../../artifacts/dense-column.js";
import { tableOfDense } from "../../artifacts/table.js";
import { normalQuantile } from "../evaluate/wilson.js";
import { choleskyFactor, correlateInPlace } from "./copula-normal.js";
import { latentCorrelation, shrinkToPositiveDefinite } from "./gaussian-copula-correlation.js";
import { codeColumn, codeOfScore, decodeColumn, scoreThresholds } from "./gaussian-copula-marginal.js";
import type { CopulaModel, GaussianCopulaGenerator, GeneratorColumn } from "./generator-document.js";
import { proportionalCounts } from "./level-counts.js";

/** Rows of normal scores drawn and correlated at once: bounds memory, and is part of the draw order. */
const CHUNK_ROWS = 1 << 16;

/** One copula over the given rows of the columns (all rows when undefined). */
const fitModel = (columns: readonly DenseColumn[], maxValues: number, rows: Int32Array | undefined, level: string | undefined): CopulaModel => {
  const coded = columns.map((c) => codeColumn(c, maxValues, rows));
  const count = rows?.length ?? columns[0]?.length ?? 0;
  const k = columns.length;
  const { matrix, shrinkage } = shrinkToPositiveDefinite(latentCorrelation(coded), k, (m) => choleskyFactor(m, k) !== undefined);
  return {
    ...(level === undefined ? {} : { level }),
    rows: count,
    marginals: coded.map((c) => c.marginal),
    missingRates: coded.map((c) => (count === 0 ? 0 : c.missing / count)),
    correlation: Array.from({ length: k }, (_, i) => Array.from(matrix.subarray(i * k, (i + 1) * k))),
    shrinkage,
  };
};

/** At most this many values per numeric marginal by default (gaussian-copula-marginal.ts, quantileKnots). */
export const DEFAULT_MAX_VALUES = 1000;

/**
 * Fits the copula to `columns` (the table's, in table order); with `condition` (a string column without missing
 * cells, one of `columns`), one copula per level over the other columns.
 */
export const fitGaussianCopula = (
  columns: readonly DenseColumn[],
  condition?: { readonly column: DenseColumn; readonly levels: readonly string[]; readonly codes: Int32Array },
  maxValues = DEFAULT_MAX_VALUES,
): GaussianCopulaGenerator => {
  const described: GeneratorColumn[] = columns.map((c) => ({ name: c.name, type: c.type }));
  const copulaColumns = columns.filter((c) => c.name !== condition?.column.name);
  if (condition === undefined) return { format: "strata-synth-generator/1", method: "gaussian-copula", columns: described, models: [fitModel(copulaColumns, maxValues, undefined, undefined)] };
  const models = condition.levels.map((level, l) => {
    const rows: number[] = [];
    condition.codes.forEach((c, r) => {
      if (c === l) rows.push(r);
    });
    return fitModel(copulaColumns, maxValues, Int32Array.from(rows), level);
  });
  return { format: "strata-synth-generator/1", method: "gaussian-copula", columns: described, condition: condition.column.name, models };
};

/** Value codes of `count` rows drawn from one model, one Int32Array per copula column (-1 = missing). */
const drawCodes = (model: CopulaModel, count: number, random: (stream: string) => () => number, fail: (problem: string) => never): Int32Array[] => {
  const k = model.marginals.length;
  const factor = choleskyFactor(Float64Array.from(model.correlation.flat()), k) ?? fail(`the correlation of ${model.level === undefined ? "the model" : `level ${JSON.stringify(model.level)}`} is not positive definite; refit the generator with synth.fit`);
  const thresholds = model.marginals.map(scoreThresholds);
  const suffix = model.level === undefined ? "" : `:${model.level}`;
  const uniform = random(`scores${suffix}`);
  const codes = Array.from({ length: k }, () => new Int32Array(count));
  const scores = new Float64Array(k * Math.min(count, CHUNK_ROWS));
  for (let start = 0; start < count; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, count - start);
    // 2^-33 moves the 32-bit uniforms off 0, so every quantile is finite.
    for (let at = 0; at < k * rows; at++) scores[at] = normalQuantile(uniform() + 2 ** -33);
    correlateInPlace(factor, k, scores, rows);
    for (let c = 0; c < k; c++) {
      const out = codes[c]!;
      const t = thresholds[c]!;
      for (let r = 0; r < rows; r++) out[start + r] = codeOfScore(t, scores[c * rows + r]!);
    }
  }
  const missing = random(`missing${suffix}`);
  model.missingRates.forEach((rate, c) => {
    if (rate === 0) return;
    const out = codes[c]!;
    for (let r = 0; r < count; r++) if (missing() < rate) out[r] = -1;
  });
  return codes;
};

/**
 * Rows drawn from the generator: counts[i] from model i, in model (level) order, as one table with the fitted
 * columns. Each model draws from its own streams ("scores:<level>", "missing:<level>"; no suffix unconditioned),
 * so the rows of one level do not depend on how many the others get.
 */
export const sampleCopulaCounts = (generator: GaussianCopulaGenerator, counts: readonly number[], random: (stream: string) => () => number, fail: (problem: string) => never): arrow.Table => {
  const levels = generator.models.map((m) => m.level ?? "");
  const blocks = generator.models.map((model, m) => {
    const codes = drawCodes(model, counts[m]!, random, fail);
    let c = 0;
    return tableOfDense(
      generator.columns.map((column) =>
        column.name === generator.condition ? denseFromCodes(column.name, new Int32Array(counts[m]!).fill(m), levels) : decodeColumn(column, model.marginals[c]!, codes[c++]!),
      ),
    );
  });
  return blocks.slice(1).reduce((all, block) => all.concat(block), blocks[0]!);
};

/** n rows drawn from the generator, shared among its models in proportion to their fitted rows. */
export const sampleCopula = (generator: GaussianCopulaGenerator, n: number, random: (stream: string) => () => number): arrow.Table =>
  sampleCopulaCounts(
    generator,
    proportionalCounts(generator.models.map((m) => m.rows), n),
    random,
    (problem) => {
      throw new RangeError(problem);
    },
  );
