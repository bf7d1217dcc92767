/**
 * The declared specification of a planted-truth cohort (synth.structural's params): covariates joined by a
 * Gaussian copula, subgroup and site attributes, a logistic outcome model with subgroup-specific deviations and
 * interactions, label noise and missingness. Every check a study can fail at load time lives here, so a mistake is
 * reported with the field that holds it before anything runs.
 *
 * Columns of the cohort, in order: `patient` (int, 1…n), the covariates (normal and lognormal: float, binary: int
 * 0/1, categorical: string), the subgroup columns (string), the site column (string, when declared), the outcome
 * (int 0/1).
 */
import { Effect, Schema } from "effect";
import { choleskyFactor, correlationMatrix } from "./copula-normal.js";

const Name = Schema.String.check(Schema.isMinLength(1));
const Positive = Schema.Number.check(Schema.isGreaterThan(0));
const Probability = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }));
const defaulted = <S extends Schema.Top & { readonly "~type.make.in": unknown }>(schema: S, value: S["Type"]) =>
  schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)));

/** Levels with their probabilities (each ≥ 0, summing to 1 within 1e-9), e.g. { levels: ["a", "b"], probs: [0.3, 0.7] }. */
const LevelsFields = {
  levels: Schema.Array(Name).check(Schema.isMinLength(1), Schema.isUnique({ message: "a level is listed twice" })),
  probs: Schema.Array(Probability),
};
const levelsProblem = (v: { readonly levels: readonly string[]; readonly probs: readonly number[] }): string | true => {
  if (v.levels.length !== v.probs.length) return `levels (${v.levels.length}) and probs (${v.probs.length}) must have the same length`;
  const total = v.probs.reduce((a, b) => a + b, 0);
  return Math.abs(total - 1) <= 1e-9 || `probs must sum to 1, and they sum to ${total}`;
};

export const CovariateSchema = Schema.Union([
  Schema.Struct({ name: Name, kind: Schema.Literal("normal"), mean: defaulted(Schema.Number, 0), sd: defaulted(Positive, 1) }),
  Schema.Struct({ name: Name, kind: Schema.Literal("lognormal"), meanlog: defaulted(Schema.Number, 0), sdlog: defaulted(Positive, 1) }),
  Schema.Struct({ name: Name, kind: Schema.Literal("binary"), p: Probability }),
  Schema.Struct({ name: Name, kind: Schema.Literal("categorical"), ...LevelsFields }).check(Schema.makeFilter(levelsProblem)),
]);
export type Covariate = typeof CovariateSchema.Type;

/** A Gaussian-copula correlation between the normal scores of two covariates. */
export const CorrelationSchema = Schema.Struct({ a: Name, b: Name, rho: Schema.Number.check(Schema.isBetween({ minimum: -1, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })) });

/**
 * A string attribute drawn independently of everything else (a subgroup-defining attribute, or the site): each row's
 * level drawn with `probs`, or, with `counts` instead, exactly that many rows of each level (summing to n) in a
 * seeded random order, for a cohort whose group sizes are fixed by design (e.g. a published table's n).
 */
export const AttributeSchema = Schema.Union([
  Schema.Struct({ name: Name, ...LevelsFields }).check(Schema.makeFilter(levelsProblem)),
  Schema.Struct({
    name: Name,
    levels: LevelsFields.levels,
    counts: Schema.Array(Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))),
  }).check(Schema.makeFilter((v) => v.levels.length === v.counts.length || `levels (${v.levels.length}) and counts (${v.counts.length}) must have the same length`)),
]);
export type Attribute = typeof AttributeSchema.Type;

/**
 * Coefficients on the logit scale by term: a numeric covariate's name (normal, lognormal, binary), or
 * `<categorical>=<level>` for the indicator of one level of a categorical covariate.
 */
const Coefficients = Schema.Record(Schema.String, Schema.Number);

/** What changes in one subgroup level: added to the base intercept and coefficients for its rows. */
export const SubgroupDeviationSchema = Schema.Struct({
  subgroup: Name,
  level: Name,
  intercept: defaulted(Schema.Number, 0),
  coefficients: defaulted(Coefficients, {}),
});

/** coef · a · b on the logit scale; a and b are terms as in the coefficients. */
export const InteractionSchema = Schema.Struct({ a: Name, b: Name, coef: Schema.Number });

export const OutcomeSchema = Schema.Struct({
  name: defaulted(Name, "outcome"),
  intercept: defaulted(Schema.Number, 0),
  coefficients: defaulted(Coefficients, {}),
  bySubgroup: defaulted(Schema.Array(SubgroupDeviationSchema), []),
  interactions: defaulted(Schema.Array(InteractionSchema), []),
  /** The probability that a drawn label is flipped (after the outcome model), in [0, 0.5). */
  labelNoise: defaulted(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(0.5)), 0),
});

/**
 * Cells of a covariate set to null. MCAR: each cell with probability `rate`. MAR: with a probability that rises
 * linearly with the rank score of another covariate `dependsOn`; MNAR: with that of the cell's own value. The
 * exact rule is in structural-missingness.ts; its expected rate is `rate` in every mechanism.
 */
export const MissingnessSchema = Schema.Struct({
  column: Name,
  mechanism: Schema.Literals(["MCAR", "MAR", "MNAR"]),
  rate: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMaximum: true })),
  dependsOn: Schema.optionalKey(Name),
});

/** Rows drawn from one random stream ("rows:<block>"): fixed, so the cohort never depends on `rowGroup`. */
export const RANDOM_BLOCK_ROWS = 65_536;

const Fields = Schema.Struct({
  n: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 2 ** 31 - 1 })),
  /** Rows between progress reports; the values do not depend on it (see RANDOM_BLOCK_ROWS). */
  rowGroup: defaulted(Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)), RANDOM_BLOCK_ROWS),
  covariates: Schema.Array(CovariateSchema),
  correlation: defaulted(Schema.Array(CorrelationSchema), []),
  subgroups: defaulted(Schema.Array(AttributeSchema), []),
  site: Schema.optionalKey(AttributeSchema),
  outcome: OutcomeSchema,
  missingness: defaulted(Schema.Array(MissingnessSchema), []),
});
type Fields = typeof Fields.Type;

/** The terms a coefficient or interaction may name: numeric covariates and `<categorical>=<level>`. */
export const outcomeTerms = (covariates: readonly Covariate[]): string[] =>
  covariates.flatMap((c) => (c.kind === "categorical" ? c.levels.map((l) => `${c.name}=${l}`) : [c.name]));

const firstDuplicate = (names: readonly string[]): string | undefined => names.find((n, i) => names.indexOf(n) !== i);

const specProblem = (spec: Fields): string | true => {
  const columns = ["patient", ...spec.covariates.map((c) => c.name), ...spec.subgroups.map((g) => g.name), ...(spec.site ? [spec.site.name] : []), spec.outcome.name];
  const clash = firstDuplicate(columns);
  if (clash !== undefined) return `column ${JSON.stringify(clash)} is declared twice (patient is reserved); give every covariate, subgroup, site and the outcome its own name`;
  for (const attribute of [...spec.subgroups, ...(spec.site ? [spec.site] : [])]) {
    if (!("counts" in attribute)) continue;
    const total = attribute.counts.reduce((a, b) => a + b, 0);
    if (total !== spec.n) return `the counts of ${JSON.stringify(attribute.name)} sum to ${total}, not n = ${spec.n}; make them add up to n`;
  }
  const covariateIndex = new Map(spec.covariates.map((c, i) => [c.name, i]));
  const pairs = new Set<string>();
  for (const { a, b } of spec.correlation) {
    for (const name of [a, b]) if (!covariateIndex.has(name)) return `correlation names ${JSON.stringify(name)}, which is not a covariate`;
    if (a === b) return `correlation pairs ${JSON.stringify(a)} with itself`;
    const key = [a, b].sort().join("\u0000");
    if (pairs.has(key)) return `correlation between ${JSON.stringify(a)} and ${JSON.stringify(b)} is given twice`;
    pairs.add(key);
  }
  const k = spec.covariates.length;
  const matrix = correlationMatrix(k, spec.correlation.map(({ a, b, rho }) => ({ i: covariateIndex.get(a)!, j: covariateIndex.get(b)!, rho })));
  if (k > 0 && choleskyFactor(matrix, k) === undefined) return "the correlation matrix is not positive definite; lower some of the correlations";
  const terms = new Set(outcomeTerms(spec.covariates));
  const unknownTerm = (keys: readonly string[]) => keys.find((t) => !terms.has(t));
  const termHint = "a coefficient names a normal, lognormal or binary covariate, or <categorical>=<level>";
  const bad = unknownTerm(Object.keys(spec.outcome.coefficients));
  if (bad !== undefined) return `outcome.coefficients names ${JSON.stringify(bad)}; ${termHint}`;
  for (const it of spec.outcome.interactions) {
    const term = unknownTerm([it.a, it.b]);
    if (term !== undefined) return `outcome.interactions names ${JSON.stringify(term)}; ${termHint}`;
  }
  const cells = new Set<string>();
  for (const dev of spec.outcome.bySubgroup) {
    const group = spec.subgroups.find((g) => g.name === dev.subgroup);
    if (group === undefined) return `outcome.bySubgroup names subgroup ${JSON.stringify(dev.subgroup)}, which is not declared in subgroups`;
    if (!group.levels.includes(dev.level)) return `outcome.bySubgroup names level ${JSON.stringify(dev.level)} of ${JSON.stringify(dev.subgroup)}, which has levels ${group.levels.join(", ")}`;
    const cell = `${dev.subgroup}\u0000${dev.level}`;
    if (cells.has(cell)) return `outcome.bySubgroup gives ${dev.subgroup}=${dev.level} twice; merge them`;
    cells.add(cell);
    const term = unknownTerm(Object.keys(dev.coefficients));
    if (term !== undefined) return `outcome.bySubgroup (${dev.subgroup}=${dev.level}) names ${JSON.stringify(term)}; ${termHint}`;
  }
  const masked = new Set<string>();
  for (const m of spec.missingness) {
    if (!covariateIndex.has(m.column)) return `missingness names ${JSON.stringify(m.column)}, which is not a covariate (only covariates can be missing)`;
    if (masked.has(m.column)) return `missingness gives ${JSON.stringify(m.column)} twice`;
    masked.add(m.column);
    if (m.mechanism === "MAR" && m.dependsOn === undefined) return `missingness of ${JSON.stringify(m.column)} is MAR and needs dependsOn: the covariate it depends on`;
    if (m.mechanism !== "MAR" && m.dependsOn !== undefined) return `missingness of ${JSON.stringify(m.column)} is ${m.mechanism}, which takes no dependsOn (only MAR does)`;
  }
  for (const m of spec.missingness) {
    if (m.dependsOn === undefined) continue;
    if (!covariateIndex.has(m.dependsOn) || m.dependsOn === m.column) return `missingness of ${JSON.stringify(m.column)} depends on ${JSON.stringify(m.dependsOn)}, which must be another covariate`;
    if (masked.has(m.dependsOn)) return `missingness of ${JSON.stringify(m.column)} depends on ${JSON.stringify(m.dependsOn)}, which has missing values itself, so it would not be missing at random; make ${JSON.stringify(m.dependsOn)} complete`;
  }
  return true;
};

export const StructuralSpecSchema = Fields.check(Schema.makeFilter(specProblem));
export type StructuralSpec = typeof StructuralSpecSchema.Type;
/** The spec as a study writes it (defaults may be left out). */
export type StructuralSpecInput = typeof StructuralSpecSchema.Encoded;

/** The Strata type of each cohort column, in column order. */
export const cohortColumnTypes = (spec: StructuralSpec): [string, "int" | "float" | "string"][] => [
  ["patient", "int"],
  ...spec.covariates.map((c): [string, "int" | "float" | "string"] => [c.name, c.kind === "binary" ? "int" : c.kind === "categorical" ? "string" : "float"]),
  ...spec.subgroups.map((g): [string, "string"] => [g.name, "string"]),
  ...(spec.site ? [[spec.site.name, "string"] as [string, "string"]] : []),
  [spec.outcome.name, "int"],
];
