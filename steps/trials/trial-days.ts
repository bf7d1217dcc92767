/**
 * The long-format N-of-1 table every trial step exchanges: one row per patient-day, a patient's rows together and
 * in day order. trial.design writes it without `outcome` (the schedule), trial.simulate and trial.check with it.
 *
 *   patient   string  pseudonymous id
 *   day       int     1-based, consecutive within a patient
 *   period    int     1-based treatment period; 0 on baseline and run-in days
 *   cycle     int     1-based block holding each treatment once; 0 on baseline and run-in days
 *   treatment string  the period's treatment; null on baseline and run-in days
 *   phase     string  one of PHASES: only "active" days are analysed ("washout" = the first days of a period)
 *   outcome   float   the day's measurement; null when missing
 *
 * `readTrialDays` reads it into typed columns (codes, not per-row objects) for the analysis and the reports.
 */
import type * as arrow from "apache-arrow";
import { type ColumnData, denseColumn, makeTable } from "../../artifacts/table.js";
import { denseStringsOf, isValidAt } from "../../artifacts/dense-column.js";

export const PHASES = ["baseline", "run-in", "washout", "active"] as const;
export type Phase = (typeof PHASES)[number];
export const ACTIVE_PHASE = PHASES.indexOf("active");

export const SCHEDULE_COLUMNS = [
  { name: "patient", type: "string" },
  { name: "day", type: "int" },
  { name: "period", type: "int" },
  { name: "cycle", type: "int" },
  { name: "treatment", type: "string" },
  { name: "phase", type: "string" },
] as const;
export const OUTCOME_COLUMNS = [...SCHEDULE_COLUMNS, { name: "outcome", type: "float" }] as const;

export interface TrialDays {
  /** Patient ids in table order. */
  readonly patients: readonly string[];
  /** Patient p's rows are start[p] .. start[p + 1] - 1 (length patients + 1). */
  readonly start: Int32Array;
  readonly day: Int32Array;
  readonly period: Int32Array;
  readonly cycle: Int32Array;
  /** Index into `treatments`; -1 on baseline and run-in days. */
  readonly treatment: Int32Array;
  readonly treatments: readonly string[];
  /** Index into PHASES. */
  readonly phase: Uint8Array;
  /** NaN where missing; undefined for a schedule (no outcome column). */
  readonly outcome: Float64Array | undefined;
}

/**
 * Reads a trial table. `treatments` are the design's, in its order; a treatment or phase outside them, a column
 * of the wrong type, or a patient's rows split or out of day order goes to `fail` with the row (1-based) named.
 */
export const readTrialDays = (table: arrow.Table, treatments: readonly string[], fail: (problem: string) => never): TrialDays => {
  const column = (name: string, type: string) => {
    const col = denseColumn(table, name);
    if (col === undefined || col.type !== type) fail(`a trial table needs a ${type} column ${JSON.stringify(name)}; ${col === undefined ? "it is missing" : `it is ${col.type}`}`);
    return col!;
  };
  const n = table.numRows;
  const ints = (name: string): Int32Array => {
    const col = column(name, "int");
    if (col.nullCount > 0) fail(`column ${JSON.stringify(name)} has ${col.nullCount} null cells; every day needs one`);
    return col.values as Int32Array;
  };
  const day = ints("day");
  const period = ints("period");
  const cycle = ints("cycle");
  const patientCells = denseStringsOf(column("patient", "string"));
  const treatmentCells = denseStringsOf(column("treatment", "string"));
  const phaseCells = denseStringsOf(column("phase", "string"));
  const treatmentCode = new Map(treatments.map((t, i) => [t, i]));
  const phaseCode = new Map<string, number>(PHASES.map((p, i) => [p, i]));
  const patients: string[] = [];
  const starts: number[] = [];
  const seen = new Set<string>();
  const treatment = new Int32Array(n);
  const phase = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const p = patientCells[r];
    if (p === null || p === undefined) return fail(`row ${r + 1}: patient is null`);
    if (r === 0 || p !== patientCells[r - 1]) {
      if (seen.has(p)) fail(`row ${r + 1}: patient ${JSON.stringify(p)} appears again after other patients; keep each patient's days together`);
      seen.add(p);
      patients.push(p);
      starts.push(r);
    } else if (day[r]! <= day[r - 1]!) {
      fail(`row ${r + 1}: day ${day[r]} of patient ${JSON.stringify(p)} does not follow day ${day[r - 1]}; sort each patient's days`);
    }
    const ph = phaseCode.get(phaseCells[r] ?? "");
    if (ph === undefined) return fail(`row ${r + 1}: phase ${JSON.stringify(phaseCells[r])} is not one of ${PHASES.join(", ")}`);
    phase[r] = ph;
    const t = treatmentCells[r];
    if (t === null) {
      if (ph >= PHASES.indexOf("washout")) fail(`row ${r + 1}: a ${PHASES[ph]} day needs a treatment`);
      treatment[r] = -1;
    } else {
      const code = treatmentCode.get(t!);
      if (code === undefined) return fail(`row ${r + 1}: treatment ${JSON.stringify(t)} is not one of the design's (${treatments.join(", ")})`);
      treatment[r] = code;
    }
  }
  starts.push(n);
  const outcomeCol = denseColumn(table, "outcome");
  let outcome: Float64Array | undefined;
  if (outcomeCol !== undefined) {
    if (outcomeCol.type !== "float") fail(`column "outcome" must be float; it is ${outcomeCol.type}`);
    const values = outcomeCol.values as Float64Array;
    outcome = new Float64Array(n);
    for (let r = 0; r < n; r++) outcome[r] = isValidAt(outcomeCol, r) ? values[r]! : Number.NaN;
  }
  return { patients, start: Int32Array.from(starts), day, period, cycle, treatment, treatments, phase, outcome };
};

/** Writes trial days back as a table in the column order above (with `outcome` when the days have it). */
export const trialDaysTable = (days: TrialDays): arrow.Table => {
  const n = days.day.length;
  const patient = new Array<string>(n);
  for (let p = 0; p < days.patients.length; p++) patient.fill(days.patients[p]!, days.start[p]!, days.start[p + 1]!);
  const columns: ColumnData[] = [
    { name: "patient", type: "string", values: patient },
    { name: "day", type: "int", values: days.day },
    { name: "period", type: "int", values: days.period },
    { name: "cycle", type: "int", values: days.cycle },
    { name: "treatment", type: "string", values: Array.from(days.treatment, (t) => (t < 0 ? null : days.treatments[t]!)) },
    { name: "phase", type: "string", values: Array.from(days.phase, (ph) => PHASES[ph]!) },
  ];
  if (days.outcome !== undefined) columns.push({ name: "outcome", type: "float", values: Array.from(days.outcome, (v) => (Number.isNaN(v) ? null : v)) });
  return makeTable(columns);
};
