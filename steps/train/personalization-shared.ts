/**
 * What the personalization train steps (train.dcp, train.conditional-bias) share: the seed paper's hyperparameter
 * defaults and reading the subgroup column.
 *
 * Paper: "Towards personalized healthcare without harm via bias modulation" (SCSL @ ICLR 2025, CC BY 4.0); see
 * docs/references.md. It gives the attribute predictor "50 layers" of 64 units (as written), the label predictor 6 layers
 * of 64, dropout 0.2, Adam with learning rate 0.001 and early stopping. It does not give the number of epochs, the
 * batch size or the patience: ours are marked below.
 */
import type * as arrow from "apache-arrow";
import { tableColumns } from "../../artifacts/table.js";
import type { StepContext } from "../../dsl/step.js";
import type { MlpHyperparameters } from "./mlp-toolkit.js";

/** The label predictor (Generic, each DCP model, and stage 2 of conditional bias): 6 × 64, dropout 0.2, Adam 1e-3. */
export const LABEL_PREDICTOR_DEFAULTS: MlpHyperparameters = {
  layers: [64, 64, 64, 64, 64, 64],
  dropout: 0.2,
  learningRate: 0.001,
  /** Ours (not in the paper): an upper bound; early stopping usually ends training well before. */
  epochs: 100,
  /** Ours (not in the paper). */
  batchSize: 32,
  /** Ours (not in the paper): epochs without a lower valid loss before stopping. */
  patience: 10,
};

/** The sensitive-attribute predictor (stage 1 of conditional bias): 50 × 64 as the paper writes it. */
export const ATTRIBUTE_PREDICTOR_DEFAULTS: MlpHyperparameters = {
  layers: new Array<number>(50).fill(64),
  dropout: 0.2,
  learningRate: 0.001,
  epochs: 100,
  batchSize: 32,
  patience: 10,
};

export interface GroupColumn {
  /** The group of every input row. */
  readonly group: readonly string[];
  /** The distinct groups in code-unit order. */
  readonly groups: readonly string[];
}

/** Reads a string column of subgroup names with no nulls (as subgroups.define writes it). */
export const readGroupColumn = (table: arrow.Table, column: string, ctx: StepContext, rowName: (r: number) => string, field = "params.subgroup"): GroupColumn => {
  const columns = tableColumns(table);
  const col = columns.find((c) => c.name === column);
  if (col === undefined) ctx.fail(field, `unknown column ${JSON.stringify(column)}; the input table has ${columns.map((c) => c.name).join(", ")}`);
  if (col.type !== "string") ctx.fail(field, `column ${JSON.stringify(column)} is ${col.type}; expected a string column of subgroup names (from subgroups.define)`);
  const group: string[] = [];
  for (let r = 0; r < table.numRows; r++) {
    const g = col.values[r];
    if (typeof g !== "string" || g.length === 0) ctx.fail(field, `column ${JSON.stringify(column)} has no subgroup at ${rowName(r)}; every row needs one`);
    group.push(g);
  }
  const groups = [...new Set(group)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { group, groups };
};
