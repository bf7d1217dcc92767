/**
 * What report.trial reads, checked, as typed columns: the design document, the trial days, trial.analyze's
 * per-patient effects, trial.pool's shrunken effects (matched to the effects by patient) and pooled document,
 * and the analysis summary, and optionally the hybrid document and trial.power's table and summary. A missing column or a
 * document of another kind fails naming the input.
 */
import type * as arrow from "apache-arrow";
import { Schema } from "effect";
import { denseStringsOf, isValidAt } from "../../artifacts/dense-column.js";
import { denseColumn } from "../../artifacts/table.js";
import type { StepContext, StepInput } from "../../dsl/step.js";
import { type TrialDesign, readTrialDesign } from "../trials/design-document.js";
import { type HybridDoc, readHybridDoc } from "../trials/hybrid-document.js";
import { type TrialDays, readTrialDays } from "../trials/trial-days.js";
import { type AnalysisSummary, readAnalysisSummary } from "../trials/analysis-summary.js";

const PooledSchema = Schema.Struct({
  format: Schema.Literal("strata-trial-pool/1"),
  mu: Schema.Number,
  muSe: Schema.Number,
  muLower: Schema.Number,
  muUpper: Schema.Number,
  /** How the μ interval is formed, in words. */
  muInterval: Schema.optionalKey(Schema.String),
  tau: Schema.Number,
  tau2: Schema.Number,
  patients: Schema.Number,
  method: Schema.String,
  gibbs: Schema.Struct({
    mu: Schema.Number,
    muLower: Schema.Number,
    muUpper: Schema.Number,
    tau: Schema.Number,
    tauLower: Schema.Number,
    tauUpper: Schema.Number,
    draws: Schema.Number,
    burnIn: Schema.Number,
    chains: Schema.optionalKey(Schema.Number),
    rhatMu: Schema.optionalKey(Schema.NullOr(Schema.Number)),
    rhatTau: Schema.optionalKey(Schema.NullOr(Schema.Number)),
    prior: Schema.optionalKey(Schema.String),
  }),
});
export type PooledDoc = typeof PooledSchema.Type;

/** Per patient, in the effects table's order; NaN where the analysis or the pooling gave none. */
export interface PatientEffects {
  readonly patients: readonly string[];
  readonly cycles: Float64Array;
  readonly days: Float64Array;
  readonly effect: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly pBenefit: Float64Array;
  readonly pMcid: Float64Array;
  readonly shrunken: Float64Array;
  readonly shrunkenLower: Float64Array;
  readonly shrunkenUpper: Float64Array;
  readonly shrunkenPPositive: Float64Array;
  readonly shrunkenPMcid: Float64Array;
}

/** trial.power's summary: the cheapest design reaching the target power per scenario. */
const PowerSummarySchema = Schema.Struct({
  format: Schema.Literal("strata-trial-power/1"),
  targetPower: Schema.Number,
  decidedBy: Schema.NullOr(Schema.String),
  cheapest: Schema.Array(
    Schema.Struct({
      effectSize: Schema.Number,
      onsetTime: Schema.Number,
      washoutTime: Schema.Number,
      driftSd: Schema.Number,
      design: Schema.NullOr(Schema.String),
      patientDays: Schema.NullOr(Schema.Number),
      power: Schema.NullOr(Schema.Number),
    }),
  ),
});
export type PowerSummary = typeof PowerSummarySchema.Type;

/** trial.power's outputs: its table (shown column by column, as written) and its summary. */
export interface PowerResults {
  readonly table: arrow.Table;
  readonly summary: PowerSummary;
}

export interface TrialReportInputs {
  readonly design: TrialDesign;
  readonly days: TrialDays;
  readonly effects: PatientEffects;
  readonly pooled: PooledDoc;
  readonly hybrid: HybridDoc | undefined;
  readonly summary: AnalysisSummary;
  readonly power: PowerResults | undefined;
}

const patientIds = (table: arrow.Table, field: string, ctx: StepContext): string[] => {
  const col = denseColumn(table, "patient");
  if (col === undefined || col.type !== "string") ctx.fail(field, `expected a string column "patient"; ${col === undefined ? "it is missing" : `it is ${col.type}`}`);
  return denseStringsOf(col).map((v, r) => v ?? ctx.fail(field, `column "patient" is null in row ${r + 1}`));
};

/** A numeric column as floats, NaN for nulls, moved to `rowOf` positions (-1 = not there). */
const numbers = (table: arrow.Table, name: string, field: string, rowOf: Int32Array, size: number, ctx: StepContext): Float64Array => {
  const col = denseColumn(table, name);
  if (col === undefined || (col.type !== "float" && col.type !== "int")) ctx.fail(field, `expected a numeric column ${JSON.stringify(name)}; ${col === undefined ? "it is missing" : `it is ${col.type}`}`);
  const out = new Float64Array(size).fill(Number.NaN);
  const values = col.values as Float64Array | Int32Array;
  for (let r = 0; r < col.length; r++) if (rowOf[r]! >= 0 && isValidAt(col, r)) out[rowOf[r]!] = values[r]!;
  return out;
};

const readEffects = (effectsInput: StepInput, shrunkenInput: StepInput, ctx: StepContext): PatientEffects => {
  const effects = effectsInput.table();
  const patients = patientIds(effects, "inputs.effects", ctx);
  const n = patients.length;
  const identity = Int32Array.from(patients, (_, r) => r);
  const position = new Map(patients.map((p, r) => [p, r]));
  if (position.size !== n) ctx.fail("inputs.effects", "a patient has two rows; expected one row per patient (trial.analyze's effects)");
  const shrunkenTable = shrunkenInput.table();
  const shrunkenRow = Int32Array.from(patientIds(shrunkenTable, "inputs.shrunken", ctx), (p) => position.get(p) ?? -1);
  const fromEffects = (name: string) => numbers(effects, name, "inputs.effects", identity, n, ctx);
  const fromShrunken = (name: string) => numbers(shrunkenTable, name, "inputs.shrunken", shrunkenRow, n, ctx);
  return {
    patients,
    cycles: fromEffects("cycles"),
    days: fromEffects("days"),
    effect: fromEffects("effect"),
    lower: fromEffects("lower"),
    upper: fromEffects("upper"),
    pBenefit: fromEffects("p_benefit"),
    pMcid: fromEffects("p_mcid"),
    shrunken: fromShrunken("shrunken"),
    shrunkenLower: fromShrunken("shrunken_lower"),
    shrunkenUpper: fromShrunken("shrunken_upper"),
    shrunkenPPositive: fromShrunken("p_positive"),
    shrunkenPMcid: fromShrunken("p_mcid"),
  };
};

const decoded = <S extends Schema.Codec<unknown, unknown, never, never>>(schema: S, input: StepInput, field: string, expected: string, ctx: StepContext): S["Type"] => {
  try {
    return Schema.decodeUnknownSync(schema)(input.json());
  } catch (e) {
    return ctx.fail(field, `this is not ${expected}: ${e instanceof Error ? e.message : String(e)}`);
  }
};

export interface TrialReportStepInputs {
  readonly design: StepInput;
  readonly outcomes: StepInput;
  readonly effects: StepInput;
  readonly shrunken: StepInput;
  readonly pooled: StepInput;
  readonly summary: StepInput;
  readonly hybrid: StepInput | undefined;
  readonly powerTable: StepInput | undefined;
  readonly powerSummary: StepInput | undefined;
}

const readPower = (inputs: TrialReportStepInputs, ctx: StepContext): PowerResults | undefined => {
  if ((inputs.powerTable === undefined) !== (inputs.powerSummary === undefined)) ctx.fail("inputs.powerTable", "wire both of trial.power's outputs (table and summary), or neither");
  if (inputs.powerTable === undefined || inputs.powerSummary === undefined) return undefined;
  return { table: inputs.powerTable.table(), summary: decoded(PowerSummarySchema, inputs.powerSummary, "inputs.powerSummary", "a strata-trial-power/1 summary (from trial.power)", ctx) };
};

export const readTrialReportInputs = (inputs: TrialReportStepInputs, ctx: StepContext): TrialReportInputs => {
  const design = readTrialDesign(inputs.design.json(), (problem) => ctx.fail("inputs.design", problem));
  const days = readTrialDays(inputs.outcomes.table(), design.treatments, (problem) => ctx.fail("inputs.outcomes", problem));
  if (days.outcome === undefined) ctx.fail("inputs.outcomes", `the trial days have no "outcome" column; pass trial.simulate's or trial.check's outcomes, not the schedule`);
  return {
    design,
    days,
    effects: readEffects(inputs.effects, inputs.shrunken, ctx),
    pooled: decoded(PooledSchema, inputs.pooled, "inputs.pooled", "a strata-trial-pool/1 document (from trial.pool)", ctx),
    summary: readAnalysisSummary(inputs.summary, ctx),
    hybrid: inputs.hybrid === undefined ? undefined : readHybridDoc(inputs.hybrid.json(), (problem) => ctx.fail("inputs.hybrid", problem)),
    power: readPower(inputs, ctx),
  };
};
