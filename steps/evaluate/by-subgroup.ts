/**
 * evaluate.by-subgroup: per model × replicate × group (overall, then each subgroup) the test-set size, positives,
 * accuracy, AUROC and Brier score; then per model × group the mean and sample sd across replicates (the paper's
 * "mean ± sd over 5 seeds × 5 folds"). Groups are "overall" then the subgroup values in code-unit order; models
 * keep the order of the `models` param (the builder sorts them by label).
 */
import { Effect, Schema } from "effect";
import type * as arrow from "apache-arrow";
import { type CellValue, tableColumns } from "../../artifacts/table.js";
import type { Columns, MetricsHandle, PredictionsHandle, TableHandle } from "../../dsl/handles.js";
import { type JsonValue, type StepContext, defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode } from "../../dsl/study.js";
import { accuracy, auroc, brier, mean, sampleSd } from "./metrics.js";

export const OVERALL = "overall";

const Params = Schema.Struct({
  /** One label per entry of the predictions list, in the same order. */
  models: Schema.Array(Schema.String.check(Schema.isMinLength(1))).check(Schema.isMinLength(1), Schema.isUnique()),
  target: Schema.String,
  subgroup: Schema.String,
  /** A prediction is positive when prob ≥ threshold. */
  threshold: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0.5))),
});
export type BySubgroupParams = typeof Params.Type;

export interface ReplicateMetrics {
  readonly model: string;
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly group: string;
  readonly n: number;
  readonly positives: number;
  /** null when the group has no test rows in this replicate. */
  readonly accuracy: number | null;
  /** null when the group's test rows hold only one class. */
  readonly auroc: number | null;
  readonly brier: number | null;
}

export interface MeanSd {
  readonly mean: number | null;
  readonly sd: number | null;
  /** How many replicates had a value. */
  readonly replicates: number;
}

export interface SummaryMetrics {
  readonly model: string;
  readonly group: string;
  /** Replicates whose test rows included this group. */
  readonly replicates: number;
  /** Smallest, largest and total test-set size of the group across those replicates. */
  readonly nMin: number;
  readonly nMax: number;
  readonly nTotal: number;
  readonly positivesMin: number;
  readonly positivesTotal: number;
  readonly accuracy: MeanSd;
  readonly auroc: MeanSd;
  readonly brier: MeanSd;
}

export interface BySubgroupMetrics {
  readonly format: "strata-metrics/1";
  readonly metric: "by-subgroup";
  readonly threshold: number;
  readonly models: readonly string[];
  readonly groups: readonly string[];
  readonly perReplicate: readonly ReplicateMetrics[];
  readonly summary: readonly SummaryMetrics[];
}

export interface Labels {
  readonly y: readonly number[];
  readonly group: readonly string[];
  readonly groups: readonly string[];
}

export const readLabels = (table: arrow.Table, params: BySubgroupParams, ctx: StepContext): Labels => {
  const columns = new Map(tableColumns(table).map((c) => [c.name, c]));
  const names = [...columns.keys()].join(", ");
  const target = columns.get(params.target);
  if (target === undefined) ctx.fail("params.target", `unknown column ${JSON.stringify(params.target)}; the input table has ${names}`);
  const subgroup = columns.get(params.subgroup);
  if (subgroup === undefined) ctx.fail("params.subgroup", `unknown column ${JSON.stringify(params.subgroup)}; the input table has ${names}`);
  if (subgroup.type !== "string") ctx.fail("params.subgroup", `column ${JSON.stringify(params.subgroup)} is ${subgroup.type}; expected a string column of group names`);
  const y: number[] = [];
  const group: string[] = [];
  for (let r = 0; r < table.numRows; r++) {
    const v: CellValue = target.values[r]!;
    const label = v === true ? 1 : v === false ? 0 : v;
    if (label !== 0 && label !== 1) ctx.fail("params.target", `column ${JSON.stringify(params.target)} has ${JSON.stringify(v)} at row ${r}; expected 0 or 1`);
    const g = subgroup.values[r];
    if (typeof g !== "string") ctx.fail("params.subgroup", `column ${JSON.stringify(params.subgroup)} has no group at row ${r}; every row needs one`);
    if (g === OVERALL) ctx.fail("params.subgroup", `"${OVERALL}" is reserved for the whole test set; rename that subgroup`);
    y.push(label);
    group.push(g);
  }
  const groups = [...new Set(group)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { y, group, groups };
};

export interface PredictionLine {
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly row: number;
  readonly prob: number;
}

export const readPredictions = (table: arrow.Table, tableRows: number, field: string, ctx: StepContext): Map<number, PredictionLine[]> => {
  const columns = new Map(tableColumns(table).map((c) => [c.name, c]));
  const need = (name: string, type: "int" | "float") => {
    const col = columns.get(name);
    if (col === undefined || col.type !== type) {
      ctx.fail(field, `expected predictions with int replicate, seed, fold, row and float prob columns; column ${JSON.stringify(name)} is ${col === undefined ? "missing" : col.type}`);
    }
    return col.values;
  };
  const [replicate, seed, fold, row, prob] = [need("replicate", "int"), need("seed", "int"), need("fold", "int"), need("row", "int"), need("prob", "float")];
  const byReplicate = new Map<number, PredictionLine[]>();
  const seen = new Set<string>();
  for (let i = 0; i < table.numRows; i++) {
    const line = { replicate: replicate[i], seed: seed[i], fold: fold[i], row: row[i], prob: prob[i] };
    if (Object.values(line).some((v) => typeof v !== "number")) ctx.fail(field, `prediction line ${i} has a null cell`);
    const l = line as PredictionLine;
    if (l.row < 0 || l.row >= tableRows) ctx.fail(field, `prediction line ${i} names row ${l.row}, but the table has ${tableRows} rows; were the predictions made on this table?`);
    if (!(l.prob >= 0 && l.prob <= 1)) ctx.fail(field, `prediction line ${i} has prob ${l.prob}; expected a probability in [0, 1]`);
    const key = `${l.replicate}/${l.row}`;
    if (seen.has(key)) ctx.fail(field, `replicate ${l.replicate} predicts row ${l.row} twice`);
    seen.add(key);
    const list = byReplicate.get(l.replicate) ?? [];
    list.push(l);
    byReplicate.set(l.replicate, list);
  }
  if (byReplicate.size === 0) ctx.fail(field, "the predictions table is empty");
  return byReplicate;
};

const meanSd = (values: readonly (number | null)[]): MeanSd => {
  const present = values.filter((v): v is number => v !== null);
  return { mean: mean(present), sd: sampleSd(present), replicates: present.length };
};

/** Computes the by-subgroup metrics document; exported for tests and for other evaluation steps. */
export const evaluateGroups = (labels: Labels, models: readonly { label: string; predictions: Map<number, PredictionLine[]> }[], threshold: number): BySubgroupMetrics => {
  const groups = [OVERALL, ...labels.groups];
  const perReplicate: ReplicateMetrics[] = [];
  const summary: SummaryMetrics[] = [];
  for (const { label, predictions } of models) {
    const replicateIds = [...predictions.keys()].sort((a, b) => a - b);
    const rowsByGroup = new Map<string, ReplicateMetrics[]>(groups.map((g) => [g, []]));
    for (const id of replicateIds) {
      const lines = [...predictions.get(id)!].sort((a, b) => a.row - b.row);
      const { seed, fold } = lines[0]!;
      for (const group of groups) {
        const inGroup = group === OVERALL ? lines : lines.filter((l) => labels.group[l.row] === group);
        const y = inGroup.map((l) => labels.y[l.row]!);
        const p = inGroup.map((l) => l.prob);
        const entry: ReplicateMetrics = {
          model: label,
          replicate: id,
          seed,
          fold,
          group,
          n: y.length,
          positives: y.filter((v) => v === 1).length,
          accuracy: y.length === 0 ? null : accuracy(y, p, threshold),
          auroc: auroc(y, p),
          brier: y.length === 0 ? null : brier(y, p),
        };
        perReplicate.push(entry);
        rowsByGroup.get(group)!.push(entry);
      }
    }
    for (const group of groups) {
      const present = rowsByGroup.get(group)!.filter((e) => e.n > 0);
      summary.push({
        model: label,
        group,
        replicates: present.length,
        nMin: present.length === 0 ? 0 : Math.min(...present.map((e) => e.n)),
        nMax: present.length === 0 ? 0 : Math.max(...present.map((e) => e.n)),
        nTotal: present.reduce((s, e) => s + e.n, 0),
        positivesMin: present.length === 0 ? 0 : Math.min(...present.map((e) => e.positives)),
        positivesTotal: present.reduce((s, e) => s + e.positives, 0),
        accuracy: meanSd(present.map((e) => e.accuracy)),
        auroc: meanSd(present.map((e) => e.auroc)),
        brier: meanSd(present.map((e) => e.brier)),
      });
    }
  }
  return { format: "strata-metrics/1", metric: "by-subgroup", threshold, models: models.map((m) => m.label), groups, perReplicate, summary };
};

export const bySubgroup = defineStep({
  kind: "evaluate.by-subgroup",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", predictions: { list: "predictions" } },
  outputs: { metrics: "metrics" },
  run: (inputs, params, ctx) => {
    if (inputs.predictions.length !== params.models.length) {
      ctx.fail("params.models", `${params.models.length} model labels for ${inputs.predictions.length} predictions inputs; give one label per input, in the same order`);
    }
    const table = inputs.table.table();
    const labels = readLabels(table, params, ctx);
    const models = inputs.predictions.map((input, i) => ({
      label: params.models[i]!,
      predictions: readPredictions(input.table(), table.numRows, `inputs.predictions[${i}]`, ctx),
    }));
    ctx.progress(1, 1);
    return { metrics: evaluateGroups(labels, models, params.threshold) as unknown as JsonValue };
  },
});

export interface BySubgroupOptions<C extends Columns> {
  readonly target: keyof C & string;
  readonly subgroup: keyof C & string;
  readonly threshold?: number;
}

/**
 * Pipeline builder. `predictions` maps a model label to its predictions; the labels are sorted (code-unit order)
 * so the node's params, inputs and output do not depend on how the record was written.
 */
export const evaluateBySubgroup = <C extends Columns>(
  table: TableHandle<C>,
  predictions: { readonly [label: string]: PredictionsHandle },
  params: BySubgroupOptions<C>,
  options: NodeOptions = {},
): MetricsHandle => {
  const labels = Object.keys(predictions).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const node = addNode(
    table.study as StudyGraph,
    bySubgroup,
    { table, predictions: labels.map((l) => predictions[l]!) },
    { ...params, models: labels },
    options,
  );
  node.requireColumns(table, [params.target], "params.target");
  node.requireColumns(table, [params.subgroup], "params.subgroup");
  return node.metrics("metrics");
};
