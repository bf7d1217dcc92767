import { describe, expect, it } from "vitest";
import { DataError, PipelineError } from "../../dsl/errors.js";
import type { TableHandle } from "../../dsl/handles.js";
import { study } from "../../dsl/study.js";
import { readCsv } from "../../steps/ingest/csv.js";
import { binaryTarget, binaryTargetStep } from "../../steps/preprocess/binary-target.js";
import { dropMissing } from "../../steps/preprocess/drop-missing.js";
import { oneHot, oneHotStep } from "../../steps/preprocess/one-hot.js";
import { ordinalEncode, ordinalEncodeStep } from "../../steps/preprocess/ordinal-encode.js";
import { runStep } from "../support/step-harness.js";
import { rows, schemaOf, table, userError } from "./data-prep-helpers.js";

const t = table({
  size: ["string", ["m", "s", null, "l", "s"]],
  cp: ["float", [4, 1, 2, 1, 4]],
  num: ["int", [0, 2, 1, 0, 3]],
});

const COLS = [
  { name: "size", type: "string" },
  { name: "cp", type: "float" },
  { name: "num", type: "int" },
] as const;

/** Builds a one-node-after-ingest study and hands the ingested handle to `f`. */
const withTable = (f: (h: TableHandle<{ readonly size: "string"; readonly cp: "float"; readonly num: "int" }>) => void) =>
  study("t", (s) => f(readCsv(s, { path: "x.csv", columns: COLS })));

describe("preprocess.ordinal-encode", () => {
  it("codes sorted levels by default and records the mapping", async () => {
    const out = await runStep(ordinalEncodeStep, { table: t }, { columns: ["size", "cp"] });
    expect(schemaOf(out.table)).toEqual([["size", "int"], ["cp", "int"], ["num", "int"]]);
    expect(rows(out.table).map((r) => [r.size, r.cp])).toEqual([[1, 2], [2, 0], [null, 1], [0, 0], [2, 2]]);
    expect(out.mapping).toEqual({ columns: [{ column: "size", levels: ["l", "m", "s"] }, { column: "cp", levels: [1, 2, 4] }] });
  });

  it("follows an explicit order and rejects values it does not list", async () => {
    const out = await runStep(ordinalEncodeStep, { table: t }, { columns: ["size"], order: { size: ["s", "m", "l"] } });
    expect(rows(out.table).map((r) => r.size)).toEqual([1, 0, null, 2, 0]);
    const e = await userError(DataError, () => runStep(ordinalEncodeStep, { table: t }, { columns: ["size"], order: { size: ["s", "m"] } }));
    expect(e.field).toBe("params.order.size");
    expect(e.message).toContain('has the value "l", which the order does not list; add it');
  });

  it("types the encoded columns as int and checks names at plan time", async () => {
    withTable((h) => {
      const enc = ordinalEncode(h, { columns: ["size"], order: { size: ["s", "m", "l"] } });
      const size: "int" = enc.columns.size;
      const cp: "float" = enc.columns.cp;
      expect([size, cp, enc.columns]).toEqual(["int", "float", { size: "int", cp: "float", num: "int" }]);
      // @ts-expect-error the order of a string column lists strings
      ordinalEncode(h, { columns: ["size"], order: { size: [1, 2] } }, { id: "bad-order" });
    });
    const e = await userError(PipelineError, () => withTable((h) => ordinalEncode(h, { columns: ["sise" as "size"] })));
    expect(e.message).toContain('field params.columns: unknown column "sise"');
  });
});

describe("preprocess.one-hot", () => {
  it("replaces a column in place by sorted 0/1 indicators; null stays null", async () => {
    const out = await runStep(oneHotStep, { table: t }, { columns: ["size"] });
    expect(schemaOf(out.table)).toEqual([["size_l", "int"], ["size_m", "int"], ["size_s", "int"], ["cp", "float"], ["num", "int"]]);
    expect(rows(out.table).map((r) => [r.size_l, r.size_m, r.size_s])).toEqual([[0, 1, 0], [0, 0, 1], [null, null, null], [1, 0, 0], [0, 0, 1]]);
  });

  it("uses given levels (even unseen ones) and rejects values outside them", async () => {
    const out = await runStep(oneHotStep, { table: t }, { columns: ["cp"], levels: { cp: [1, 2, 3, 4] } });
    expect(schemaOf(out.table).map(([n]) => n)).toEqual(["size", "cp_1", "cp_2", "cp_3", "cp_4", "num"]);
    expect(rows(out.table).map((r) => r.cp_3)).toEqual([0, 0, 0, 0, 0]);
    await expect(runStep(oneHotStep, { table: t }, { columns: ["cp"], levels: { cp: [1, 2] } })).rejects.toThrow(/has the value 4, which the levels do not list/);
  });

  it("types indicator columns exactly when levels are given, loosely otherwise", () => {
    withTable((h) => {
      const exact = oneHot(h, { columns: ["cp"], levels: { cp: [1, 2, 4] } });
      expect(exact.columns).toEqual({ size: "string", cp_1: "int", cp_2: "int", cp_4: "int", num: "int" });
      const one: "int" = exact.columns.cp_1;
      // @ts-expect-error cp was replaced by its indicators
      expect(exact.columns.cp).toBeUndefined();
      // @ts-expect-error 3 is not a level
      expect(exact.columns.cp_3).toBeUndefined();
      dropMissing(exact, { columns: ["cp_1", "size"] });
      const loose = oneHot(h, { columns: ["size"] }, { id: "loose" });
      const anyLevel: "int" | undefined = loose.columns.size_xl;
      const kept: "float" = loose.columns.cp;
      expect([one, anyLevel, kept]).toEqual(["int", undefined, "float"]);
    });
  });
});

describe("preprocess.binary-target", () => {
  it("adds target = 1 where the rule holds and drops the source column", async () => {
    const out = await runStep(binaryTargetStep, { table: t }, { column: "num", op: ">", value: 0 });
    expect(schemaOf(out.table)).toEqual([["size", "string"], ["cp", "float"], ["target", "int"]]);
    expect(rows(out.table).map((r) => r.target)).toEqual([0, 1, 1, 0, 1]);
  });

  it("supports every operator, a custom name and keepSource", async () => {
    const codes = async (op: string, value: number | string, column = "num") =>
      rows((await runStep(binaryTargetStep, { table: t }, { column, op, value, as: "y", keepSource: true })).table).map((r) => r.y);
    expect(await codes(">=", 2)).toEqual([0, 1, 0, 0, 1]);
    expect(await codes("<", 1)).toEqual([1, 0, 0, 1, 0]);
    expect(await codes("<=", 1)).toEqual([1, 0, 1, 1, 0]);
    expect(await codes("==", 0)).toEqual([1, 0, 0, 1, 0]);
    expect(await codes("!=", 0)).toEqual([0, 1, 1, 0, 1]);
    expect(await codes("==", "s", "cp_as_string_is_absent").catch((e: Error) => e.message)).toContain('unknown column "cp_as_string_is_absent"');
  });

  it("fails on a null source value and on an ordering op over strings", async () => {
    const nulls = await userError(DataError, () => runStep(binaryTargetStep, { table: t }, { column: "size", op: "==", value: "s" }));
    expect(nulls.message).toContain('column "size" is null at row 3 (1-based) of input table; drop or impute missing values first');
    await expect(runStep(binaryTargetStep, { table: t }, { column: "size", op: ">", value: "a" })).rejects.toThrow(/> needs a numeric column/);
  });

  it("rejects a wrongly typed op with its field path", async () => {
    const e = await userError(PipelineError, () => runStep(binaryTargetStep, { table: t }, { column: "num", op: "gt", value: 0 }));
    expect(e.field).toBe("params.op");
  });

  it("types the target column and drops the source from the handle", () => {
    withTable((h) => {
      const y = binaryTarget(h, { column: "num", op: ">", value: 0 });
      expect(y.columns).toEqual({ size: "string", cp: "float", target: "int" });
      const target: "int" = y.columns.target;
      // @ts-expect-error the source column is gone
      expect(y.columns.num).toBeUndefined();
      const kept = binaryTarget(h, { column: "num", op: "!=", value: 0, as: "sick", keepSource: true }, { id: "kept" });
      const both: ["int", "int"] = [kept.columns.num, kept.columns.sick];
      // @ts-expect-error ordering ops need a numeric column
      expect(() => binaryTarget(h, { column: "size", op: ">", value: "m" }, { id: "bad-op" })).toThrow(/field params\.op: > needs a numeric column/);
      expect([target, both]).toEqual(["int", ["int", "int"]]);
    });
  });
});
