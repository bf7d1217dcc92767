/**
 * trial.simulate-parallel: a parallel-group randomized trial cohort (one row per participant), the population
 * data a model is trained on before its suggestions are checked person by person in N-of-1 trials. Covariates and
 * true effects come from the same generators as trial.simulate (steps/trials/mechanistic-model.ts). For
 * participant i, with arm a_i ∈ {treatments[0], treatments[1]} allocated 1:1 (a seeded shuffle of a balanced list,
 * stream "allocation"; the odd one out, if any, is on treatments[0]):
 *
 *   baseline  y_i0 = intercept + N(0, interceptSd²) + N(0, measurementSd²)
 *   outcome   y_i1 = intercept + (the same person level) + δ_i·[a_i = treatments[1]] + N(0, measurementSd²)
 *   responded = 1 when the improvement (y_i1 − y_i0, or y_i0 − y_i1 when better = "lower") is at least mcid
 *
 * and δ_i from effect (mean, sd, coefficients) as in trial.simulate. Participants are "R01"…, so their streams
 * never coincide with the N-of-1 patients' ("P01"…) in a study that runs both with one seed.
 */
import { Effect, Schema } from "effect";
import { makeTable } from "../../artifacts/table.js";
import type { Columns, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode } from "../../dsl/study.js";
import { shuffled } from "../split/split-table.js";
import { CovariatesSchema, EffectModelSchema, type MechanisticModel, coefficientsDeclared, drawCovariates, trueEffects } from "./mechanistic-model.js";
import { standardNormal } from "../random-variates.js";
import { patientIds } from "./schedule.js";

const NonNegative = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0));
const zero = NonNegative.pipe(Schema.withDecodingDefaultKey(Effect.succeed(0)));

const Params = Schema.Struct({
  treatments: Schema.Array(Schema.String.check(Schema.isMinLength(1))).check(Schema.isMinLength(2), Schema.isMaxLength(2), Schema.isUnique({ message: "a treatment is listed twice" })),
  participants: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(2)),
  covariates: CovariatesSchema.pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  effect: EffectModelSchema,
  intercept: Schema.Number.pipe(Schema.withDecodingDefaultKey(Effect.succeed(0))),
  interceptSd: zero,
  measurementSd: zero,
  mcid: zero,
  better: Schema.Literals(["higher", "lower"]).pipe(Schema.withDecodingDefaultKey(Effect.succeed("higher" as const))),
}).check(coefficientsDeclared());
type Params = typeof Params.Type;

export const trialSimulateParallelStep = defineStep({
  kind: "trial.simulate-parallel",
  module: import.meta.url,
  params: Params,
  inputs: {},
  outputs: { cohort: "table" },
  run: (_inputs, params, ctx) => {
    const n = params.participants;
    const ids = patientIds(n, "R");
    const random = (stream: string) => ctx.random(stream);
    const covariates = drawCovariates(params.covariates, ids, random);
    const effect = trueEffects(params, ids, covariates, random);
    const treated: number[] = shuffled(Array.from({ length: n }, (_, i) => (i < Math.floor(n / 2) ? 1 : 0)), ctx.random("allocation"));
    const outcome = new Float64Array(n);
    const responded = new Int32Array(n);
    const direction = params.better === "higher" ? 1 : -1;
    ids.forEach((id, i) => {
      const draw = random(`outcomes:${id}`);
      const person = params.intercept + params.interceptSd * standardNormal(draw);
      const baseline = person + params.measurementSd * standardNormal(draw);
      outcome[i] = person + effect[i]! * treated[i]! + params.measurementSd * standardNormal(draw);
      responded[i] = direction * (outcome[i]! - baseline) >= params.mcid ? 1 : 0;
    });
    ctx.log(`${n} participants, ${treated.reduce((a, b) => a + b, 0)} on ${params.treatments[1]}`);
    return {
      cohort: makeTable([
        { name: "participant", type: "string", values: ids },
        ...covariates.map((c) => ({ name: c.name, type: c.type, values: c.type === "int" ? Int32Array.from(c.values) : c.values })),
        { name: "arm", type: "string", values: treated.map((t) => params.treatments[t]!) },
        { name: "outcome", type: "float", values: outcome },
        { name: "responded", type: "int", values: responded },
        { name: "true_effect", type: "float", values: effect },
      ]),
    };
  },
});

export type SimulateParallelOptions = Omit<Partial<Params>, "effect" | "treatments" | "participants"> & {
  readonly treatments: readonly [string, string];
  readonly participants: number;
  readonly effect: Partial<MechanisticModel["effect"]> & { readonly mean: number };
};

/**
 * e.g. simulateParallelTrial(s, { treatments: ["placebo", "drug"], participants: 400, covariates, effect:
 * { mean: 1, coefficients: { severity: 0.8 } }, measurementSd: 1, mcid: 0.5 }, { id: "rct" }). The cohort's
 * columns: participant, the covariates (normal float, binary int), arm, outcome, responded (0/1), true_effect.
 */
export const simulateParallelTrial = (s: StudyGraph, params: SimulateParallelOptions, options?: NodeOptions): TableHandle<Columns> => {
  const node = addNode(s, trialSimulateParallelStep, {}, params, options);
  const covariates = Object.fromEntries((params.covariates ?? []).map((c) => [c.name, c.kind === "normal" ? "float" : "int"]));
  return node.table("cohort", { participant: "string", ...covariates, arm: "string", outcome: "float", responded: "int", true_effect: "float" });
};
