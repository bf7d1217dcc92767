import { describe, expect, it } from "vitest";
import { DataError, PipelineError } from "../../dsl/errors.js";
import { study } from "../../dsl/study.js";
import { readCsv } from "../../steps/ingest/csv.js";
import { defineSubgroups, defineSubgroupsStep } from "../../steps/subgroups/define.js";
import { runStep } from "../support/step-harness.js";
import { rows, schemaOf, table, userError } from "./data-prep-helpers.js";

const t = table({
  age: ["float", [40, 60, 59.9, 70, 30, 65]],
  sex: ["float", [0, 1, 1, 0, 1, 0]],
  target: ["int", [0, 1, 1, 1, 0, 0]],
});
const rules = [
  { column: "age", cuts: [60], labels: ["young", "old"] },
  { column: "sex", levels: { "0": "female", "1": "male" } },
];

describe("subgroups.define", () => {
  it("names each row's subgroup from bands × levels and counts rows and positives", async () => {
    const out = await runStep(defineSubgroupsStep, { table: t }, { rules, target: "target" });
    expect(schemaOf(out.table)).toEqual([["age", "float"], ["sex", "float"], ["target", "int"], ["subgroup", "string"]]);
    expect(rows(out.table).map((r) => r.subgroup)).toEqual(["young_female", "old_male", "young_male", "old_female", "young_male", "old_female"]);
    expect(out.counts).toEqual({
      groups: [
        { name: "old_female", n: 2, positives: 1 },
        { name: "old_male", n: 1, positives: 1 },
        { name: "young_female", n: 1, positives: 0 },
        { name: "young_male", n: 2, positives: 1 },
      ],
    });
  });

  it("supports several cuts, merged levels and a custom column name", async () => {
    const out = await runStep(
      defineSubgroupsStep,
      { table: t },
      { rules: [{ column: "age", cuts: [50, 65], labels: ["a", "b", "c"] }], target: "target", as: "band" },
    );
    expect(rows(out.table).map((r) => r.band)).toEqual(["a", "b", "b", "c", "a", "c"]);
    const merged = await runStep(defineSubgroupsStep, { table: t }, { rules: [{ column: "sex", levels: { "0": "all", "1": "all" } }], target: "target" });
    expect(merged.counts).toEqual({ groups: [{ name: "all", n: 6, positives: 3 }] });
  });

  it("fails on an empty subgroup, naming it and saying what to do", async () => {
    const e = await userError(DataError, () =>
      runStep(defineSubgroupsStep, { table: t }, { rules: [{ column: "age", cuts: [35, 80], labels: ["young", "mid", "old"] }], target: "target" }),
    );
    expect(e.field).toBe("params.rules");
    expect(e.message).toContain('subgroup "old" has no rows; move the cuts, merge levels');
  });

  it("fails on a value that no level names", async () => {
    const e = await userError(DataError, () =>
      runStep(defineSubgroupsStep, { table: t }, { rules: [{ column: "sex", levels: { "0": "female" } }], target: "target" }),
    );
    expect(e.field).toBe("params.rules[0].levels");
    expect(e.message).toContain('column "sex" has the value 1 at row 2 (1-based) of input table, which the levels do not name; add "1": "<label>"');
  });

  it("rejects malformed rules with their field path", async () => {
    const labels = await userError(PipelineError, () => runStep(defineSubgroupsStep, { table: t }, { rules: [{ column: "age", cuts: [60], labels: ["x"] }], target: "target" }));
    expect(labels.message).toContain("expected 2 labels");
    const cuts = await userError(PipelineError, () => runStep(defineSubgroupsStep, { table: t }, { rules: [{ column: "age", cuts: [60, 50], labels: ["a", "b", "c"] }], target: "target" }));
    expect(cuts.message).toContain("strictly increasing");
    const target = await userError(PipelineError, () => runStep(defineSubgroupsStep, { table: t }, { rules, target: 1 }));
    expect(target.field).toBe("params.target");
  });

  it("rejects an unknown column at plan time and types the subgroup column", async () => {
    const cols = [{ name: "age", type: "float" }, { name: "sex", type: "int" }, { name: "target", type: "int" }] as const;
    study("t", (s) => {
      const h = readCsv(s, { path: "x.csv", columns: cols });
      const sg = defineSubgroups(h, { rules: [{ column: "age", cuts: [60], labels: ["young", "old"] }], target: "target" });
      const name: "string" = sg.table.columns.subgroup;
      expect([name, sg.counts.kind]).toEqual(["string", "metrics"]);
      // @ts-expect-error bands need a numeric column... and "agee" is not one
      expect(() => defineSubgroups(h, { rules: [{ column: "agee", cuts: [60], labels: ["young", "old"] }], target: "target" })).toThrow(PipelineError);
    });
    const e = await userError(PipelineError, () =>
      study("t", (s) => {
        const h = readCsv(s, { path: "x.csv", columns: cols });
        defineSubgroups(h, { rules: [{ column: "sex", levels: { "0": "f" } }, { column: "sexx" as "sex", levels: { "0": "f" } }], target: "target" });
      }),
    );
    expect(e.field).toBe("params.rules[1].column");
    expect(e.message).toContain('unknown column "sexx"');
  });
});
