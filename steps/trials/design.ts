/**
 * trial.design: each patient's N-of-1 schedule. Writes the design document (`strata-trial-design/1`) and the
 * schedule table (SCHEDULE_COLUMNS, one row per patient-day). Patients are a count (pseudonymous ids P01…) or a
 * table with a string column `patient`; each patient's period order is drawn from its own stream
 * "schedule:<id>", so adding a patient leaves every other schedule unchanged.
 */
import { Effect, Schema } from "effect";
import { denseColumn } from "../../artifacts/table.js";
import { denseStringsOf } from "../../artifacts/dense-column.js";
import type { MetricsHandle, TableHandle } from "../../dsl/handles.js";
import { type JsonValue, type StepContext, type StepInput, defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode } from "../../dsl/study.js";
import type { ColumnsOf } from "../ingest/column-spec.js";
import { type TrialDesign, TrialDesignSchema, scheduleDays } from "./design-document.js";
import { buildSchedule, patientIds } from "./schedule.js";
import { OUTCOME_COLUMNS, SCHEDULE_COLUMNS, trialDaysTable } from "./trial-days.js";

export type ScheduleColumns = ColumnsOf<typeof SCHEDULE_COLUMNS>;
export type OutcomeColumns = ColumnsOf<typeof OUTCOME_COLUMNS>;

const Count = (minimum: number) => Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(minimum));
const daysDefault0 = Count(0).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0)));
const { format: _format, ...designFields } = TrialDesignSchema.fields;

/** The design's own checks, for params: a washout shorter than a period, maxRun only where it means something. */
export const designChecks = Schema.makeFilter((d: { readonly design: string; readonly washoutDays: number; readonly periodDays: number; readonly maxRun?: number }) => {
  if (d.washoutDays >= d.periodDays) return { path: ["washoutDays"], issue: `a washout of ${d.washoutDays} days leaves no analysed day in a ${d.periodDays}-day period; make it shorter than periodDays` };
  if (d.maxRun !== undefined && d.design !== "randomized") return { path: ["maxRun"], issue: `maxRun constrains only the "randomized" design; drop it for "${d.design}"` };
  return true;
});

/** A design as params (the document's fields without its format; washout, baseline and run-in default to 0). */
export const DesignParamsFields = { ...designFields, washoutDays: daysDefault0, baselineDays: daysDefault0, runInDays: daysDefault0 };

const Params = Schema.Struct({
  ...DesignParamsFields,
  /** How many patients (ids P01…); leave out when a `patients` table is wired. */
  patients: Schema.optionalKey(Count(1)),
}).check(designChecks);
type Params = typeof Params.Type;

/** The design document of the params (everything but the patients). */
export const designDocument = (params: Omit<TrialDesign, "format">): TrialDesign => ({
  format: "strata-trial-design/1",
  treatments: params.treatments,
  design: params.design,
  cycles: params.cycles,
  periodDays: params.periodDays,
  washoutDays: params.washoutDays,
  baselineDays: params.baselineDays,
  runInDays: params.runInDays,
  ...(params.maxRun === undefined ? {} : { maxRun: params.maxRun }),
});

/** The ids of a `patients` table: its string column `patient`, every cell set and distinct. */
const readPatientIds = (input: StepInput, field: string, ctx: StepContext): string[] => {
  const col = denseColumn(input.table(), "patient");
  if (col === undefined || col.type !== "string") ctx.fail(field, `the patients table needs a string column "patient"; ${col === undefined ? "it has none" : `it is ${col.type}`}`);
  const ids = denseStringsOf(col!);
  const seen = new Set<string>();
  ids.forEach((id, r) => {
    if (id === null || id === "") ctx.fail(field, `row ${r + 1} (1-based) has no patient id; give every patient one`);
    if (seen.has(id!)) ctx.fail(field, `patient ${JSON.stringify(id)} is listed twice (row ${r + 1}); list each patient once`);
    seen.add(id!);
  });
  if (ids.length === 0) ctx.fail(field, "the patients table has no rows");
  return ids as string[];
};

export const trialDesignStep = defineStep({
  kind: "trial.design",
  module: import.meta.url,
  params: Params,
  inputs: { patients: { optional: "table" } },
  outputs: { design: "metrics", schedule: "table" },
  run: (inputs, params, ctx) => {
    if ((params.patients === undefined) === (inputs.patients === undefined)) {
      ctx.fail("params.patients", "give either a patient count or a patients table, not both and not neither");
    }
    const ids = inputs.patients === undefined ? patientIds(params.patients!) : readPatientIds(inputs.patients, "inputs.patients", ctx);
    const design = designDocument(params);
    const schedule = buildSchedule(design, ids, (stream) => ctx.random(stream));
    ctx.log(`${ids.length} patients × ${scheduleDays(design)} days, ${design.design} design`);
    return { design: design as unknown as JsonValue, schedule: trialDaysTable(schedule) };
  },
});

export type TrialDesignOptions = Omit<Params, "patients" | "washoutDays" | "baselineDays" | "runInDays"> &
  Partial<Pick<Params, "washoutDays" | "baselineDays" | "runInDays">> & {
    /** A count (ids P01…) or a table of ids (a string column `patient`). */
    readonly patients: number | TableHandle<{ readonly patient: "string" }>;
  };

export interface TrialDesignHandles {
  readonly design: MetricsHandle;
  readonly schedule: TableHandle<ScheduleColumns>;
}

/**
 * e.g. trialDesign(s, { treatments: ["placebo", "drug"], design: "counterbalanced", cycles: 3, periodDays: 14,
 * washoutDays: 4, patients: 40 }, { id: "design" }).
 */
export const trialDesign = (s: StudyGraph, params: TrialDesignOptions, options?: NodeOptions): TrialDesignHandles => {
  const { patients, ...rest } = params;
  const table = typeof patients === "number" ? undefined : patients;
  const node = addNode(s, trialDesignStep, { patients: table }, typeof patients === "number" ? { ...rest, patients } : rest, options);
  if (table !== undefined) node.requireColumns(table, ["patient"], "inputs.patients");
  return { design: node.metrics("design"), schedule: node.table("schedule", Object.fromEntries(SCHEDULE_COLUMNS.map((c) => [c.name, c.type])) as ScheduleColumns) };
};
