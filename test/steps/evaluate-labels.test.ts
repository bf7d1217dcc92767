/**
 * The labels and subgroups every evaluation reads, as typed columns: group codes in name order whatever order the
 * rows come in, 0/1 from int, float or bool targets, and one message naming the param for each user mistake.
 */
import { describe, expect, it } from "vitest";
import { makeTable } from "../../artifacts/table.js";
import { DataError } from "../../dsl/errors.js";
import { type SubgroupMetricsDoc, subgroupMetrics } from "../../steps/evaluate/subgroup-metrics.js";
import { runStep } from "../support/step-harness.js";

const predictions = (rows: number) =>
  makeTable([
    { name: "replicate", type: "int", values: Array(rows).fill(0) },
    { name: "seed", type: "int", values: Array(rows).fill(1) },
    { name: "fold", type: "int", values: Array(rows).fill(0) },
    { name: "row", type: "int", values: Array.from({ length: rows }, (_, r) => r) },
    { name: "prob", type: "float", values: Array.from({ length: rows }, (_, r) => (r % 3) / 3) },
  ]);

const evaluate = async (columns: Parameters<typeof makeTable>[0]) => {
  const table = makeTable(columns);
  const out = await runStep(subgroupMetrics, { table, predictions: [predictions(table.numRows)] }, { models: ["m"], target: "target", subgroup: "subgroup", resamples: 0 });
  return out.metrics as unknown as SubgroupMetricsDoc;
};

const failure = async (columns: Parameters<typeof makeTable>[0]): Promise<DataError> => {
  const e = await evaluate(columns).then(() => undefined, (error: unknown) => error);
  expect(e).toBeInstanceOf(DataError);
  return e as DataError;
};

describe("evaluation labels", () => {
  it("codes the subgroups in name order, whatever order the rows come in", async () => {
    const doc = await evaluate([
      { name: "target", type: "int", values: [1, 0, 1, 0, 1, 0] },
      { name: "subgroup", type: "string", values: ["zeta", "alpha", "zeta", "mid", "alpha", "alpha"] },
    ]);
    expect(doc.groups).toEqual(["overall", "alpha", "mid", "zeta"]);
    expect(doc.sizes.map((s) => [s.group, s.cohortN, s.cohortPositives])).toEqual([["overall", 6, 3], ["alpha", 3, 1], ["mid", 1, 0], ["zeta", 2, 2]]);
  });

  it("reads bool and float targets as 0/1", async () => {
    const subgroup = { name: "subgroup", type: "string", values: ["a", "a", "b", "b"] } as const;
    const fromBool = await evaluate([{ name: "target", type: "bool", values: [true, false, true, true] }, subgroup]);
    const fromFloat = await evaluate([{ name: "target", type: "float", values: [1, 0, 1, 1] }, subgroup]);
    expect(fromBool.sizes.map((s) => s.cohortPositives)).toEqual([3, 1, 2]);
    expect(fromFloat.results).toEqual(fromBool.results);
  });

  it("names the param and the row of each mistake", async () => {
    const groups = { name: "subgroup", type: "string", values: ["a", "b", "a"] } as const;
    expect((await failure([{ name: "target", type: "int", values: [0, 2, 1] }, groups])).message).toMatch(/params\.target.*has 2 at row 1; expected 0 or 1/s);
    expect((await failure([{ name: "target", type: "int", values: [0, null, 1] }, groups])).message).toMatch(/params\.target.*has null at row 1/s);
    expect((await failure([{ name: "target", type: "int", values: [0, 1, 1] }, { name: "subgroup", type: "string", values: ["a", null, "b"] }])).message).toMatch(/params\.subgroup.*no group at row 1/s);
    expect((await failure([{ name: "target", type: "int", values: [0, 1, 1] }, { name: "subgroup", type: "string", values: ["a", "overall", "b"] }])).message).toMatch(/"overall" is reserved/);
    expect((await failure([{ name: "target", type: "string", values: ["0", "1", "1"] }, groups])).message).toMatch(/params\.target.*is string/s);
  });
});
