/**
 * evaluate.personalization: reads the table and the predictions, checks that every method is aligned with the
 * reference, and computes the personalization metrics (personalization-metrics.ts: accuracy, gains, the harm test
 * and envy-freeness, with how the harm test pools replicates).
 *
 * Inputs: the table (target and subgroup columns) and one list of predictions: the reference's, then each method's
 * (params.methods order), then each cross-predictions table (params.cross order). Rows are matched on
 * (replicate, row); every method must have exactly the reference's replicates and test rows.
 */
import { Effect, Schema } from "effect";
import type { Columns, MetricsHandle, PredictionsHandle, TableHandle } from "../../dsl/handles.js";
import { type JsonValue, defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { readLabels } from "./labels.js";
import { readPredictions } from "./predictions.js";
import { MultiplicityMethodSchema } from "./harm-multiplicity.js";
import { type ModelPredictions, checkAligned, evaluatePersonalizationMetrics, linesByReplicate, readCross } from "./personalization-metrics.js";

export type { PersonalizationMetrics } from "./personalization-metrics.js";

const Label = Schema.String.check(Schema.isMinLength(1));

const Params = Schema.Struct({
  target: Schema.String,
  subgroup: Schema.String,
  /** The label of the reference (non-personalized) model. */
  reference: Label.pipe(Schema.withDecodingDefaultKey(Effect.succeed("generic"))),
  /** One label per entry of the `methods` predictions list, in order. */
  methods: Schema.Array(Label).check(Schema.isMinLength(1), Schema.isUnique()),
  /** For each entry of the `cross` predictions list, the method whose per-group models made it. */
  cross: Schema.Array(Label).check(Schema.isUnique()).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  /** A prediction is positive when prob ≥ threshold. */
  threshold: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0.5))),
  /** Significance level of the one-sided harm and envy tests. */
  alpha: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(0.05)),
  ),
  /** Which test sets the `harmed` flag; the other is reported beside it. */
  flagWith: Schema.Literals(["exact-mcnemar", "bootstrap-sign"]).pipe(Schema.withDecodingDefaultKey(Effect.succeed("exact-mcnemar" as const))),
  /** How the flagging test's p-values are adjusted across each method's subgroups. */
  adjust: MultiplicityMethodSchema.pipe(Schema.withDecodingDefaultKey(Effect.succeed("holm" as const))),
  /** B of the bootstrap sign test. */
  bootstrapResamples: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 100_000 })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(1000)),
  ),
}).check(
  Schema.makeFilter((p) => {
    if (p.methods.includes(p.reference)) return { path: ["methods"], issue: `the reference ${JSON.stringify(p.reference)} is also listed as a method` };
    const unknown = p.cross.find((m) => !p.methods.includes(m));
    return unknown === undefined ? true : { path: ["cross"], issue: `${JSON.stringify(unknown)} is not one of the methods (${p.methods.join(", ")})` };
  }),
);

export const personalization = defineStep({
  kind: "evaluate.personalization",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", predictions: { list: "predictions" } },
  outputs: { metrics: "metrics" },
  run: (inputs, params, ctx) => {
    const expected = 1 + params.methods.length + params.cross.length;
    if (inputs.predictions.length !== expected) {
      ctx.fail(
        "inputs.predictions",
        `expected ${expected} predictions inputs (the reference, ${params.methods.length} methods, ${params.cross.length} cross predictions, in that order), got ${inputs.predictions.length}`,
      );
    }
    const table = inputs.table.table();
    const labels = readLabels(table, params, ctx);
    const reference: ModelPredictions = { label: params.reference, byReplicate: linesByReplicate(readPredictions(inputs.predictions[0]!.table(), table.numRows, "inputs.predictions[0]", ctx)) };
    const methods = params.methods.map((label, i): ModelPredictions => {
      const field = `inputs.predictions[${1 + i}]`;
      const m = { label, byReplicate: linesByReplicate(readPredictions(inputs.predictions[1 + i]!.table(), table.numRows, field, ctx)) };
      checkAligned(reference, m, field, ctx);
      return m;
    });
    const cross = params.cross.map((method, i) => {
      const field = `inputs.predictions[${1 + params.methods.length + i}]`;
      const byGroup = readCross(inputs.predictions[1 + params.methods.length + i]!.table(), table.numRows, labels.groups, field, ctx);
      for (const [g, lines] of byGroup) checkAligned(reference, { label: `${method} (model of ${g})`, byReplicate: lines }, field, ctx);
      return { method, byGroup };
    });
    const metrics = evaluatePersonalizationMetrics(labels, reference, methods, cross, params, (stream) => ctx.random(stream));
    ctx.progress(1, 1);
    return { metrics: metrics as unknown as JsonValue };
  },
});

export interface PersonalizationOptions<C extends Columns> {
  readonly target: keyof C & string;
  readonly subgroup: keyof C & string;
  readonly threshold?: number;
  readonly alpha?: number;
  readonly flagWith?: "exact-mcnemar" | "bootstrap-sign";
  readonly bootstrapResamples?: number;
}

/**
 * Pipeline builder. `methods` maps a method label to its predictions and `cross` a method label to its cross
 * predictions (train.dcp's `cross`); labels are sorted (code-unit order) so the node does not depend on how the
 * records were written. The reference is labelled `referenceLabel` ("generic" by default).
 */
export const evaluatePersonalization = <C extends Columns>(
  table: TableHandle<C>,
  predictions: {
    readonly reference: PredictionsHandle;
    readonly referenceLabel?: string;
    readonly methods: { readonly [label: string]: PredictionsHandle };
    readonly cross?: { readonly [label: string]: PredictionsHandle };
  },
  params: PersonalizationOptions<C>,
  options: NodeOptions = {},
): MetricsHandle => {
  const sorted = (r: { readonly [label: string]: PredictionsHandle }) => Object.keys(r).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const methodLabels = sorted(predictions.methods);
  const crossLabels = sorted(predictions.cross ?? {});
  const node = addNode(
    table.study,
    personalization,
    {
      table,
      predictions: [predictions.reference, ...methodLabels.map((l) => predictions.methods[l]!), ...crossLabels.map((l) => predictions.cross![l]!)],
    },
    { ...params, reference: predictions.referenceLabel ?? "generic", methods: methodLabels, cross: crossLabels },
    options,
  );
  node.requireColumns(table, [params.target], "params.target");
  node.requireColumns(table, [params.subgroup], "params.subgroup");
  return node.metrics("metrics");
};
