/**
 * A holdout for recurring retrains, where rows keep being appended to the data. split.holdout shuffles, so adding
 * rows moves old rows between train and test. Here a row's role is a pure function of its key (e.g. the patient
 * id) and a salt (the node seed), never of the other rows, so a row keeps its role in every retrain:
 *
 *  - the retrained model and the previous champion can be compared on the same test rows (plus the new ones);
 *  - no row the previous model trained on ever lands in a later test set, and no test row ever leaks into
 *    training, which a reshuffle would do and which would flatter whichever model had seen the rows.
 *
 * Rows sharing a key share a role, so repeated visits of one patient never straddle train and test. The fractions
 * hold on average over keys, not exactly. Changing the seed draws a new split: keep it fixed across retrains.
 */
import { Effect, Schema } from "effect";
import { canonicalJson } from "../../artifacts/canonical-json.js";
import { sha256Hex } from "../../artifacts/digest.js";
import type { Columns, SplitHandle, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { type ColumnName, readColumns } from "../preprocess/columns.js";
import { rowNamer } from "../row-reference.js";
import { ROLE_CODE, type Role, encodeSplit } from "./split-codec.js";

const Params = Schema.Struct({
  key: Schema.Array(Schema.String).check(Schema.isMinLength(1), Schema.isUnique({ message: "a column is listed twice" })),
  testFraction: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })),
  validFraction: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMaximum: true })).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0))),
}).check(
  Schema.makeFilter((p) => p.testFraction + p.validFraction < 1 || { path: ["validFraction"], issue: "testFraction + validFraction must be below 1, leaving rows to train on" }),
);

/** One value of a key column. */
export type KeyValue = string | number | boolean;

/**
 * The role of a key: u = the first 52 bits of sha256(canonical JSON of ["strata-stable-holdout/1", salt, key]) / 2^52,
 * in [0, 1); test if u < testFraction, else valid if u < testFraction + validFraction, else train. `salt` is the
 * node seed and `key` the row's key values in `params.key` order (ints and floats encode alike: 3 and 3.0 match).
 */
export const stableRole = (salt: number, key: readonly KeyValue[], fractions: { readonly testFraction: number; readonly validFraction?: number }): Role => {
  const u = parseInt(sha256Hex(canonicalJson(["strata-stable-holdout/1", salt, key])).slice(0, 13), 16) / 2 ** 52;
  if (u < fractions.testFraction) return "test";
  return u < fractions.testFraction + (fractions.validFraction ?? 0) ? "valid" : "train";
};

/** Keyed holdout: replicate 0, fold 0, seed = the node seed; every row's role comes from stableRole. */
export const stableHoldoutStep = defineStep({
  kind: "split.stable-holdout",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table" },
  outputs: { split: "split" },
  run: (inputs, params, ctx) => {
    const cols = readColumns(inputs.table.table(), ctx);
    const keys = params.key.map((name, i) => cols.get(name, `params.key[${i}]`));
    const numRows = cols.numRows;
    const distinct = new Set<string>();
    const roles = new Int32Array(numRows);
    const counts = { train: 0, valid: 0, test: 0 };
    for (let r = 0; r < numRows; r++) {
      const key = keys.map((col, i): KeyValue => {
        const v = col.values[r] ?? null;
        if (v !== null && (typeof v !== "number" || Number.isFinite(v))) return v;
        return ctx.fail(`params.key[${i}]`, `column ${JSON.stringify(col.name)} has a missing or non-finite value at ${rowNamer("table")(r)}; a row's key decides its role, so drop or fill such rows before the split`);
      });
      distinct.add(canonicalJson(key));
      const role = stableRole(ctx.seed, key, params);
      roles[r] = ROLE_CODE[role];
      counts[role]++;
    }
    const count = (role: Role) => counts[role];
    const sizes = `${numRows} rows with ${distinct.size} distinct keys`;
    const empty = (role: Role, field: string, fraction: number) =>
      ctx.fail(field, `no row has role ${role}: ${sizes}, ${field.slice("params.".length)} ${fraction} (about ${(distinct.size * fraction).toFixed(1)} keys expected); use more data or a larger fraction`);
    if (count("test") === 0) empty("test", "params.testFraction", params.testFraction);
    if (params.validFraction > 0 && count("valid") === 0) empty("valid", "params.validFraction", params.validFraction);
    if (count("train") === 0) {
      ctx.fail("params.testFraction", `no row is left to train on: ${sizes}, testFraction ${params.testFraction}, validFraction ${params.validFraction}; use more data or smaller fractions`);
    }
    ctx.log(`${count("test")} test, ${count("valid")} valid and ${count("train")} train rows of ${sizes}`);
    return { split: encodeSplit([{ replicate: 0, seed: ctx.seed, fold: 0, roles }]) };
  },
});

/** e.g. stableHoldout(t, { key: ["patient_id"], testFraction: 0.2, validFraction: 0.1 }). */
export const stableHoldout = <C extends Columns>(
  table: TableHandle<C>,
  params: { readonly key: readonly ColumnName<C>[]; readonly testFraction: number; readonly validFraction?: number },
  options?: NodeOptions,
): SplitHandle => {
  const node = addNode(table.study, stableHoldoutStep, { table }, params, options);
  node.requireColumns(table, params.key, "params.key");
  return node.split("split");
};
