/**
 * evaluate.synthetic: how alike a synthetic table is to the real rows it was fitted on (fidelity: column shapes
 * and column-pair trends, overall and per subgroup level; fidelity.ts) and how much of those rows it gives away
 * (privacy: record distances against a real holdout, membership inference, rare-combination disclosure;
 * privacy.ts, disclosure.ts). Writes a strata-synth-evaluation/1 document (document.ts).
 */
import type { Columns, MetricsHandle, TableHandle } from "../../../dsl/handles.js";
import { type JsonValue, defineStep } from "../../../dsl/step.js";
import { type NodeOptions, addNode } from "../../../dsl/study.js";
import { rareCombinationDisclosure } from "./disclosure.js";
import { SYNTH_EVALUATION_FORMAT, type SyntheticEvaluation, SyntheticEvaluationParams } from "./document.js";
import { encodeTables } from "./encoded-tables.js";
import { fidelity } from "./fidelity.js";
import { privacyMeasures } from "./privacy.js";

export const syntheticEvaluation = defineStep({
  kind: "evaluate.synthetic",
  module: import.meta.url,
  params: SyntheticEvaluationParams,
  inputs: { real: "table", synthetic: "table", holdout: "table" },
  outputs: { evaluation: "metrics" },
  run: (inputs, params, ctx) => {
    params.categorical.forEach((name, i) => {
      if (!params.columns.includes(name)) ctx.fail(`params.categorical[${i}]`, `${JSON.stringify(name)} is not one of params.columns; list it there too`);
    });
    params.quasiIdentifiers.forEach((name, i) => {
      if (!params.columns.includes(name)) ctx.fail(`params.quasiIdentifiers[${i}]`, `${JSON.stringify(name)} is not one of params.columns; list it there too`);
    });
    const tables = { real: inputs.real.table(), synthetic: inputs.synthetic.table(), holdout: inputs.holdout.table() };
    const extra = params.subgroup !== undefined && !params.columns.includes(params.subgroup) ? [params.subgroup] : [];
    const encoded = encodeTables(tables, [...params.columns, ...extra], new Set(params.categorical), ctx);
    const width = params.columns.length;
    const specs = encoded.specs.slice(0, width);
    const compared = (t: typeof encoded.real) => ({ rows: t.rows, cells: t.cells.slice(0, width) });
    const real = compared(encoded.real);
    const synthetic = compared(encoded.synthetic);
    const holdout = compared(encoded.holdout);
    if (real.rows < 2 || synthetic.rows < 2 || holdout.rows < 2) {
      ctx.fail("inputs", `real ${real.rows}, synthetic ${synthetic.rows} and holdout ${holdout.rows} rows; each table needs at least 2 rows`);
    }
    const s = params.subgroup === undefined ? -1 : encoded.specs.findIndex((spec) => spec.name === params.subgroup);
    if (s >= 0 && encoded.specs[s]!.kind !== "categorical") {
      ctx.fail("params.subgroup", `column ${JSON.stringify(params.subgroup)} is numeric; a subgroup column must be string or bool, or listed in params.categorical`);
    }
    const subgroup = s < 0 ? undefined : { spec: encoded.specs[s]!, real: encoded.real.cells[s] as Int32Array, synthetic: encoded.synthetic.cells[s] as Int32Array };
    const quasi = params.quasiIdentifiers.map((name) => params.columns.indexOf(name));
    const shapes = fidelity(specs, real, synthetic, subgroup, params.minCell);
    ctx.progress(1, 2);
    const privacy = privacyMeasures(specs, { real, synthetic, holdout }, params.maxRows, (stream) => ctx.random(stream));
    ctx.progress(2, 2);
    const doc: SyntheticEvaluation = {
      format: SYNTH_EVALUATION_FORMAT,
      rows: { real: real.rows, synthetic: synthetic.rows, holdout: holdout.rows },
      subgroup: params.subgroup ?? null,
      minCell: params.minCell,
      ...shapes,
      privacy: {
        columns: params.columns,
        ...privacy,
        rareCombinations: rareCombinationDisclosure(real, synthetic, quasi, params.quasiIdentifiers, params.minCell),
      },
    };
    ctx.log(`fidelity: column shapes ${doc.summary.overall.columnShapes}, pair trends ${doc.summary.overall.columnPairTrends}; privacy flags: ${privacy.flags.length === 0 ? "none" : privacy.flags.join("; ")}`);
    return { evaluation: doc as unknown as JsonValue };
  },
});

export interface SyntheticEvaluationOptions<C extends Columns> {
  readonly columns: readonly (keyof C & string)[];
  readonly categorical?: readonly (keyof C & string)[];
  readonly subgroup?: keyof C & string;
  readonly minCell?: number;
  readonly maxRows?: number;
  readonly quasiIdentifiers?: readonly (keyof C & string)[];
}

/**
 * Pipeline builder: `real` = the rows the generator was fitted on, `holdout` = real rows it never saw. E.g.
 *   evaluateSynthetic(train, sampled.table, test, { columns: ["age", "sex", "chol"], subgroup: "sex" }, { id: "synth-eval" })
 */
export const evaluateSynthetic = <C extends Columns>(
  real: TableHandle<C>,
  synthetic: TableHandle,
  holdout: TableHandle,
  params: SyntheticEvaluationOptions<C>,
  options: NodeOptions = {},
): MetricsHandle => {
  const node = addNode(real.study, syntheticEvaluation, { real, synthetic, holdout }, params, options);
  node.requireColumns(real, params.columns, "params.columns");
  if (params.subgroup !== undefined) node.requireColumns(real, [params.subgroup], "params.subgroup");
  return node.metrics("evaluation");
};
