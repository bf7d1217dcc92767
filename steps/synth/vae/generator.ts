/**
 * synth.fit method "vae" and its sampler: table columns to the VAE's encoding (./encoding.ts), training
 * (./train.ts), the generator document (./document.ts), and sampled rows back to typed table columns.
 *   float and int columns are numeric, except those listed in `categorical` (coded categories such as cp or thal,
 *   which a Gaussian fits badly); those and string and bool columns are categorical over their levels (the level
 *   order of the Gaussian copula's marginals, steps/synth/gaussian-copula-marginal.ts: numbers ascending);
 *   with a condition column, its level is a one-hot input of encoder and decoder, and each level's rows are
 *   sampled from the stream "vae/sample:<level>" ("vae/sample" unconditioned), so one level's rows do not depend
 *   on how many the others get.
 */
import type * as arrow from "apache-arrow";
import { type DenseColumn, denseFromCodes, denseFromValues, isValidAt } from "../../../artifacts/dense-column.js";
import { tableOfDense } from "../../../artifacts/table.js";
import { codeColumn, decodeColumn } from "../gaussian-copula-marginal.js";
import type { GeneratorColumn, Marginal, VaeGenerator } from "../generator-document.js";
import { parameterMap } from "./architecture.js";
import type { VaeColumnDocument } from "./document.js";
import { type VaeColumnSpec, type VaeColumnValues, decodeRows, encodeRows, fitEncoding, layoutOf } from "./encoding.js";
import { sampleVae } from "./sample.js";
import { type RandomStreams, type VaeOptions, type VaeWeights, trainVae } from "./train.js";

export interface FitCondition {
  readonly column: DenseColumn;
  readonly levels: readonly string[];
  readonly codes: Int32Array;
}

type LevelValues = readonly string[] | readonly boolean[] | readonly number[];

const isNumeric = (column: DenseColumn): boolean => column.type === "float" || column.type === "int";

/** The column as the VAE sees it, with the level values of a categorical one. */
const vaeColumn = (column: DenseColumn, asLevels: boolean): { values: VaeColumnValues; levels?: LevelValues } => {
  if (isNumeric(column) && !asLevels) {
    const source = column.values as Float64Array | Int32Array;
    const values = new Float64Array(column.length);
    for (let r = 0; r < column.length; r++) values[r] = isValidAt(column, r) ? source[r]! : Number.NaN;
    return { values: { name: column.name, kind: "numeric", values } };
  }
  // Every distinct value is a level: a cap of the column's length never applies.
  const coded = codeColumn(column, column.length);
  const levels = coded.marginal.kind === "levels" ? coded.marginal.levels : coded.marginal.values;
  return { values: { name: column.name, kind: "categorical", levels: levels.length, codes: coded.codes }, levels };
};

/**
 * `categorical` names float or int columns to model as levels; `fail` receives a problem with that list (the
 * field is params.categorical).
 */
export const fitVaeGenerator = (
  columns: readonly DenseColumn[],
  condition: FitCondition | undefined,
  options: VaeOptions & { readonly categorical?: readonly string[] },
  random: RandomStreams,
  fail: (problem: string) => never,
): VaeGenerator => {
  const described: GeneratorColumn[] = columns.map((c) => ({ name: c.name, type: c.type }));
  const asLevels = new Set(options.categorical ?? []);
  for (const name of asLevels) {
    const column = columns.find((c) => c.name === name);
    if (column === undefined || column.name === condition?.column.name) fail(`${JSON.stringify(name)} is not one of the fitted columns (${columns.filter((c) => c.name !== condition?.column.name).map((c) => c.name).join(", ")})`);
    if (!isNumeric(column)) fail(`column ${JSON.stringify(name)} is ${column.type}, already modelled by its levels; list only float or int columns`);
  }
  const modelled = columns.filter((c) => c.name !== condition?.column.name).map((c) => vaeColumn(c, asLevels.has(c.name)));
  const encoding = fitEncoding(modelled.map((m) => m.values));
  const n = columns[0]!.length;
  const x = encodeRows(encoding, modelled.map((m) => m.values), n);
  const trained = trainVae({ x, n, layout: encoding.layout, ...(condition ? { condition: { levels: condition.levels.length, index: condition.codes } } : {}) }, options, random);
  const documented = encoding.columns.map((spec, c): VaeColumnDocument => (spec.kind === "numeric" ? spec : { name: spec.name, kind: "categorical", levels: modelled[c]!.levels!, missing: spec.missing }));
  const levelRows = condition?.levels.map((level, l) => ({ level, rows: condition.codes.reduce((count, c) => count + (c === l ? 1 : 0), 0) }));
  return {
    format: "strata-synth-generator/1",
    method: "vae",
    columns: described,
    ...(condition ? { condition: condition.column.name, levels: levelRows! } : {}),
    rows: n,
    encoding: documented,
    network: { encoderHidden: [...options.encoderHidden], latent: options.latent, decoderHidden: [...options.decoderHidden] },
    training: { epochs: options.epochs, batchSize: options.batchSize, lr: options.lr, l2: options.l2, lossFactor: options.lossFactor, ...(options.epochs > 0 ? { finalLoss: trained.epochLoss[options.epochs - 1]! } : {}) },
    params: Array.from(trained.weights.params),
  };
};

const specOf = (column: VaeColumnDocument): VaeColumnSpec => (column.kind === "numeric" ? column : { name: column.name, kind: "categorical", levels: column.levels.length, missing: column.missing });

/** The trained weights the document holds; `fail` when its parameters do not fit its network. */
export const vaeWeightsOf = (generator: VaeGenerator, fail: (problem: string) => never): VaeWeights => {
  const architecture = {
    layout: layoutOf(generator.encoding.map(specOf)),
    conditionLevels: generator.levels?.length ?? 0,
    encoderHidden: generator.network.encoderHidden,
    latent: generator.network.latent,
    decoderHidden: generator.network.decoderHidden,
  };
  const size = parameterMap(architecture).size;
  if (generator.params.length !== size) fail(`the VAE has ${generator.params.length} parameters, its network needs ${size}; refit the generator with synth.fit`);
  return { architecture, params: Float64Array.from(generator.params) };
};

/** The condition levels and their fitted rows ([""] and all rows unconditioned), for steps/synth/level-counts.ts. */
export const vaeLevelRows = (generator: VaeGenerator): { levels: string[]; rows: number[] } =>
  generator.levels ? { levels: generator.levels.map((l) => l.level), rows: generator.levels.map((l) => l.rows) } : { levels: [""], rows: [generator.rows] };

/** A categorical column's levels as the marginal decodeColumn maps codes through (its shares are not needed). */
const levelMarginal = (column: VaeColumnDocument): Marginal => {
  const levels = column.kind === "categorical" ? column.levels : [];
  const shares = levels.map(() => 0);
  return typeof levels[0] === "number" ? { kind: "numeric", values: levels as readonly number[], cumulative: shares } : { kind: "levels", levels: levels as readonly string[] | readonly boolean[], frequencies: shares };
};

const numericDense = (name: string, type: "float" | "int", values: Float64Array): DenseColumn => {
  if (values.some(Number.isNaN)) return denseFromValues(name, type, Array.from(values, (v) => (Number.isNaN(v) ? null : v)));
  return type === "float" ? denseFromValues(name, "float", values) : denseFromValues(name, "int", Int32Array.from(values));
};

/** counts[i] rows of level i (one block of counts[0] rows unconditioned), in level order, as one table. */
export const sampleVaeCounts = (generator: VaeGenerator, counts: readonly number[], random: RandomStreams, fail: (problem: string) => never): arrow.Table => {
  const weights = vaeWeightsOf(generator, fail);
  const encoding = { columns: generator.encoding.map(specOf), layout: weights.architecture.layout };
  const { levels } = vaeLevelRows(generator);
  const blocks = counts.map((count, m) => {
    const conditioned = generator.levels !== undefined;
    const x = sampleVae(weights, count, random(conditioned ? `vae/sample:${levels[m]}` : "vae/sample"), conditioned ? new Int32Array(count).fill(m) : undefined);
    const decoded = decodeRows(encoding, x, count);
    let c = 0;
    return tableOfDense(
      generator.columns.map((column) => {
        if (column.name === generator.condition) return denseFromCodes(column.name, new Int32Array(count).fill(m), levels);
        const values = decoded[c]!;
        const documented = generator.encoding[c++]!;
        if (values.kind === "numeric") return numericDense(column.name, column.type === "int" ? "int" : "float", values.values);
        return decodeColumn(column, levelMarginal(documented), values.codes);
      }),
    );
  });
  return blocks.slice(1).reduce((all, block) => all.concat(block), blocks[0]!);
};
