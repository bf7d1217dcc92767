/**
 * What trial.hybrid reads, as typed columns in the patients table's row order: each person's predicted response
 * probabilities under both arms (the T-learner's two model sets scored on the patients table, averaged over each
 * set's replicates), their subgroup, and their N-of-1 results (trial.analyze's primary effect, trial.pool's
 * shrunken effect) turned into benefits: benefit = effect when better is "higher", −effect when "lower", with the
 * interval flipped with it. A person without an N-of-1 row, or with a null effect, has NaN there.
 */
import type * as arrow from "apache-arrow";
import { denseStringsOf, isValidAt } from "../../artifacts/dense-column.js";
import { denseColumn } from "../../artifacts/table.js";
import type { StepContext, StepInput } from "../../dsl/step.js";
import { readPredictions } from "../evaluate/predictions.js";

/** One N-of-1 result per person on the benefit scale (NaN where missing). */
export interface BenefitColumns {
  readonly benefit: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

export interface HybridRows {
  readonly patients: readonly string[];
  /** Subgroup code per person (index into `subgroups`); -1 when the study names no subgroup column. */
  readonly subgroup: Int32Array;
  readonly subgroups: readonly string[];
  readonly pReference: Float64Array;
  readonly pTreatment: Float64Array;
  /** P(respond | treatment, x) − P(respond | reference, x). */
  readonly predicted: Float64Array;
  readonly raw: BenefitColumns;
  readonly shrunken: BenefitColumns;
}

export type Better = "higher" | "lower";

const stringColumn = (table: arrow.Table, name: string, field: string, ctx: StepContext): string[] => {
  const col = denseColumn(table, name);
  if (col === undefined || col.type !== "string") ctx.fail(field, `expected a string column ${JSON.stringify(name)}; ${col === undefined ? "it is missing" : `it is ${col.type}`}`);
  return denseStringsOf(col).map((v, r) => v ?? ctx.fail(field, `column ${JSON.stringify(name)} is null in row ${r + 1}; every row needs one`));
};

/** A float column with NaN for nulls. */
const floatColumn = (table: arrow.Table, name: string, field: string, ctx: StepContext): Float64Array => {
  const col = denseColumn(table, name);
  if (col === undefined || col.type !== "float") ctx.fail(field, `expected a float column ${JSON.stringify(name)}; ${col === undefined ? "it is missing" : `it is ${col.type}`}`);
  const values = col.values as Float64Array;
  return Float64Array.from({ length: col.length }, (_, r) => (isValidAt(col, r) ? values[r]! : Number.NaN));
};

/** Each patients-table row's mean predicted probability over the replicates that scored it. */
const meanPrediction = (input: StepInput, rows: number, field: string, ctx: StepContext): Float64Array => {
  const sum = new Float64Array(rows);
  const count = new Int32Array(rows);
  for (const replicate of readPredictions(input.table(), rows, field, ctx)) {
    for (let i = 0; i < replicate.rows.length; i++) {
      const r = replicate.rows[i]!;
      sum[r] = sum[r]! + replicate.probs[i]!;
      count[r] = count[r]! + 1;
    }
  }
  const missing = count.indexOf(0);
  if (missing >= 0) ctx.fail(field, `no replicate predicts row ${missing + 1} of the patients table; score the whole table (predict.model-set on inputs.patients)`);
  return sum.map((s, r) => s / count[r]!);
};

/**
 * One N-of-1 result from a table keyed by `patient`, moved to the patients table's rows. A patient listed twice,
 * or a table that shares no patient with the patients table, is an error.
 */
const benefitsOf = (
  input: StepInput,
  field: string,
  columns: { readonly effect: string; readonly lower: string; readonly upper: string },
  patientRow: ReadonlyMap<string, number>,
  better: Better,
  ctx: StepContext,
): BenefitColumns => {
  const table = input.table();
  const ids = stringColumn(table, "patient", field, ctx);
  const [effect, lower, upper] = [columns.effect, columns.lower, columns.upper].map((name) => floatColumn(table, name, field, ctx)) as [Float64Array, Float64Array, Float64Array];
  const n = patientRow.size;
  const out = { benefit: new Float64Array(n).fill(Number.NaN), lower: new Float64Array(n).fill(Number.NaN), upper: new Float64Array(n).fill(Number.NaN) };
  const seen = new Uint8Array(n);
  let matched = 0;
  for (let i = 0; i < ids.length; i++) {
    const r = patientRow.get(ids[i]!);
    if (r === undefined) continue;
    if (seen[r] === 1) ctx.fail(field, `patient ${JSON.stringify(ids[i])} has two rows; expected one row per patient`);
    seen[r] = 1;
    matched++;
    const sign = better === "higher" ? 1 : -1;
    out.benefit[r] = sign * effect[i]!;
    out.lower[r] = better === "higher" ? lower[i]! : -upper[i]!;
    out.upper[r] = better === "higher" ? upper[i]! : -lower[i]!;
  }
  if (matched === 0 && ids.length > 0) ctx.fail(field, `none of its ${ids.length} patients is in inputs.patients; were both made from the same trial?`);
  return out;
};

export interface HybridInputs {
  readonly effects: StepInput;
  readonly shrunken: StepInput;
  readonly patients: StepInput;
  readonly referencePredictions: StepInput;
  readonly treatmentPredictions: StepInput;
}

export const readHybridRows = (inputs: HybridInputs, params: { readonly better: Better; readonly subgroup?: string | undefined }, ctx: StepContext): HybridRows => {
  const patientsTable = inputs.patients.table();
  const patients = stringColumn(patientsTable, "patient", "inputs.patients", ctx);
  const patientRow = new Map<string, number>();
  patients.forEach((id, r) => {
    if (patientRow.has(id)) ctx.fail("inputs.patients", `patient ${JSON.stringify(id)} is in rows ${patientRow.get(id)! + 1} and ${r + 1}; expected one row per patient`);
    patientRow.set(id, r);
  });
  const n = patients.length;
  let subgroup = new Int32Array(n).fill(-1);
  let subgroups: readonly string[] = [];
  if (params.subgroup !== undefined) {
    const cells = stringColumn(patientsTable, params.subgroup, "params.subgroup", ctx);
    subgroups = [...new Set(cells)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (subgroups.includes("overall")) ctx.fail("params.subgroup", `a subgroup is named "overall", the name of everyone together; rename it`);
    const code = new Map(subgroups.map((g, i) => [g, i]));
    subgroup = Int32Array.from(cells, (g) => code.get(g)!);
  }
  const pReference = meanPrediction(inputs.referencePredictions, n, "inputs.referencePredictions", ctx);
  const pTreatment = meanPrediction(inputs.treatmentPredictions, n, "inputs.treatmentPredictions", ctx);
  return {
    patients,
    subgroup,
    subgroups,
    pReference,
    pTreatment,
    predicted: pTreatment.map((p, r) => p - pReference[r]!),
    raw: benefitsOf(inputs.effects, "inputs.effects", { effect: "effect", lower: "lower", upper: "upper" }, patientRow, params.better, ctx),
    shrunken: benefitsOf(inputs.shrunken, "inputs.shrunken", { effect: "shrunken", lower: "shrunken_lower", upper: "shrunken_upper" }, patientRow, params.better, ctx),
  };
};
