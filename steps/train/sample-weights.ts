/**
 * Sample weights for a train step's loss, from a scheme the study declares in the step's params (so the scheme,
 * its strength and cap are part of the cache key, never hidden). Fitted per replicate on that replicate's
 * training rows only: the counts behind a weight never see a validation or test row.
 *
 * Schemes (docs/references.md "Sample weights"):
 * - uniform: every training row weighs 1 (the unweighted loss);
 * - inverse-prevalence: row i in subgroup g weighs (n / (G · n_g))^s, with n training rows, G subgroups present
 *   among them and n_g of them in g (s = 1 is scikit-learn's "balanced" class weighting, applied to subgroups);
 * - utility: row i in cell (g, y) weighs u(g, y)^s, the declared clinical utility of that cell (1 where none is
 *   declared).
 * The strength s ≥ 0 scales a scheme from uniform (0) to full (1) and beyond, for a weight sweep. Weights are
 * then scaled to mean 1 over the training rows, so the penalty keeps its meaning, and finally capped: no weight
 * exceeds `cap` (applied after the scaling, not rescaled again, so the cap is the largest weight any row gets).
 */
import type * as arrow from "apache-arrow";
import { Effect, Schema } from "effect";
import { tableColumns } from "../../artifacts/table.js";
import type { StepContext } from "../../dsl/step.js";
import { CellUtilitiesSchema, utilityOf } from "../evaluate/prevalence-utility-rarity.js";

const Strength = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(10)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(1)));
const Cap = Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(1)));

export const SampleWeightsSchema = Schema.Union([
  Schema.Struct({ scheme: Schema.Literal("uniform") }),
  Schema.Struct({ scheme: Schema.Literal("inverse-prevalence"), subgroup: Schema.String, strength: Strength, cap: Cap }),
  Schema.Struct({
    scheme: Schema.Literal("utility"),
    subgroup: Schema.String,
    /** The declared utility of each (subgroup, label) cell (shared with prevalence-utility rarity). */
    utilities: CellUtilitiesSchema,
    strength: Strength,
    cap: Cap,
  }),
]);
export type SampleWeights = typeof SampleWeightsSchema.Type;
export const UNIFORM_WEIGHTS: SampleWeights = { scheme: "uniform" };

/** The step param: sample weights of the loss, fitted per model on its training rows; without it every row weighs 1. */
export const sampleWeightsField = { weights: Schema.optional(SampleWeightsSchema) };

/** The subgroup of every row, read from the column a (non-uniform) scheme names. */
const readWeightGroups = (table: arrow.Table, weights: Exclude<SampleWeights, { scheme: "uniform" }>, ctx: StepContext): readonly string[] => {
  const column = tableColumns(table).find((c) => c.name === weights.subgroup);
  if (column === undefined) ctx.fail("params.weights.subgroup", `unknown column ${JSON.stringify(weights.subgroup)}; the input table has ${tableColumns(table).map((c) => c.name).join(", ")}`);
  if (column.type !== "string") ctx.fail("params.weights.subgroup", `column ${JSON.stringify(weights.subgroup)} is ${column.type}; expected a string column of group names`);
  const groups: string[] = [];
  for (let r = 0; r < table.numRows; r++) {
    const g = column.values[r];
    if (typeof g !== "string") ctx.fail("params.weights.subgroup", `column ${JSON.stringify(weights.subgroup)} has no group at row ${r}; every row needs one to be weighted`);
    groups.push(g);
  }
  return groups;
};

/** Counts of training rows per subgroup (first-seen order does not matter: only lookups). */
const countsOf = (groups: readonly string[], rows: Int32Array): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(groups[r]!, (counts.get(groups[r]!) ?? 0) + 1);
  return counts;
};

/**
 * One weight per training row (in `trainRows` order) under the scheme, from the training rows alone. `groups`
 * is readWeightGroups' result for the whole table; `y` the 0/1 label of every row.
 */
export const fitSampleWeights = (weights: SampleWeights, groups: readonly string[], y: ArrayLike<number>, trainRows: Int32Array): Float64Array => {
  const n = trainRows.length;
  const out = new Float64Array(n).fill(1);
  if (weights.scheme === "uniform" || n === 0) return out;
  if (weights.scheme === "inverse-prevalence") {
    const counts = countsOf(groups, trainRows);
    trainRows.forEach((r, i) => {
      out[i] = (n / (counts.size * counts.get(groups[r]!)!)) ** weights.strength;
    });
  } else {
    const utility = utilityOf(weights.utilities);
    trainRows.forEach((r, i) => {
      out[i] = utility(groups[r]!, y[r]!) ** weights.strength;
    });
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += out[i]!;
  const scale = n / sum;
  const cap = weights.cap ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) out[i] = Math.min(cap, out[i]! * scale);
  return out;
};

/**
 * Fits one model's sample weights from the rows it trains on: one weight per row of `trainRows` (in that order),
 * or undefined for the unweighted loss (no `weights` param, or the uniform scheme).
 */
export type SampleWeighting = (trainRows: Int32Array) => Float64Array | undefined;

/**
 * The weighting a step's `weights` param declares, for a table whose 0/1 labels are `y`. The scheme's subgroup
 * column is read (and checked) once here; the weights themselves are fitted per model by the returned function.
 */
export const sampleWeighting = (table: arrow.Table, weights: SampleWeights | undefined, y: ArrayLike<number>, ctx: StepContext): SampleWeighting => {
  if (weights === undefined || weights.scheme === "uniform") return () => undefined;
  const groups = readWeightGroups(table, weights, ctx);
  return (trainRows) => fitSampleWeights(weights, groups, y, trainRows);
};
