import { describe, expect, it } from "vitest";
import { makeTable } from "../../artifacts/table.js";
import { DataError, PipelineError } from "../../dsl/errors.js";
import type { PredictionsHandle, TableHandle } from "../../dsl/handles.js";
import { StudyGraph } from "../../dsl/study.js";
import { type BySubgroupMetrics, bySubgroup, evaluateBySubgroup } from "../../steps/evaluate/by-subgroup.js";
import { runStep } from "../support/step-harness.js";

// Rows 0-4 are "zeta", rows 5-9 "alpha" (all positive, so AUROC is undefined there).
const table = makeTable([
  { name: "target", type: "int", values: [1, 0, 1, 0, 1, 1, 1, 1, 1, 1] },
  { name: "group", type: "string", values: ["zeta", "zeta", "zeta", "zeta", "zeta", "alpha", "alpha", "alpha", "alpha", "alpha"] },
]);

const predictions = (lines: [replicate: number, seed: number, fold: number, row: number, prob: number][]) =>
  makeTable([
    { name: "replicate", type: "int", values: lines.map((l) => l[0]) },
    { name: "seed", type: "int", values: lines.map((l) => l[1]) },
    { name: "fold", type: "int", values: lines.map((l) => l[2]) },
    { name: "row", type: "int", values: lines.map((l) => l[3]) },
    { name: "prob", type: "float", values: lines.map((l) => l[4]) },
  ]);

// Written out of order on purpose: the step sorts by replicate and row.
const modelA = predictions([
  [1, 1, 1, 9, 0.55],
  [0, 1, 0, 0, 0.9],
  [0, 1, 0, 1, 0.2],
  [0, 1, 0, 2, 0.4],
  [0, 1, 0, 5, 0.7],
  [0, 1, 0, 6, 0.6],
  [1, 1, 1, 3, 0.6],
  [1, 1, 1, 4, 0.8],
  [1, 1, 1, 7, 0.3],
  [1, 1, 1, 8, 0.9],
]);
const modelB = predictions([0, 1, 2, 5, 6].map((row) => [0, 1, 0, row, 0.5] as [number, number, number, number, number]));

const params = { models: ["mlp", "logreg"], target: "target", subgroup: "group" };

const run = async (p: object = params, preds = [modelA, modelB]) =>
  (await runStep(bySubgroup, { table, predictions: preds }, p)).metrics as unknown as BySubgroupMetrics;

describe("evaluate.by-subgroup", () => {
  it("computes per-replicate metrics for overall and each subgroup (hand-computed)", async () => {
    const m = await run();
    expect(m.models).toEqual(["mlp", "logreg"]);
    expect(m.groups).toEqual(["overall", "alpha", "zeta"]);
    const get = (model: string, replicate: number, group: string) =>
      m.perReplicate.find((e) => e.model === model && e.replicate === replicate && e.group === group)!;

    // replicate 0 overall: y 1 0 1 1 1, p .9 .2 .4 .7 .6 → predictions 1 0 0 1 1
    const r0 = get("mlp", 0, "overall");
    expect(r0).toMatchObject({ seed: 1, fold: 0, n: 5, positives: 4, accuracy: 0.8, auroc: 1 });
    expect(r0.brier).toBeCloseTo((0.01 + 0.04 + 0.36 + 0.09 + 0.16) / 5, 12);
    const z0 = get("mlp", 0, "zeta");
    expect(z0).toMatchObject({ n: 3, positives: 2, auroc: 1 });
    expect(z0.accuracy).toBeCloseTo(2 / 3, 15);
    const a0 = get("mlp", 0, "alpha");
    expect(a0).toMatchObject({ n: 2, positives: 2, accuracy: 1, auroc: null, brier: expect.closeTo(0.125, 15) });
    // replicate 1 overall: y 0 1 1 1 1, p .6 .8 .3 .9 .55 → predictions 1 1 0 1 1; the negative (.6) beats .3 and .55
    const r1 = get("mlp", 1, "overall");
    expect(r1).toMatchObject({ seed: 1, fold: 1, n: 5, positives: 4, accuracy: 0.6, auroc: 0.5 });
    expect(r1.brier).toBeCloseTo((0.36 + 0.04 + 0.49 + 0.01 + 0.2025) / 5, 12);

    // order: model (as given), replicate, group (overall first, then sorted)
    expect(m.perReplicate.map((e) => `${e.model}/${e.replicate}/${e.group}`)).toEqual([
      "mlp/0/overall", "mlp/0/alpha", "mlp/0/zeta", "mlp/1/overall", "mlp/1/alpha", "mlp/1/zeta",
      "logreg/0/overall", "logreg/0/alpha", "logreg/0/zeta",
    ]);
  });

  it("summarises mean ± sample sd across replicates", async () => {
    const m = await run();
    const overall = m.summary.find((s) => s.model === "mlp" && s.group === "overall")!;
    expect(overall).toMatchObject({ replicates: 2, nMin: 5, nMax: 5, nTotal: 10, positivesTotal: 8 });
    expect(overall.accuracy.mean).toBeCloseTo(0.7, 15);
    expect(overall.accuracy.sd).toBeCloseTo(Math.SQRT2 * 0.1, 15);
    expect(overall.auroc).toEqual({ mean: 0.75, sd: expect.closeTo(Math.SQRT2 * 0.25, 15), replicates: 2 });
    const alpha = m.summary.find((s) => s.model === "mlp" && s.group === "alpha")!;
    expect(alpha.auroc).toEqual({ mean: null, sd: null, replicates: 0 });
    const single = m.summary.find((s) => s.model === "logreg" && s.group === "overall")!;
    expect(single.accuracy).toEqual({ mean: 0.8, sd: null, replicates: 1 });
  });

  it("is deterministic and JSON-clean", async () => {
    const a = await run();
    const b = await run();
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toMatch(/NaN|Infinity/);
  });

  it("fails with a readable DataError on mismatched or bad inputs", async () => {
    await expect(run({ ...params, models: ["only-one"] })).rejects.toThrow(/1 model labels for 2 predictions inputs/);
    await expect(run({ ...params, subgroup: "grp" })).rejects.toThrow(DataError);
    await expect(run({ ...params, subgroup: "grp" })).rejects.toThrow(/params\.subgroup: unknown column "grp"/);
    const badProb = predictions([[0, 1, 0, 0, 1.5]]);
    await expect(run(params, [modelA, badProb])).rejects.toThrow(/inputs\.predictions\[1\].*prob 1\.5/);
    const badRow = predictions([[0, 1, 0, 10, 0.5]]);
    await expect(run(params, [modelA, badRow])).rejects.toThrow(/row 10, but the table has 10 rows/);
    await expect(run({ ...params, models: ["a", "a"] })).rejects.toThrow(/params\.models/);
  });
});

describe("evaluateBySubgroup builder", () => {
  const graph = new StudyGraph("builder-test", 1);
  const handle = (node: string) => ({ kind: "predictions", ref: { node, output: "predictions" }, study: graph }) as PredictionsHandle;
  const labelled = { kind: "table", ref: { node: "subgroups", output: "table" }, study: graph, columns: { target: "int", subgroup: "string", age: "float" } } as TableHandle<{
    target: "int";
    subgroup: "string";
    age: "float";
  }>;

  it("turns the record into a label-sorted list slot and labels param", () => {
    evaluateBySubgroup(labelled, { mlp: handle("train-mlp"), logreg: handle("train-lr") }, { target: "target", subgroup: "subgroup" }, { id: "evaluate" });
    const node = graph.nodes.find((n) => n.id === "evaluate")!;
    expect(node.params).toEqual({ models: ["logreg", "mlp"], target: "target", subgroup: "subgroup", threshold: 0.5 });
    expect(node.inputs.predictions).toEqual([
      { node: "train-lr", output: "predictions" },
      { node: "train-mlp", output: "predictions" },
    ]);
  });

  it("rejects unknown columns at compile time and at load time", () => {
    // @ts-expect-error "subgrup" is not a column of the table
    expect(() => evaluateBySubgroup(labelled, { m: handle("x") }, { target: "target", subgroup: "subgrup" }, { id: "typo" })).toThrow(PipelineError);
  });
});
