/**
 * The pipeline builder every train step exposes: a node on (table, split) whose column params (features, target
 * and, for personalization models, subgroup) are checked against the table's schema at build time and by tsc.
 * The other params are the step's own, all optional (the step's schema supplies defaults); a `recipe` naming a
 * column that is not a feature fails here. When the table's rows trace to a CSV file, the builder wires that source
 * so the step's messages name file lines (steps/row-reference.ts).
 */
import type { Columns, ModelSetHandle, PredictionsHandle, SplitHandle, TableHandle } from "../../dsl/handles.js";
import type { StepDefinition } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { DEFAULT_RECIPE, type Recipe, recipeColumnProblems } from "./recipe.js";
import { type rowLinesInput, rowSourceWiring } from "../row-reference.js";

type TrainInputs = { readonly table: "table"; readonly split: "split" } & typeof rowLinesInput;
// rowSource is wired by the builder (steps/row-reference.ts), never written by hand.
type ColumnParam = "features" | "target" | "subgroup" | "rowSource";

/**
 * What a builder takes: `E` is the step's params schema's Encoded type (defaulted fields optional), with the column
 * params narrowed to the table's columns `C`.
 */
export type TrainOptions<C extends Columns, E> = Readonly<Omit<E, ColumnParam>> & {
  readonly features: readonly (keyof C & string)[];
  readonly target: keyof C & string;
} & ("subgroup" extends keyof E ? { readonly subgroup: keyof C & string } : unknown);

/** A handle per step output: "models" is the model set, every other output a predictions table. */
export type TrainOutputs<O extends string> = { readonly [K in O]: K extends "models" ? ModelSetHandle : PredictionsHandle };

type OutputsOf<S> = S extends StepDefinition<infer _P, TrainInputs, infer O> ? O : never;

export type TrainStepBuilder<E, S> = <C extends Columns>(
  table: TableHandle<C>,
  split: SplitHandle,
  params: TrainOptions<C, E>,
  options?: NodeOptions,
) => TrainOutputs<OutputsOf<S>>;

/** The builder of a train step; annotate it as TrainStepBuilder<typeof Params.Encoded, typeof step>. */
export const trainStepBuilder =
  <P, O extends string>(step: StepDefinition<P, TrainInputs, O>) =>
  <C extends Columns>(
    table: TableHandle<C>,
    split: SplitHandle,
    params: { readonly features: readonly string[]; readonly target: string; readonly subgroup?: string; readonly recipe?: Recipe; readonly weights?: { readonly scheme: string; readonly subgroup?: string } },
    options: NodeOptions = {},
  ): TrainOutputs<O> => {
    const rows = rowSourceWiring(table);
    const node = addNode(table.study, step, { table, split, rowLines: rows.rowLines }, { ...params, ...rows.params }, options);
    node.requireColumns(table, params.features, "params.features");
    for (const { field, problem } of recipeColumnProblems(params.recipe ?? DEFAULT_RECIPE, params.features)) node.fail(field, problem);
    node.requireColumns(table, [params.target], "params.target");
    if (params.subgroup !== undefined) node.requireColumns(table, [params.subgroup], "params.subgroup");
    if (params.weights !== undefined && params.weights.subgroup !== undefined) node.requireColumns(table, [params.weights.subgroup], "params.weights.subgroup");
    const handles: Partial<Record<O, ModelSetHandle | PredictionsHandle>> = {};
    for (const [name, kind] of Object.entries(step.outputs) as [O, string][]) handles[name] = kind === "models" ? node.models(name) : node.predictions(name);
    return handles as TrainOutputs<O>;
  };
