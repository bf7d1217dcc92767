/**
 * Reading the labels and subgroups of the evaluated table, as every evaluation step does, checked with a message
 * that names the param at fault. The predictions artifact has its own codec (predictions.ts).
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
