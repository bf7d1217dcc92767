// DCP's cross-process determinism is tested with conditional bias's, in train-conditional-bias.test.ts (one
// script, node bin/run-ts.mjs train-conditional-bias.determinism.script.ts, digests of both steps' outputs).
import type * as arrow from "apache-arrow";
import { inputMatrixOfRows } from "../../steps/train/input-matrix.js";
import { frameOfRows } from "../../steps/train/feature-frame.js";
import { beforeAll, describe, expect, it } from "vitest";
import { columnValues, makeTable, tableColumns } from "../../artifacts/table.js";
import { PipelineError } from "../../dsl/errors.js";
import type { SplitHandle, TableHandle } from "../../dsl/handles.js";
import { StudyGraph } from "../../dsl/study.js";
import { dcp, trainDcp } from "../../steps/train/dcp.js";
import { mlp } from "../../steps/train/mlp.js";
import { predictMlpOn } from "../../steps/train/mlp-engines.js";
import { type MlpTopology, decodeModelSet } from "../../steps/train/model-set.js";
import { predictReplicate } from "../../steps/train/predict-model-set.js";
import type { EncodedModel } from "../../steps/train/weights.js";
import { runStep } from "../support/step-harness.js";
import { splitLines } from "./data-prep-helpers.js";
import { firstReplicates, kFoldSplit, tinyGroupTable } from "./train-conditional-bias.fixtures.js";

interface DcpModels {
  model: string;
  subgroup: string;
  groups: string[];
  replicates: {
    replicate: number;
    groups: { group: string; trainRows: number; validRows: number; standardizer: { mean: number[]; sd: number[] }; model: EncodedModel<MlpTopology>; training: { epochsRun: number } }[];
  }[];
}

const features = ["x0", "x1", "x2", "x3", "x4", "x5"];
const label = { layers: [16, 16], dropout: 0.1, learningRate: 0.01, epochs: 40, batchSize: 32, patience: 6 };

/** Correct / total per subgroup of the scored rows, over the prediction lines that pass `keep`. */
const tally = (table: arrow.Table, predictions: arrow.Table, keep: (line: number) => boolean = () => true) => {
  const y = columnValues(table, "target");
  const group = columnValues(table, "subgroup") as string[];
  const rows = columnValues(predictions, "row") as number[];
  const prob = columnValues(predictions, "prob") as number[];
  const out: Record<string, { correct: number; n: number; accuracy: number }> = {};
  rows.forEach((r, i) => {
    if (!keep(i)) return;
    const t = (out[group[r]!] ??= { correct: 0, n: 0, accuracy: 0 });
    t.n++;
    if ((prob[i]! >= 0.5 ? 1 : 0) === y[r]) t.correct++;
    t.accuracy = t.correct / t.n;
  });
  return out;
};

describe("train.dcp", () => {
  // One label rule for everyone; "tiny" is every 16th row (30 of 480). Four replicates of a four-fold split, so
  // every row is a test row once: 30 tiny test rows in all.
  const table = tinyGroupTable(480);
  const split = kFoldSplit(480, [1], 4);
  let generic: arrow.Table;
  let out: { models: DcpModels; predictions: arrow.Table; cross: arrow.Table };
  beforeAll(async () => {
    generic = (await runStep(mlp, { table, split }, { features, target: "target", ...label }, 1)).predictions as arrow.Table;
    const o = await runStep(dcp, { table, split }, { features, target: "target", subgroup: "subgroup", ...label }, 1);
    out = { models: o.models as unknown as DcpModels, predictions: o.predictions as arrow.Table, cross: o.cross as arrow.Table };
  }, 600_000);

  it("is worse than Generic on a tiny subgroup, and about as good on the big one", () => {
    const g = tally(table, generic);
    const d = tally(table, out.predictions);
    expect(d.tiny!.n).toBe(30);
    expect(d.tiny!.accuracy).toBeLessThan(g.tiny!.accuracy - 0.05);
    expect(Math.abs(d.big!.accuracy - g.big!.accuracy)).toBeLessThan(0.03);
    // The tiny group's models, scored on the big group's test rows (same rule, 450 rows): far below Generic there.
    const modelGroup = columnValues(out.cross, "model_group");
    const tinyOnBig = tally(table, out.cross, (i) => modelGroup[i] === "tiny").big!;
    expect(tinyOnBig.n).toBe(450);
    expect(tinyOnBig.accuracy).toBeLessThan(g.big!.accuracy - 0.15);
  });

  it("trains one model per subgroup on its rows only, and scores every test row with every subgroup's model", async () => {
    const { models, predictions, cross } = out;
    expect(models).toMatchObject({ model: "dcp", subgroup: "subgroup", groups: ["big", "tiny"] });
    expect(models.replicates).toHaveLength(4);
    const group = columnValues(table, "subgroup") as string[];
    const splitRows = splitLines(split);
    for (const r of models.replicates) {
      for (const m of r.groups) {
        const trainRows = splitRows.filter((l) => l.replicate === r.replicate && l.role === "train" && group[l.row] === m.group).length;
        expect(m.trainRows).toBe(trainRows);
      }
    }
    expect(tableColumns(cross).map((c) => [c.name, c.type])).toEqual([
      ["replicate", "int"], ["seed", "int"], ["fold", "int"], ["row", "int"], ["prob", "float"], ["model_group", "string"],
    ]);
    expect(predictions.numRows).toBe(480);
    expect(cross.numRows).toBe(2 * 480);
    // Each test row's own-group line of `cross` is its `predictions` line.
    const pRep = columnValues(predictions, "replicate") as number[];
    const pRow = columnValues(predictions, "row") as number[];
    const pProb = columnValues(predictions, "prob") as number[];
    const cRep = columnValues(cross, "replicate") as number[];
    const cRow = columnValues(cross, "row") as number[];
    const cProb = columnValues(cross, "prob") as number[];
    const cGroup = columnValues(cross, "model_group") as string[];
    const own = new Map<string, number>();
    cRow.forEach((row, i) => {
      if (cGroup[i] === group[row]) own.set(`${cRep[i]}/${row}`, cProb[i]!);
    });
    expect(pRow.map((row, i) => own.get(`${pRep[i]}/${row}`))).toEqual(pProb);

    // The stored tiny-group model of replicate 2, with its own standardizer, reproduces its cross predictions.
    const stored = models.replicates[2]!.groups.find((g) => g.group === "tiny")!;
    const lines = cRow.map((row, i) => ({ row, i })).filter(({ i }) => cRep[i] === 2 && cGroup[i] === "tiny");
    const x = lines.map(({ row }) => features.map((f, j) => ((columnValues(table, f)[row] as number) - stored.standardizer.mean[j]!) / stored.standardizer.sd[j]!));
    expect(await predictMlpOn("kernels", stored.model, inputMatrixOfRows(x, features.length))).toEqual(lines.map(({ i }) => cProb[i]));
  });

  it("scores through the model-set predictor exactly as it scored its own test rows, each row by its subgroup's model", async () => {
    const decoded = decodeModelSet(out.models);
    if (!decoded.ok) throw new Error(decoded.problem);
    const group = columnValues(table, "subgroup") as string[];
    const pRep = columnValues(out.predictions, "replicate") as number[];
    const pRow = columnValues(out.predictions, "row") as number[];
    const pProb = columnValues(out.predictions, "prob") as number[];
    for (const r of [0, 3]) {
      const rows = pRow.filter((_, i) => pRep[i] === r);
      const x = rows.map((row) => features.map((f) => columnValues(table, f)[row] as number));
      const fail = (problem: string): never => {
        throw new Error(problem);
      };
      const prob = await predictReplicate(decoded.set, r, { frame: frameOfRows(features, x), group: rows.map((row) => group[row]!) }, fail);
      expect(Array.from(prob)).toEqual(pProb.filter((_, i) => pRep[i] === r));
    }
  });

  it("fails when a subgroup has no train rows in a replicate", async () => {
    const one = firstReplicates(kFoldSplit(160, [1], 4), 1);
    const testRows = new Set(splitLines(one).filter((l) => l.role === "test").map((l) => l.row));
    const t = tinyGroupTable(160);
    const relabelled = makeTable(
      tableColumns(t).map((c) => (c.name === "subgroup" ? { ...c, values: Array.from(c.values, (v, r) => (testRows.has(r) ? "ghost" : v)) } : c)),
    );
    await expect(runStep(dcp, { table: relabelled, split: one }, { features, target: "target", subgroup: "subgroup", ...label, epochs: 1 }, 1)).rejects.toThrow(
      /replicate 0 has no train rows in subgroup "ghost"/,
    );
  });
});

describe("trainDcp builder", () => {
  it("defaults to the paper's label predictor and checks columns", () => {
    const graph = new StudyGraph("dcp-builder", 0);
    const t = { kind: "table", ref: { node: "prep", output: "table" }, study: graph, columns: { age: "float", target: "int", subgroup: "string" } } as TableHandle<{
      age: "float";
      target: "int";
      subgroup: "string";
    }>;
    const s = { kind: "split", ref: { node: "split", output: "split" }, study: graph } as SplitHandle;
    const handles = trainDcp(t, s, { features: ["age"], target: "target", subgroup: "subgroup" }, { id: "dcp" });
    expect(handles.cross.ref).toEqual({ node: "dcp", output: "cross" });
    expect(graph.nodes[0]!.params).toEqual({
      features: ["age"], target: "target", subgroup: "subgroup",
      layers: [64, 64, 64, 64, 64, 64], dropout: 0.2, learningRate: 0.001, epochs: 100, batchSize: 32, patience: 10, engine: "kernels", recipe: [{ step: "standardize" }],
    });
    // @ts-expect-error "group" is not a column
    expect(() => trainDcp(t, s, { features: ["age"], target: "target", subgroup: "group" }, { id: "dcp2" })).toThrow(PipelineError);
  });
});
