/**
 * trial.hybrid: checks a population model's individual recommendations against the same people's N-of-1 results
 * (Konigorski et al.'s hybrid of population models and N-of-1 trials). The population model is a T-learner: one
 * model set per arm of a parallel-group trial (trial.simulate-parallel, target `responded`), both scored on the
 * N-of-1 patients table with predict.model-set.
 * hybrid-check.ts states our definitions; hybrid-document.ts the `hybrid` document. Output `agreement` is the
 * per-person table behind every figure (pseudonymous ids, as in the inputs).
 */
import { Effect, Schema } from "effect";
import type { Columns, MetricsHandle, PredictionsHandle, TableHandle } from "../../dsl/handles.js";
import { type JsonValue, defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { hybridCheck } from "./hybrid-check.js";
import { readHybridRows } from "./hybrid-inputs.js";
import { readAnalysisSummary } from "./analysis-summary.js";

const withDefault = <S extends Schema.Top>(schema: S, value: S["Type"]) => schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)));

const Params = Schema.Struct({
  /** Which N-of-1 result decides: trial.pool's shrunken effect, or trial.analyze's primary ("raw") effect. */
  decideBy: withDefault(Schema.Literals(["shrunken", "raw"]), "shrunken"),
  level: withDefault(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })), 0.95),
  minCell: withDefault(Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)), 10),
  /** |predicted benefit| (a difference of response probabilities) from which the population model counts as confident. */
  confidentAbove: withDefault(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true })), 0.2),
  bins: withDefault(Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 100 })), 5),
  /** List the confident-and-wrong people by pseudonymous id (else only counted). */
  listPatients: withDefault(Schema.Boolean, false),
  /** A string column of the patients table whose groups get every figure too. */
  subgroup: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1))),
});

export const hybridStep = defineStep({
  kind: "trial.hybrid",
  module: import.meta.url,
  params: Params,
  inputs: { effects: "table", summary: "metrics", shrunken: "table", patients: "table", referencePredictions: "predictions", treatmentPredictions: "predictions" },
  outputs: { hybrid: "metrics", agreement: "table" },
  run: (inputs, params, ctx) => {
    const summary = readAnalysisSummary(inputs.summary, ctx);
    const rows = readHybridRows(inputs, { ...params, better: summary.better }, ctx);
    const { doc, agreement } = hybridCheck(rows, { ...params, reference: summary.reference, treatment: summary.treatment, better: summary.better });
    const overall = doc.groups[0]!;
    ctx.log(`${doc.analysed} of ${doc.patients} people with an N-of-1 result; ${overall.confirmation.agree} confirm the population model`);
    return { hybrid: doc as unknown as JsonValue, agreement };
  },
});

export interface HybridOptions<C extends Columns> {
  readonly decideBy?: "shrunken" | "raw";
  readonly level?: number;
  readonly minCell?: number;
  readonly confidentAbove?: number;
  readonly bins?: number;
  readonly listPatients?: boolean;
  readonly subgroup?: keyof C & string;
}

/**
 * Pipeline builder, e.g.
 *   const check = trialHybrid({ effects, summary, shrunken, patients, referencePredictions: predict(refModels, patients),
 *     treatmentPredictions: predict(treatModels, patients) }, { subgroup: "sex", minCell: 5 });
 */
export const trialHybrid = <C extends Columns & { readonly patient: "string" }>(
  inputs: {
    readonly effects: TableHandle;
    /** trial.analyze's summary: the compared treatments and the better direction come from it. */
    readonly summary: MetricsHandle;
    readonly shrunken: TableHandle;
    readonly patients: TableHandle<C>;
    readonly referencePredictions: PredictionsHandle;
    readonly treatmentPredictions: PredictionsHandle;
  },
  params: HybridOptions<C> = {},
  options: NodeOptions = {},
): { readonly hybrid: MetricsHandle; readonly agreement: TableHandle } => {
  const node = addNode(inputs.patients.study, hybridStep, inputs, params, options);
  if (params.subgroup !== undefined) {
    node.requireColumns(inputs.patients, [params.subgroup], "params.subgroup");
    if (inputs.patients.columns[params.subgroup] !== "string") node.fail("params.subgroup", `column ${JSON.stringify(params.subgroup)} is ${inputs.patients.columns[params.subgroup]}; the subgroup must be a string column`);
  }
  const columns: Columns = {
    patient: "string",
    ...(params.subgroup === undefined ? {} : { [params.subgroup]: "string" }),
    p_reference: "float",
    p_treatment: "float",
    predicted_benefit: "float",
    nof1_benefit: "float",
    nof1_lower: "float",
    nof1_upper: "float",
    population_recommends_treatment: "int",
    nof1_recommends_treatment: "int",
    confirmed: "int",
    confident_wrong: "int",
  };
  return { hybrid: node.metrics("hybrid"), agreement: node.table("agreement", columns) };
};
