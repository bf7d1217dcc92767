import { Effect, Schema } from "effect";
import { denseFromCodes } from "../../artifacts/dense-column.js";
import { type CellValue, columnOfDense, makeTable } from "../../artifacts/table.js";
import type { Columns, MetricsHandle, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { type ColumnName, type NumericColumn, readColumns } from "../preprocess/columns.js";
import { rowNamer } from "../row-reference.js";

const Label = Schema.String.check(Schema.isMinLength(1));

/** A numeric column cut into bands: band i is cuts[i-1] <= x < cuts[i], the first and last unbounded. */
const Band = Schema.Struct({
  column: Schema.String,
  cuts: Schema.Array(Schema.Finite).check(
    Schema.isMinLength(1),
    Schema.makeFilter((cuts) => cuts.every((c, i) => i === 0 || c > cuts[i - 1]!) || "expected strictly increasing cuts"),
  ),
  labels: Schema.Array(Label),
}).check(
  Schema.makeFilter((b) => b.labels.length === b.cuts.length + 1 || { path: ["labels"], issue: `expected ${b.cuts.length + 1} labels (one more than cuts), got ${b.labels.length}` }),
);

/** A categorical column: value (as text, e.g. "1" for 1 or 1.0) -> label. Several values may share a label. */
const Levels = Schema.Struct({ column: Schema.String, levels: Schema.Record(Schema.String, Label) });

const Params = Schema.Struct({
  /** Each row's subgroup joins its label from every rule, in rule order, with "_" (e.g. "old_female"). */
  rules: Schema.Array(Schema.Union([Band, Levels])).check(Schema.isMinLength(1)),
  /** The 0/1 (or bool) label column whose positives are counted per subgroup. */
  target: Schema.String,
  as: Label.pipe(Schema.withDecodingDefaultKey(Effect.succeed("subgroup"))),
});
type Rule = (typeof Params.Type)["rules"][number];

/** The labels a rule can give, in order: band labels as declared, level labels deduplicated and sorted. */
const ruleLabels = (rule: Rule): readonly string[] =>
  "cuts" in rule ? rule.labels : [...new Set(Object.values(rule.levels))].sort();

/**
 * Assigns every row a named subgroup and counts rows and positives per subgroup. Every declared combination of
 * labels must have rows (an empty subgroup cannot be trained or evaluated), and every row must fit a band or level.
 */
export const defineSubgroupsStep = defineStep({
  kind: "subgroups.define",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table" },
  outputs: { table: "table", counts: "metrics" },
  run: (inputs, params, ctx) => {
    const cols = readColumns(inputs.table.table(), ctx);
    if (cols.all.some((c) => c.name === params.as)) ctx.fail("params.as", `the table already has a column ${JSON.stringify(params.as)}; choose another name`);
    const target = cols.get(params.target, "params.target", ["int", "bool"]).values;
    const numRows = target.length;
    // Per rule, each row's label as an index into ruleLabels(rule); values are looked up once per distinct value.
    const labelCodes = params.rules.map((rule, i) => {
      const field = `params.rules[${i}]`;
      const values = cols.get(rule.column, `${field}.column`, "cuts" in rule ? ["float", "int"] : undefined).values;
      const labels = ruleLabels(rule);
      const known = new Map<CellValue, number>();
      const codeOf = (v: CellValue, r: number): number => {
        if (v === null) return ctx.fail(field, `column ${JSON.stringify(rule.column)} is null at ${rowNamer("table")(r)}; drop or impute missing values first`);
        if ("cuts" in rule) return rule.cuts.filter((c) => (v as number) >= c).length;
        const label = rule.levels[String(v)];
        if (label === undefined) {
          return ctx.fail(`${field}.levels`, `column ${JSON.stringify(rule.column)} has the value ${JSON.stringify(v)} at ${rowNamer("table")(r)}, which the levels do not name; add "${String(v)}": "<label>"`);
        }
        return labels.indexOf(label);
      };
      const codes = new Int32Array(numRows);
      for (let r = 0; r < numRows; r++) {
        const v = values[r]!;
        let code = known.get(v);
        if (code === undefined) {
          code = codeOf(v, r);
          if (v !== null) known.set(v, code);
        }
        codes[r] = code;
      }
      return { codes, size: labels.length };
    });

    // Every declared combination, so that an empty one is found rather than silently missing from the counts.
    const names = params.rules.reduce<string[]>((acc, rule) => acc.flatMap((prefix) => ruleLabels(rule).map((l) => (prefix === "" ? l : `${prefix}_${l}`))), [""]);
    if (new Set(names).size !== names.length) ctx.fail("params.rules", `two label combinations give the same subgroup name; avoid "_" at the ends of labels`);
    const sizes = new Int32Array(names.length);
    const positives = new Int32Array(names.length);

    // names is in mixed-radix order of the rules' label codes, the first rule most significant.
    const subgroup = new Int32Array(numRows);
    for (let r = 0; r < numRows; r++) {
      let code = 0;
      for (const rule of labelCodes) code = code * rule.size + rule.codes[r]!;
      const y: CellValue = target[r]!;
      if (y !== 0 && y !== 1 && y !== true && y !== false) ctx.fail("params.target", `column ${JSON.stringify(params.target)} has ${JSON.stringify(y)} at ${rowNamer("table")(r)}; expected 0 or 1`);
      sizes[code]!++;
      if (y === 1 || y === true) positives[code]!++;
      subgroup[r] = code;
    }
    const counts = new Map(names.map((name, i) => [name, { n: sizes[i]!, positives: positives[i]! }]));
    const empty = [...counts].filter(([, c]) => c.n === 0).map(([name]) => name).sort();
    if (empty.length > 0) {
      ctx.fail("params.rules", `${empty.length === 1 ? "subgroup" : "subgroups"} ${empty.map((e) => JSON.stringify(e)).join(", ")} ${empty.length === 1 ? "has" : "have"} no rows; move the cuts, merge levels (map several values to one label) or drop a rule`);
    }
    const groups = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, c]) => ({ name, n: c.n, positives: c.positives }));
    return { table: makeTable([...cols.all, columnOfDense(denseFromCodes(params.as, subgroup, names))]), counts: { groups } };
  },
});

export type SubgroupRule<C extends Columns> =
  | { readonly column: NumericColumn<C>; readonly cuts: readonly number[]; readonly labels: readonly string[] }
  | { readonly column: ColumnName<C>; readonly levels: { readonly [value: string]: string } };

/**
 * e.g. defineSubgroups(t, { rules: [{ column: "age", cuts: [60], labels: ["young", "old"] },
 * { column: "sex", levels: { "0": "female", "1": "male" } }], target: "target" }) -> subgroup "old_female" etc.
 * Returns the table with the subgroup column and the per-subgroup counts ({ groups: [{ name, n, positives }] }).
 */
export const defineSubgroups = <C extends Columns, const A extends string = "subgroup">(
  table: TableHandle<C>,
  params: { readonly rules: readonly SubgroupRule<C>[]; readonly target: ColumnName<C>; readonly as?: A },
  options?: NodeOptions,
): { readonly table: TableHandle<C & { readonly [P in A]: "string" }>; readonly counts: MetricsHandle } => {
  const node = addNode(table.study, defineSubgroupsStep, { table }, params, options);
  params.rules.forEach((rule, i) => node.requireColumns(table, [rule.column], `params.rules[${i}].column`));
  node.requireColumns(table, [params.target], "params.target");
  const as = params.as ?? "subgroup";
  if (as in table.columns) node.fail("params.as", `the table already has a column ${JSON.stringify(as)}; choose another name`);
  const columns = { ...table.columns, [as]: "string" } as C & { readonly [P in A]: "string" };
  return { table: node.table("table", columns), counts: node.metrics("counts") };
};
