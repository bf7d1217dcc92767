/**
 * The ground-truth document of a structural cohort (format strata-synth-truth/1): per subgroup level, and per cell
 * (combination of levels) when there is more than one subgroup, the true intercept and coefficients on the logit
 * scale, n, prevalence, and the Bayes-optimal figures of this very sample (ours):
 *   q_i = P(observed y_i = 1 | x_i) = p_i(1 − ε) + (1 − p_i)ε, p_i from the outcome model, ε the label noise
 *   accuracy          the share of rows whose drawn label equals the Bayes rule's call, 1 when q_i ≥ ½
 *   auroc             the AUROC of q against the drawn labels (ties count ½)
 *   expectedAccuracy  mean of max(q_i, 1 − q_i): the rule's accuracy averaged over the label draws
 *   expectedAuroc     Σ_{i≠j} q_i(1 − q_j)·([q_i > q_j] + ½[q_i = q_j]) / Σ_{i≠j} q_i(1 − q_j): the same,
 *                     for the AUROC (the probability that a positive outranks a negative, the rows held fixed)
 * q is monotone in p (ε < ½), so any model scoring p ranks and calls the rows exactly as the Bayes rule does.
 */
import { Schema } from "effect";
import type { JsonValue } from "../../dsl/step.js";
import type { GeneratedCohort } from "./structural-generate.js";
import { type StructuralSpec, StructuralSpecSchema } from "./structural-spec.js";

export const TRUTH_FORMAT = "strata-synth-truth/1";

const Figure = Schema.NullOr(Schema.Number);
const BayesFields = {
  n: Schema.Number,
  prevalence: Figure,
  meanProbability: Figure,
  accuracy: Figure,
  auroc: Figure,
  expectedAccuracy: Figure,
  expectedAuroc: Figure,
};
const ModelFields = { intercept: Figure, coefficients: Schema.NullOr(Schema.Record(Schema.String, Schema.Number)) };

/** The truth document as a reader (a study's evaluation or report) decodes it. */
export const SynthTruthSchema = Schema.Struct({
  format: Schema.Literal(TRUTH_FORMAT),
  labelNoise: Schema.Number,
  terms: Schema.Array(Schema.String),
  interactions: Schema.Array(Schema.Struct({ a: Schema.String, b: Schema.String, coef: Schema.Number })),
  overall: Schema.Struct({ ...ModelFields, ...BayesFields }),
  subgroups: Schema.Array(Schema.Struct({ subgroup: Schema.String, level: Schema.String, ...ModelFields, ...BayesFields })),
  cells: Schema.Array(Schema.Struct({ levels: Schema.Record(Schema.String, Schema.String), intercept: Schema.Number, coefficients: Schema.Record(Schema.String, Schema.Number), ...BayesFields })),
  spec: StructuralSpecSchema,
});
export type SynthTruth = typeof SynthTruthSchema.Type;

interface BayesFigures {
  readonly n: number;
  readonly prevalence: number | null;
  readonly meanProbability: number | null;
  readonly accuracy: number | null;
  readonly auroc: number | null;
  readonly expectedAccuracy: number | null;
  readonly expectedAuroc: number | null;
}

/** AUROC of sorted positive and negative scores by one merge (ties ½). */
const mergedAuroc = (positives: Float64Array, negatives: Float64Array): number | null => {
  if (positives.length === 0 || negatives.length === 0) return null;
  let below = 0;
  let tiedFrom = 0;
  let wins = 0;
  for (let i = 0; i < positives.length; i++) {
    const v = positives[i]!;
    while (below < negatives.length && negatives[below]! < v) below++;
    if (tiedFrom < below) tiedFrom = below;
    while (tiedFrom < negatives.length && negatives[tiedFrom]! === v) tiedFrom++;
    wins += below + (tiedFrom - below) / 2;
  }
  return wins / (positives.length * negatives.length);
};

const mergeSorted = (a: Float64Array, b: Float64Array): Float64Array => {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < out.length; k++) out[k] = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
  return out;
};

/** expectedAuroc of ascending scores q (see the module comment), tie groups summed in closed form. */
const expectedAuroc = (q: Float64Array): number | null => {
  let allNegative = 0;
  for (let i = 0; i < q.length; i++) allNegative += 1 - q[i]!;
  let numerator = 0;
  let denominator = 0;
  let negativeBelow = 0;
  for (let i = 0; i < q.length; ) {
    const v = q[i]!;
    let j = i;
    let groupPositive = 0;
    let groupNegative = 0;
    while (j < q.length && q[j]! === v) {
      groupPositive += q[j]!;
      groupNegative += 1 - q[j]!;
      j++;
    }
    const selfPairs = (j - i) * v * (1 - v);
    numerator += groupPositive * negativeBelow + (groupPositive * groupNegative - selfPairs) / 2;
    denominator += groupPositive * allNegative - selfPairs;
    negativeBelow += groupNegative;
    i = j;
  }
  return denominator > 0 ? numerator / denominator : null;
};

/** The figures of the rows whose code is `level` (every row when codes is undefined), every sum in row order. */
const bayesFigures = (cohort: GeneratedCohort, noise: number, codes: Int32Array | undefined, level: number): BayesFigures => {
  const { probability, outcome } = cohort;
  const selected = (r: number): boolean => codes === undefined || codes[r] === level;
  let n = 0;
  let positives = 0;
  for (let r = 0; r < cohort.n; r++) {
    if (!selected(r)) continue;
    n++;
    positives += outcome[r]!;
  }
  if (n === 0) return { n, prevalence: null, meanProbability: null, accuracy: null, auroc: null, expectedAccuracy: null, expectedAuroc: null };
  const pos = new Float64Array(positives);
  const neg = new Float64Array(n - positives);
  let sumP = 0;
  let correct = 0;
  let expectedCorrect = 0;
  for (let r = 0, ip = 0, ineg = 0; r < cohort.n; r++) {
    if (!selected(r)) continue;
    const p = probability[r]!;
    const q = p * (1 - noise) + (1 - p) * noise;
    sumP += p;
    expectedCorrect += Math.max(q, 1 - q);
    const y = outcome[r]!;
    if ((q >= 0.5 ? 1 : 0) === y) correct++;
    if (y === 1) pos[ip++] = q;
    else neg[ineg++] = q;
  }
  pos.sort();
  neg.sort();
  return {
    n,
    prevalence: positives / n,
    meanProbability: sumP / n,
    accuracy: correct / n,
    auroc: mergedAuroc(pos, neg),
    expectedAccuracy: expectedCorrect / n,
    expectedAuroc: expectedAuroc(mergeSorted(pos, neg)),
  };
};

const coefficientRecord = (cohort: GeneratedCohort, cell: number): Record<string, number> => {
  const { terms, coefficients } = cohort.outcomeModel;
  return Object.fromEntries(terms.map((t, i) => [t.name, coefficients[cell * terms.length + i]!]));
};

/** The cells' common intercept and coefficients, or nulls when they differ between the cells. */
const sharedModel = (cohort: GeneratedCohort, cells: readonly number[]): { intercept: number | null; coefficients: Record<string, number> | null } => {
  const { intercepts, coefficients, terms } = cohort.outcomeModel;
  const T = terms.length;
  const first = cells[0]!;
  const same = cells.every((c) => intercepts[c] === intercepts[first] && terms.every((_, t) => coefficients[c * T + t] === coefficients[first * T + t]));
  return same ? { intercept: intercepts[first]!, coefficients: coefficientRecord(cohort, first) } : { intercept: null, coefficients: null };
};

export const truthDocument = (spec: StructuralSpec, cohort: GeneratedCohort): JsonValue => {
  const noise = spec.outcome.labelNoise;
  const model = cohort.outcomeModel;
  const G = spec.subgroups.length;
  const allCells = Array.from({ length: model.cellCount }, (_, c) => c);
  const subgroups = spec.subgroups.flatMap((g, gi) =>
    g.levels.map((level, li) => {
      const cells = allCells.filter((c) => model.cellLevels[c * G + gi] === li);
      return { subgroup: g.name, level, ...sharedModel(cohort, cells), ...bayesFigures(cohort, noise, cohort.subgroups[gi], li) };
    }),
  );
  const cells =
    G > 1
      ? allCells.map((c) => ({
          levels: Object.fromEntries(spec.subgroups.map((g, gi) => [g.name, g.levels[model.cellLevels[c * G + gi]!]!])),
          intercept: model.intercepts[c]!,
          coefficients: coefficientRecord(cohort, c),
          ...bayesFigures(cohort, noise, cohort.cells, c),
        }))
      : [];
  return {
    format: TRUTH_FORMAT,
    labelNoise: noise,
    terms: model.terms.map((t) => t.name),
    interactions: spec.outcome.interactions.map((it) => ({ a: it.a, b: it.b, coef: it.coef })),
    overall: { ...sharedModel(cohort, allCells), ...bayesFigures(cohort, noise, undefined, 0) },
    subgroups,
    cells,
    spec: spec as unknown as JsonValue,
  };
};
