/**
 * trial.check: real N-of-1 data in long format (one row per patient-day, e.g. from ingest.csv) checked and turned
 * into the trial tables the analysis reads. What must hold, each failing with the field, the patient and the line:
 *   - patient, day and treatment are set on every row; the treatment is one of params.treatments;
 *   - the outcome is numeric (a text column is parsed; an empty cell is a missing day);
 *   - a patient's days strictly increase in the file (a day twice means two periods overlap);
 *   - every patient has every treatment; covariates are constant within a patient.
 * Periods (numbered 1, 2, … per patient) are the runs of one treatment in day order, or the runs of one value of a
 * `period` column when one is named (needed when a design repeats a treatment in adjacent periods, e.g. ABBA); cycle = ⌈period / k⌉ for k treatments; a
 * period's days less than washoutDays after its first day are "washout". Days are kept as recorded: a day absent
 * from the file is absent from the table. Patients keep the order of their first row.
 *
 * The design document describes the data: the declared kind and treatments, cycles = the fewest complete cycles
 * of any patient, periodDays = the longest period's span in days, no baseline or run-in.
 */
import { Effect, Schema } from "effect";
import { type ColumnData, type DenseColumn, denseColumn, makeTable } from "../../artifacts/table.js";
import { denseCells, denseStringsOf, isValidAt } from "../../artifacts/dense-column.js";
import type { ColumnType, Columns, MetricsHandle, TableHandle } from "../../dsl/handles.js";
import { type JsonValue, defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { rowLinesInput, rowNamer, rowSourceFields, rowSourceWiring } from "../row-reference.js";
import { DESIGN_KINDS, type TrialDesign, TrialDesignSchema } from "./design-document.js";
import type { OutcomeColumns } from "./design.js";
import { OUTCOME_COLUMNS, PHASES, trialDaysTable } from "./trial-days.js";

const name = (fallback: string) => Schema.String.check(Schema.isMinLength(1)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(fallback)));

const Params = Schema.Struct({
  columns: Schema.Struct({ patient: name("patient"), day: name("day"), treatment: name("treatment"), outcome: name("outcome"), period: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1))) }).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed({})),
  ),
  covariates: Schema.Array(Schema.String.check(Schema.isMinLength(1))).check(Schema.isUnique({ message: "a covariate is listed twice" })).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  treatments: TrialDesignSchema.fields.treatments,
  design: Schema.Literals(DESIGN_KINDS),
  washoutDays: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0))),
  ...rowSourceFields,
});
type Params = typeof Params.Type;

const WASHOUT = PHASES.indexOf("washout");
const ACTIVE = PHASES.indexOf("active");

export const trialCheckStep = defineStep({
  kind: "trial.check",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", ...rowLinesInput },
  outputs: { design: "metrics", outcomes: "table", patients: "table" },
  run: (inputs, params, ctx) => {
    const table = inputs.table.table();
    const at = rowNamer("table", params.rowSource, inputs.rowLines);
    const n = table.numRows;
    if (n === 0) ctx.fail("inputs.table", "the table has no rows");
    const column = (field: string, columnName: string, types: readonly ColumnType[]): DenseColumn => {
      const col = denseColumn(table, columnName);
      if (col === undefined) return ctx.fail(field, `the table has no column ${JSON.stringify(columnName)}; name the right one in ${field}`);
      if (!types.includes(col.type)) ctx.fail(field, `column ${JSON.stringify(columnName)} is ${col.type}; it must be ${types.join(" or ")}`);
      return col;
    };
    const patientCol = column("params.columns.patient", params.columns.patient, ["string", "int"]);
    const dayCol = column("params.columns.day", params.columns.day, ["int"]);
    const treatmentCol = column("params.columns.treatment", params.columns.treatment, ["string"]);
    const outcomeCol = column("params.columns.outcome", params.columns.outcome, ["float", "int", "string"]);
    const periodCol = params.columns.period === undefined ? undefined : column("params.columns.period", params.columns.period, ["int"]);

    // Patients by first appearance; each row's patient code.
    const ids = patientCol.type === "string" ? denseStringsOf(patientCol) : denseCells(patientCol).map((v) => (v === null ? null : String(v)));
    const codeOf = new Map<string, number>();
    const patients: string[] = [];
    const code = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const id = ids[r];
      if (id === null || id === undefined || id === "") return ctx.fail("params.columns.patient", `${at(r)} has no patient id; give every row one`);
      let c = codeOf.get(id);
      if (c === undefined) codeOf.set(id, (c = patients.push(id) - 1));
      code[r] = c;
    }
    const who = (r: number) => `patient ${JSON.stringify(patients[code[r]!])}`;

    // Rows grouped by patient (counting sort, stable: file order within a patient).
    const start = new Int32Array(patients.length + 1);
    for (let r = 0; r < n; r++) start[code[r]! + 1]!++;
    for (let p = 0; p < patients.length; p++) start[p + 1]! += start[p]!;
    const order = new Int32Array(n);
    const fill = start.slice(0, patients.length);
    for (let r = 0; r < n; r++) order[fill[code[r]!]!++] = r;

    const treatmentCode = new Map(params.treatments.map((t, i) => [t, i]));
    const treatmentCells = denseStringsOf(treatmentCol);
    const outcomeCells = outcomeCol.type === "string" ? denseStringsOf(outcomeCol) : undefined;
    /** Row r's outcome: NaN when empty; a text column is parsed, and a cell that is not a number is an error. */
    const readOutcome = (r: number): number => {
      if (!isValidAt(outcomeCol, r)) return Number.NaN;
      if (outcomeCells === undefined) return (outcomeCol.values as Float64Array | Int32Array)[r]!;
      const text = outcomeCells[r]!.trim();
      const value = text === "" ? Number.NaN : Number(text);
      if (text !== "" && !Number.isFinite(value)) ctx.fail("params.columns.outcome", `the outcome ${JSON.stringify(outcomeCells[r])} at ${at(r)} (${who(r)}) is not a number; leave a missing day empty`);
      return value;
    };

    const dayValues = dayCol.values as Int32Array;
    const k = params.treatments.length;
    const day = new Int32Array(n);
    const period = new Int32Array(n);
    const cycle = new Int32Array(n);
    const treatment = new Int32Array(n);
    const phase = new Uint8Array(n);
    const outcome = new Float64Array(n);
    let fewestCycles = Number.POSITIVE_INFINITY;
    let longestPeriod = 0;
    for (let p = 0; p < patients.length; p++) {
      const seen = new Uint8Array(k);
      let periodNumber = 0;
      let periodStart = 0;
      let lastPeriodValue = 0;
      for (let i = start[p]!; i < start[p + 1]!; i++) {
        const r = order[i]!;
        if (!isValidAt(dayCol, r)) ctx.fail("params.columns.day", `${at(r)} (${who(r)}) has no day; give every row one`);
        day[i] = dayValues[r]!;
        if (i > start[p]!) {
          const previous = order[i - 1]!;
          if (day[i] === day[i - 1]) ctx.fail("params.columns.day", `day ${day[i]} of ${who(r)} appears twice (${at(previous)} and ${at(r)}): two periods overlap; keep one row per patient-day`);
          if (day[i]! < day[i - 1]!) ctx.fail("params.columns.day", `day ${day[i]} of ${who(r)} at ${at(r)} comes after day ${day[i - 1]} (${at(previous)}); list each patient's days in increasing order`);
        }
        const t = treatmentCells[r];
        if (t === null || t === undefined) return ctx.fail("params.columns.treatment", `${at(r)} (${who(r)}) has no treatment; every day of a trial needs one`);
        const tc = treatmentCode.get(t);
        if (tc === undefined) return ctx.fail("params.columns.treatment", `treatment ${JSON.stringify(t)} at ${at(r)} (${who(r)}) is not one of params.treatments (${params.treatments.join(", ")}); fix the name or list it`);
        treatment[i] = tc;
        seen[tc] = 1;
        let newPeriod = i === start[p]! || tc !== treatment[i - 1];
        if (periodCol !== undefined) {
          if (!isValidAt(periodCol, r)) ctx.fail("params.columns.period", `${at(r)} (${who(r)}) has no period`);
          const value = (periodCol.values as Int32Array)[r]!;
          if (i > start[p]! && value < lastPeriodValue) ctx.fail("params.columns.period", `period ${value} at ${at(r)} (${who(r)}) comes after period ${lastPeriodValue}; periods must not interleave`);
          if (i > start[p]! && value === lastPeriodValue && tc !== treatment[i - 1]) ctx.fail("params.columns.treatment", `${at(r)} (${who(r)}) changes the treatment inside period ${value}; one period has one treatment`);
          newPeriod = i === start[p]! || value !== lastPeriodValue;
          lastPeriodValue = value;
        }
        if (newPeriod) {
          if (i > start[p]!) longestPeriod = Math.max(longestPeriod, day[i - 1]! - periodStart + 1);
          periodNumber++;
          periodStart = day[i]!;
        }
        period[i] = periodNumber;
        cycle[i] = Math.ceil(periodNumber / k);
        phase[i] = day[i]! - periodStart < params.washoutDays ? WASHOUT : ACTIVE;
        outcome[i] = readOutcome(r);
      }
      longestPeriod = Math.max(longestPeriod, day[start[p + 1]! - 1]! - periodStart + 1);
      const lacking = params.treatments.filter((_, t) => seen[t] === 0);
      if (lacking.length > 0) ctx.fail("params.columns.treatment", `patient ${JSON.stringify(patients[p])} (first row at ${at(order[start[p]!]!)}) never has ${lacking.map((t) => JSON.stringify(t)).join(", ")}; every patient needs every treatment`);
      fewestCycles = Math.min(fewestCycles, Math.floor(periodNumber / k));
    }
    if (params.washoutDays >= longestPeriod) ctx.fail("params.washoutDays", `the longest period spans ${longestPeriod} days, so a washout of ${params.washoutDays} days leaves no analysed day; make it shorter`);

    const covariates: ColumnData[] = params.covariates.map((c, j) => {
      const col = column(`params.covariates[${j}]`, c, ["float", "int", "string", "bool"]);
      const cells = denseCells(col);
      const values = patients.map((_, p) => {
        const first = order[start[p]!]!;
        for (let i = start[p]! + 1; i < start[p + 1]!; i++) {
          const r = order[i]!;
          if (cells[r] !== cells[first]) ctx.fail(`params.covariates[${j}]`, `${JSON.stringify(c)} of patient ${JSON.stringify(patients[p])} is ${JSON.stringify(cells[first])} at ${at(first)} but ${JSON.stringify(cells[r])} at ${at(r)}; a covariate is one value per patient`);
        }
        return cells[first]!;
      });
      return { name: c, type: col.type, values };
    });

    const design: TrialDesign = {
      format: "strata-trial-design/1",
      treatments: params.treatments,
      design: params.design,
      cycles: Math.max(1, fewestCycles),
      periodDays: longestPeriod,
      washoutDays: params.washoutDays,
      baselineDays: 0,
      runInDays: 0,
    };
    ctx.log(`${patients.length} patients, ${n} days; fewest complete cycles ${design.cycles}, longest period ${longestPeriod} days`);
    const days = { patients, start, day, period, cycle, treatment, treatments: params.treatments, phase, outcome };
    return {
      design: design as unknown as JsonValue,
      outcomes: trialDaysTable(days),
      patients: makeTable([{ name: "patient", type: "string", values: patients }, ...covariates]),
    };
  },
});

export interface TrialCheckOptions<C extends Columns> {
  readonly columns?: { readonly patient?: keyof C & string; readonly day?: keyof C & string; readonly treatment?: keyof C & string; readonly outcome?: keyof C & string; readonly period?: keyof C & string };
  readonly covariates?: readonly (keyof C & string)[];
  readonly treatments: readonly string[];
  readonly design: Params["design"];
  readonly washoutDays?: number;
}

/**
 * e.g. checkTrial(readCsv(s, { path: "data/nof1-example/trial.csv", columns, header: true }), { treatments:
 * ["placebo", "drug"], design: "counterbalanced", washoutDays: 2, covariates: ["age"] }, { id: "check" }).
 */
export const checkTrial = <C extends Columns>(
  table: TableHandle<C>,
  params: TrialCheckOptions<C>,
  options?: NodeOptions,
): { readonly design: MetricsHandle; readonly outcomes: TableHandle<OutcomeColumns>; readonly patients: TableHandle<Columns> } => {
  const rows = rowSourceWiring(table);
  const node = addNode(table.study, trialCheckStep, { table, rowLines: rows.rowLines }, { ...params, ...rows.params }, options);
  const c = params.columns ?? {};
  const named = [c.patient ?? "patient", c.day ?? "day", c.treatment ?? "treatment", c.outcome ?? "outcome", ...(c.period === undefined ? [] : [c.period])];
  node.requireColumns(table, named, "params.columns");
  node.requireColumns(table, params.covariates ?? [], "params.covariates");
  return {
    design: node.metrics("design"),
    outcomes: node.table("outcomes", Object.fromEntries(OUTCOME_COLUMNS.map((col) => [col.name, col.type])) as OutcomeColumns),
    patients: node.table("patients", { patient: "string", ...Object.fromEntries((params.covariates ?? []).map((name) => [name, table.columns[name]!])) }),
  };
};
