/**
 * trial.simulate: daily outcomes for a schedule under the mechanistic model (steps/trials/mechanistic-model.ts),
 * and the patients with their covariates and true effects. Covariates are drawn from the declared generators, or
 * read from a covariates table (a string column `patient` and numeric columns) when one is wired.
 */
import { Schema } from "effect";
import { type ColumnData, denseColumn, denseColumns, makeTable } from "../../artifacts/table.js";
import { denseStringsOf, isValidAt } from "../../artifacts/dense-column.js";
import type { Columns, MetricsHandle, TableHandle } from "../../dsl/handles.js";
import { type StepContext, type StepInput, defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { readTrialDesign } from "./design-document.js";
import type { OutcomeColumns, ScheduleColumns } from "./design.js";
import { type CovariateColumn, type MechanisticModel, MechanisticModelFields, coefficientsDeclared, drawCovariates, missingCoefficient, simulateOutcomes, trueEffects } from "./mechanistic-model.js";
import { OUTCOME_COLUMNS, readTrialDays, trialDaysTable } from "./trial-days.js";


const Params = Schema.Struct(MechanisticModelFields).check(coefficientsDeclared(true));

/** The numeric columns of a covariates table, in the order of `patients` (every patient must have a row). */
const readCovariateTable = (input: StepInput, patients: readonly string[], ctx: StepContext): CovariateColumn[] => {
  const table = input.table();
  const idColumn = denseColumn(table, "patient");
  if (idColumn === undefined || idColumn.type !== "string") ctx.fail("inputs.covariates", `the covariates table needs a string column "patient"; ${idColumn === undefined ? "it has none" : `it is ${idColumn.type}`}`);
  const rowOf = new Map<string, number>();
  denseStringsOf(idColumn!).forEach((id, r) => {
    if (id === null || rowOf.has(id)) ctx.fail("inputs.covariates", `row ${r + 1} (1-based): ${id === null ? "no patient id" : `patient ${JSON.stringify(id)} has a second row`}; give each patient one row`);
    rowOf.set(id!, r);
  });
  const rows = patients.map((id) => rowOf.get(id) ?? ctx.fail("inputs.covariates", `patient ${JSON.stringify(id)} of the schedule has no row; give every patient one`));
  return denseColumns(table)
    .filter((c) => c.name !== "patient")
    .map((c) => {
      if (c.type !== "float" && c.type !== "int") ctx.fail("inputs.covariates", `column ${JSON.stringify(c.name)} is ${c.type}; covariates must be numeric (encode it first)`);
      const source = c.values as Float64Array | Int32Array;
      const values = new Float64Array(rows.length);
      rows.forEach((r, p) => {
        if (!isValidAt(c, r)) ctx.fail("inputs.covariates", `column ${JSON.stringify(c.name)} is null for patient ${JSON.stringify(patients[p])}; impute it first`);
        values[p] = source[r]!;
      });
      return { name: c.name, type: c.type as "float" | "int", values };
    });
};

export const trialSimulateStep = defineStep({
  kind: "trial.simulate",
  module: import.meta.url,
  params: Params,
  inputs: { design: "metrics", schedule: "table", covariates: { optional: "table" } },
  outputs: { outcomes: "table", patients: "table" },
  run: (inputs, params, ctx) => {
    const design = readTrialDesign(inputs.design.json(), (problem) => ctx.fail("inputs.design", problem));
    const schedule = readTrialDays(inputs.schedule.table(), design.treatments, (problem) => ctx.fail("inputs.schedule", problem));
    const random = (stream: string) => ctx.random(stream);
    let covariates: CovariateColumn[];
    if (inputs.covariates !== undefined) {
      if (params.covariates.length > 0) ctx.fail("params.covariates", "covariates are declared and a covariates table is wired; use one of them");
      covariates = readCovariateTable(inputs.covariates, schedule.patients, ctx);
      const missing = missingCoefficient(params, covariates.map((c) => c.name));
      if (missing !== undefined) ctx.fail(`params.effect.coefficients.${missing}`, `the covariates table has no column ${JSON.stringify(missing)}; it has ${covariates.map((c) => c.name).join(", ") || "none"}`);
    } else {
      const missing = missingCoefficient(params, params.covariates.map((c) => c.name));
      if (missing !== undefined) ctx.fail(`params.effect.coefficients.${missing}`, `no covariate ${JSON.stringify(missing)} is declared and no covariates table is wired`);
      covariates = drawCovariates(params.covariates, schedule.patients, random);
    }
    const effect = trueEffects(params, schedule.patients, covariates, random);
    const days = simulateOutcomes(schedule, params, effect, random);
    let missingDays = 0;
    for (const v of days.outcome!) if (Number.isNaN(v)) missingDays++;
    ctx.log(`${schedule.patients.length} patients, ${days.day.length} days, ${missingDays} missing`);
    const patientColumns: ColumnData[] = [
      { name: "patient", type: "string", values: schedule.patients },
      ...covariates.map((c) => ({ name: c.name, type: c.type, values: c.type === "int" ? Int32Array.from(c.values) : c.values })),
      { name: "true_effect", type: "float", values: effect },
    ];
    return { outcomes: trialDaysTable(days), patients: makeTable(patientColumns) };
  },
});

export type SimulateOptions = Partial<Omit<MechanisticModel, "effect">> & { readonly effect: Partial<MechanisticModel["effect"]> & { readonly mean: number } };

/**
 * e.g. simulateTrial(design, { effect: { mean: 1, sd: 0.5, coefficients: { severity: 0.8 } }, covariates:
 * [{ name: "severity", kind: "normal", mean: 0, sd: 1 }], onsetTime: 2, washoutTime: 2, measurementSd: 1 }).
 * Column types of the patients table: covariates as declared (normal float, binary int), or those of `covariates`.
 */
export const simulateTrial = <CV extends Columns = Columns>(
  design: { readonly design: MetricsHandle; readonly schedule: TableHandle<ScheduleColumns> },
  params: SimulateOptions,
  options: NodeOptions & { readonly covariates?: TableHandle<CV> } = {},
): { readonly outcomes: TableHandle<OutcomeColumns>; readonly patients: TableHandle<Columns> } => {
  const { covariates, ...nodeOptions } = options;
  const node = addNode(design.schedule.study, trialSimulateStep, { design: design.design, schedule: design.schedule, covariates }, params, nodeOptions);
  if (covariates !== undefined) node.requireColumns(covariates, ["patient", ...Object.keys(params.effect.coefficients ?? {})], "inputs.covariates");
  const covariateColumns: Record<string, "float" | "int" | "string" | "bool"> =
    covariates !== undefined ? Object.fromEntries(Object.entries(covariates.columns).filter(([name]) => name !== "patient")) : Object.fromEntries((params.covariates ?? []).map((c) => [c.name, c.kind === "normal" ? "float" : "int"]));
  return {
    outcomes: node.table("outcomes", Object.fromEntries(OUTCOME_COLUMNS.map((c) => [c.name, c.type])) as OutcomeColumns),
    patients: node.table("patients", { patient: "string", ...covariateColumns, true_effect: "float" }),
  };
};
