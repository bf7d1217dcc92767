/**
 * Reading what every evaluation step reads: the labels and subgroups of the evaluated table, and a predictions
 * artifact (replicate, seed, fold, row, prob), each checked with a message that names the param or input at fault.
 */
import type * as arrow from "apache-arrow";
import { type CellValue, tableColumns } from "../../artifacts/table.js";
import type { StepContext } from "../../dsl/step.js";

/** The group name of the whole test set. */
export const OVERALL = "overall";

/** Every row's label and subgroup, and the subgroups in code-unit order. */
export interface Labels {
  readonly y: readonly number[];
  readonly group: readonly string[];
  readonly groups: readonly string[];
}

/** Reads the 0/1 target and the subgroup of every row; "overall" is reserved for the whole test set. */
export const readLabels = (table: arrow.Table, params: { readonly target: string; readonly subgroup: string }, ctx: StepContext): Labels => {
  const columns = new Map(tableColumns(table).map((c) => [c.name, c]));
  const names = [...columns.keys()].join(", ");
  const target = columns.get(params.target);
  if (target === undefined) ctx.fail("params.target", `unknown column ${JSON.stringify(params.target)}; the input table has ${names}`);
  const subgroup = columns.get(params.subgroup);
  if (subgroup === undefined) ctx.fail("params.subgroup", `unknown column ${JSON.stringify(params.subgroup)}; the input table has ${names}`);
  if (subgroup.type !== "string") ctx.fail("params.subgroup", `column ${JSON.stringify(params.subgroup)} is ${subgroup.type}; expected a string column of group names`);
  const y: number[] = [];
  const group: string[] = [];
  for (let r = 0; r < table.numRows; r++) {
    const v: CellValue = target.values[r]!;
    const label = v === true ? 1 : v === false ? 0 : v;
    if (label !== 0 && label !== 1) ctx.fail("params.target", `column ${JSON.stringify(params.target)} has ${JSON.stringify(v)} at row ${r}; expected 0 or 1`);
    const g = subgroup.values[r];
    if (typeof g !== "string") ctx.fail("params.subgroup", `column ${JSON.stringify(params.subgroup)} has no group at row ${r}; every row needs one`);
    if (g === OVERALL) ctx.fail("params.subgroup", `"${OVERALL}" is reserved for the whole test set; rename that subgroup`);
    y.push(label);
    group.push(g);
  }
  const groups = [...new Set(group)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { y, group, groups };
};

export interface PredictionLine {
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly row: number;
  readonly prob: number;
}

/** Reads a predictions artifact, checking it fits the table, grouped by replicate. */
export const readPredictions = (table: arrow.Table, tableRows: number, field: string, ctx: StepContext): Map<number, PredictionLine[]> => {
  const columns = new Map(tableColumns(table).map((c) => [c.name, c]));
  const need = (name: string, type: "int" | "float") => {
    const col = columns.get(name);
    if (col === undefined || col.type !== type) {
      ctx.fail(field, `expected predictions with int replicate, seed, fold, row and float prob columns; column ${JSON.stringify(name)} is ${col === undefined ? "missing" : col.type}`);
    }
    return col.values;
  };
  const [replicate, seed, fold, row, prob] = [need("replicate", "int"), need("seed", "int"), need("fold", "int"), need("row", "int"), need("prob", "float")];
  const byReplicate = new Map<number, PredictionLine[]>();
  const seen = new Set<string>();
  for (let i = 0; i < table.numRows; i++) {
    const line = { replicate: replicate[i], seed: seed[i], fold: fold[i], row: row[i], prob: prob[i] };
    if (Object.values(line).some((v) => typeof v !== "number")) ctx.fail(field, `prediction line ${i} has a null cell`);
    const l = line as PredictionLine;
    if (l.row < 0 || l.row >= tableRows) ctx.fail(field, `prediction line ${i} names row ${l.row}, but the table has ${tableRows} rows; were the predictions made on this table?`);
    if (!(l.prob >= 0 && l.prob <= 1)) ctx.fail(field, `prediction line ${i} has prob ${l.prob}; expected a probability in [0, 1]`);
    const key = `${l.replicate}/${l.row}`;
    if (seen.has(key)) ctx.fail(field, `replicate ${l.replicate} predicts row ${l.row} twice`);
    seen.add(key);
    const list = byReplicate.get(l.replicate) ?? [];
    list.push(l);
    byReplicate.set(l.replicate, list);
  }
  if (byReplicate.size === 0) ctx.fail(field, "the predictions table is empty");
  return byReplicate;
};
