/**
 * trial.power: the design-power table over a grid's cells (trial.power-cell documents), one row per cell in input
 * order, and a document naming, for every scenario (effect size × carryover × drift) with a non-zero effect, the
 * cheapest design reaching `targetPower`: the fewest patient-days per series, ties broken by higher power, then
 * by the order of the cells. `trialPowerGrid` adds one cell node per grid cell, so a design added to the grid
 * runs only its own cells; the rest come from the cache.
 */
import { Schema } from "effect";
import { makeTable } from "../../artifacts/table.js";
import type { MetricsHandle, TableHandle } from "../../dsl/handles.js";
import { type JsonValue, defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode } from "../../dsl/study.js";
import { type PowerCellParams, trialPowerCell } from "./power-cell.js";

const CellDoc = Schema.Struct({
  format: Schema.Literal("strata-trial-power-cell/1"),
  label: Schema.String,
  design: Schema.Struct({ design: Schema.String, cycles: Schema.Number, periodDays: Schema.Number, washoutDays: Schema.Number }),
  effectSize: Schema.Number,
  onsetTime: Schema.Number,
  washoutTime: Schema.Number,
  driftSd: Schema.Number,
  patients: Schema.Number,
  replicates: Schema.Number,
  patientDays: Schema.Number,
  decidedBy: Schema.String,
  power: Schema.Number,
  powerLower: Schema.NullOr(Schema.Number),
  powerUpper: Schema.NullOr(Schema.Number),
  typeIError: Schema.NullOr(Schema.Number),
  bias: Schema.NullOr(Schema.Number),
  coverage: Schema.NullOr(Schema.Number),
});
type CellDoc = typeof CellDoc.Type;

const Params = Schema.Struct({
  targetPower: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })),
});

/** The power table's columns, one row per cell. */
const POWER_COLUMNS = [
  { name: "design", type: "string", value: (c: CellDoc) => c.label },
  { name: "kind", type: "string", value: (c: CellDoc) => c.design.design },
  { name: "cycles", type: "int", value: (c: CellDoc) => c.design.cycles },
  { name: "period_days", type: "int", value: (c: CellDoc) => c.design.periodDays },
  { name: "washout_days", type: "int", value: (c: CellDoc) => c.design.washoutDays },
  { name: "effect_size", type: "float", value: (c: CellDoc) => c.effectSize },
  { name: "onset_time", type: "float", value: (c: CellDoc) => c.onsetTime },
  { name: "washout_time", type: "float", value: (c: CellDoc) => c.washoutTime },
  { name: "drift_sd", type: "float", value: (c: CellDoc) => c.driftSd },
  { name: "patients", type: "int", value: (c: CellDoc) => c.patients },
  { name: "replicates", type: "int", value: (c: CellDoc) => c.replicates },
  { name: "patient_days", type: "int", value: (c: CellDoc) => c.patientDays },
  { name: "power", type: "float", value: (c: CellDoc) => c.power },
  { name: "power_lower", type: "float", value: (c: CellDoc) => c.powerLower },
  { name: "power_upper", type: "float", value: (c: CellDoc) => c.powerUpper },
  { name: "type_i_error", type: "float", value: (c: CellDoc) => c.typeIError },
  { name: "bias", type: "float", value: (c: CellDoc) => c.bias },
  { name: "coverage", type: "float", value: (c: CellDoc) => c.coverage },
] as const;

/** The scenario a cell belongs to: everything but the design. */
const scenarioOf = (c: CellDoc) => ({ effectSize: c.effectSize, onsetTime: c.onsetTime, washoutTime: c.washoutTime, driftSd: c.driftSd });
const scenarioKey = (c: CellDoc) => JSON.stringify(scenarioOf(c));

export const trialPowerStep = defineStep({
  kind: "trial.power",
  module: import.meta.url,
  params: Params,
  inputs: { cells: { list: "metrics" } },
  outputs: { table: "table", summary: "metrics" },
  run: (inputs, params, ctx) => {
    const cells = inputs.cells.map((input, i) => {
      try {
        return Schema.decodeUnknownSync(CellDoc)(input.json());
      } catch (e) {
        return ctx.fail(`inputs.cells[${i}]`, `this is not a strata-trial-power-cell/1 document (from trial.power-cell): ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
      }
    });
    const table = makeTable(POWER_COLUMNS.map((c) => ({ name: c.name, type: c.type, values: cells.map((cell): string | number | null => c.value(cell)) })));
    const scenarios = new Map<string, CellDoc[]>();
    for (const c of cells) if (c.effectSize !== 0) scenarios.set(scenarioKey(c), [...(scenarios.get(scenarioKey(c)) ?? []), c]);
    const cheapest = [...scenarios.values()].map((group) => {
      const reaching = group.filter((c) => c.power >= params.targetPower);
      const best = reaching.reduce<CellDoc | undefined>((b, c) => (b === undefined || c.patientDays < b.patientDays || (c.patientDays === b.patientDays && c.power > b.power) ? c : b), undefined);
      return { ...scenarioOf(group[0]!), design: best?.label ?? null, patientDays: best?.patientDays ?? null, power: best?.power ?? null };
    });
    ctx.log(`${cells.length} cells; ${cheapest.filter((c) => c.design !== null).length} of ${cheapest.length} scenarios reach power ${params.targetPower}`);
    const summary = { format: "strata-trial-power/1", targetPower: params.targetPower, cells: cells.length, decidedBy: cells[0]?.decidedBy ?? null, cheapest };
    return { table, summary: summary as unknown as JsonValue };
  },
});

export interface PowerGrid {
  /** The designs compared, each with a label (node ids and table rows use it). */
  readonly designs: readonly (PowerCellParams["design"] & { readonly label: string })[];
  /** Population mean effects (model.effect.mean); 0 measures the type I error. */
  readonly effectSizes: readonly number[];
  readonly carryover: readonly { readonly onsetTime: number; readonly washoutTime: number }[];
  readonly driftSd: readonly number[];
  /** Everything else of the model (noise, covariates, effect sd and coefficients). */
  readonly model: Omit<PowerCellParams["model"], "effect" | "onsetTime" | "washoutTime" | "driftSd"> & { readonly effect?: Omit<PowerCellParams["model"]["effect"], "mean"> };
  readonly patients: number;
  readonly replicates: number;
  readonly analysis?: PowerCellParams["analysis"];
  readonly targetPower: number;
}

/** A node id part for a number: "0.5" → "0.5", "-1" → "m1" (ids start with a letter or digit). */
const idPart = (x: number) => String(x).replace("-", "m");

/**
 * Adds a trial.power-cell node for every design × effect size × carryover × drift (ids
 * "<prefix>-<design>-e<effect>-c<carryover index>-d<drift>") and the trial.power node over them.
 */
export const trialPowerGrid = (s: StudyGraph, grid: PowerGrid, options: NodeOptions & { readonly prefix?: string } = {}): { readonly cells: readonly MetricsHandle[]; readonly table: TableHandle<PowerTableColumns>; readonly summary: MetricsHandle } => {
  const prefix = options.prefix ?? "power";
  const cells: MetricsHandle[] = [];
  for (const { label, ...design } of grid.designs) {
    for (const effectSize of grid.effectSizes) {
      grid.carryover.forEach((carry, c) => {
        for (const driftSd of grid.driftSd) {
          const model = { ...grid.model, ...carry, driftSd, effect: { ...grid.model.effect, mean: effectSize } };
          const params: PowerCellParams = { label, design, model, patients: grid.patients, replicates: grid.replicates, ...(grid.analysis === undefined ? {} : { analysis: grid.analysis }) };
          cells.push(trialPowerCell(s, params, { id: `${prefix}-${label}-e${idPart(effectSize)}-c${c + 1}-d${idPart(driftSd)}`, ...(options.seed === undefined ? {} : { seed: options.seed }) }));
        }
      });
    }
  }
  const node = addNode(s, trialPowerStep, { cells }, { targetPower: grid.targetPower }, { id: options.id ?? prefix, ...(options.seed === undefined ? {} : { seed: options.seed }) });
  return { cells, table: node.table("table", Object.fromEntries(POWER_COLUMNS.map((c) => [c.name, c.type])) as PowerTableColumns), summary: node.metrics("summary") };
};

export type PowerTableColumns = { readonly [C in (typeof POWER_COLUMNS)[number] as C["name"]]: C["type"] };
