/**
 * evaluate.subgroup-metrics: the depth evaluation of one or more models' predictions, overall and per subgroup
 * (subgroup-metrics/compute.ts says what it computes; subgroup-metrics/document.ts is the document it writes).
 * Also: Fairlearn-style differences and ratios between groups, gains per subgroup against a reference model
 * paired by replicate, rare subgroups and RCPG / RCCE under OUR DEFINITIONS, harm tests per candidate model ×
 * group, and per-cell small-cell suppression flags.
 */
import type { Columns, MetricsHandle, PredictionsHandle, TableHandle } from "../../dsl/handles.js";
import { type JsonValue, type StepContext, type StepInput, defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { readLabels } from "./labels.js";
import type { PrevalenceUtilityRarity } from "./prevalence-utility-rarity.js";
import { readPredictions } from "./predictions.js";
import { type EvaluationInput, finishEvaluation, prepareEvaluation, runEvaluationUnit } from "./subgroup-metrics/compute.js";
import { type ModelPredictions, SubgroupMetricsParams } from "./subgroup-metrics/document.js";
import { replicateScores } from "./subgroup-metrics/replicate-scores.js";

export type { SubgroupMetricsDoc } from "./subgroup-metrics/document.js";

/** The labels and every model's predictions, checked against the params. */
const readEvaluationInput = (
  inputs: { readonly table: StepInput; readonly predictions: readonly StepInput[] },
  params: SubgroupMetricsParams,
  ctx: StepContext,
): EvaluationInput => {
  if (inputs.predictions.length !== params.models.length) {
    ctx.fail("params.models", `${params.models.length} model labels for ${inputs.predictions.length} predictions inputs; give one label per input, in the same order`);
  }
  if (params.reference !== undefined && !params.models.includes(params.reference)) {
    ctx.fail("params.reference", `${JSON.stringify(params.reference)} is not one of the models (${params.models.join(", ")})`);
  }
  const table = inputs.table.table();
  const labels = readLabels(table, params, ctx);
  const models: ModelPredictions[] = inputs.predictions.map((input, i) => ({
    label: params.models[i]!,
    replicates: readPredictions(input.table(), table.numRows, `inputs.predictions[${i}]`, ctx).map((r) => replicateScores(r, r.rows, r.probs)),
  }));
  if (params.reference !== undefined) {
    const ref = models.find((m) => m.label === params.reference)!;
    const byId = new Map(ref.replicates.map((r) => [r.replicate, r]));
    models.forEach((m, i) => {
      for (const rep of m.replicates) {
        const other = byId.get(rep.replicate);
        if (other !== undefined && (other.seed !== rep.seed || other.fold !== rep.fold)) {
          ctx.fail(`inputs.predictions[${i}]`, `replicate ${rep.replicate} is seed ${rep.seed}, fold ${rep.fold} here but seed ${other.seed}, fold ${other.fold} in the reference ${JSON.stringify(ref.label)}; gains pair replicates by id, so both models need the same split`);
        }
      }
    });
  }
  const digests = {
    table: inputs.table.digest,
    predictions: Object.fromEntries(params.models.map((label, i) => [label, inputs.predictions[i]!.digest])),
  };
  return { labels, models, digests };
};

export const subgroupMetrics = defineStep({
  kind: "evaluate.subgroup-metrics",
  module: import.meta.url,
  params: SubgroupMetricsParams,
  inputs: { table: "table", predictions: { list: "predictions" } },
  outputs: { metrics: "metrics" },
  // Chunks of bootstrap resamples and the harm tests are units: the engine may run them on several cores or
  // workers, and combines them in unit order.
  units: {
    prepare: (inputs, params, ctx) => prepareEvaluation(readEvaluationInput(inputs, params, ctx), params),
    count: (evaluation) => evaluation.units.length,
    run: (evaluation, index, ctx) => runEvaluationUnit(evaluation, index, (stream) => ctx.random(stream)),
    combine: (evaluation, results) => ({ metrics: finishEvaluation(evaluation, results) as unknown as JsonValue }),
  },
});

export interface SubgroupMetricsOptions<C extends Columns> {
  readonly target: keyof C & string;
  readonly subgroup: keyof C & string;
  /** Label (a key of `predictions`) of the model gains are measured against. */
  readonly reference?: string;
  readonly threshold?: number;
  readonly resamples?: number;
  readonly level?: number;
  readonly minCell?: number;
  readonly rareBelow?: number;
  readonly alpha?: number;
  /** Decision curve analysis (net benefit per model × group) at these threshold probabilities. */
  readonly netBenefit?: { readonly thresholds: readonly number[] };
  /** Prevalence-utility rarity (our definition): which (subgroup, label) cells of the cohort are rare. */
  readonly rarity?: PrevalenceUtilityRarity;
}

/**
 * Pipeline builder. `predictions` maps a model label to its predictions; the labels are sorted (code-unit order)
 * so the node's params and inputs do not depend on how the record was written. For example:
 *
 *   const depth = evaluateSubgroupMetrics(groups.table, { generic: g.predictions, dcp: d.predictions },
 *     { target: "target", subgroup: "subgroup", reference: "generic", rareBelow: 0.15 }, { id: "evaluate-depth" });
 *   reportEvaluation(depth, { title: "…" }, { id: "report-depth" }); // last, so the plan graph is complete
 */
export const evaluateSubgroupMetrics = <C extends Columns>(
  table: TableHandle<C>,
  predictions: { readonly [label: string]: PredictionsHandle },
  params: SubgroupMetricsOptions<C>,
  options: NodeOptions = {},
): MetricsHandle => {
  const labels = Object.keys(predictions).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const node = addNode(table.study, subgroupMetrics, { table, predictions: labels.map((l) => predictions[l]!) }, { ...params, models: labels }, options);
  node.requireColumns(table, [params.target], "params.target");
  node.requireColumns(table, [params.subgroup], "params.subgroup");
  if (params.reference !== undefined && !labels.includes(params.reference)) {
    node.fail("params.reference", `${JSON.stringify(params.reference)} is not one of the models (${labels.join(", ")})`);
  }
  return node.metrics("metrics");
};
