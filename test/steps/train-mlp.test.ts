import { execFile } from "node:child_process";
import { inputMatrixOfRows } from "../../steps/train/input-matrix.js";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { columnValues, tableColumns } from "../../artifacts/table.js";
import { PipelineError } from "../../dsl/errors.js";
import type { SplitHandle, TableHandle } from "../../dsl/handles.js";
import { StudyGraph } from "../../dsl/study.js";
import { mlp, trainMlp } from "../../steps/train/mlp.js";
import { predictMlpOn } from "../../steps/train/mlp-engines.js";
import { mlpWeightSpecs } from "../../steps/train/mlp-toolkit.js";
import type { MlpTopology } from "../../steps/train/model-set.js";
import { withSeededMathRandom } from "../../steps/train/tfjs-runtime.js";
import { type EncodedModel, decodeFloat32, encodeFloat32 } from "../../steps/train/weights.js";
import { runStep } from "../support/step-harness.js";
import { trainDigests } from "./train-determinism.script.js";
import { splitLines, splitOf } from "./data-prep-helpers.js";
import { DETERMINISM_CASE, kFoldSplit, separableTable } from "./train-fixtures.js";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

interface ModelsDoc {
  format: string;
  model: string;
  engine: string;
  replicates: {
    replicate: number;
    seed: number;
    fold: number;
    standardizer: { columns: string[]; mean: number[]; sd: number[] };
    model: EncodedModel<MlpTopology>;
    training: { epochsRun: number; bestEpoch: number; validLoss: number | null };
  }[];
}

const small = { layers: [16, 16], epochs: 15, batchSize: 32, patience: 5, learningRate: 0.01 };

describe("train.mlp", () => {
  const table = separableTable(200, 4, 4);
  const split = kFoldSplit(200, [1], 4);
  const features = ["x0", "x1", "x2", "x3"];
  const train = async (params: object = {}) => {
    const out = await runStep(mlp, { table, split }, { features, target: "target", ...small, ...params }, 3);
    return { predictions: out.predictions as arrow.Table, models: out.models as unknown as ModelsDoc };
  };

  it("learns a separable problem, early-stopped on valid rows, and stores a model that reproduces its predictions", async () => {
    const before = Math.random;
    const { predictions, models } = await train();
    expect(Math.random).toBe(before); // restored after training

    const y = columnValues(table, "target");
    const rows = columnValues(predictions, "row") as number[];
    const prob = columnValues(predictions, "prob") as number[];
    const rep = columnValues(predictions, "replicate") as number[];
    const accuracy = prob.filter((p, i) => (p >= 0.5 ? 1 : 0) === y[rows[i]!]).length / prob.length;
    expect(accuracy).toBeGreaterThan(0.9);
    expect(predictions.numRows).toBe(200);
    expect(tableColumns(predictions).map((c) => [c.name, c.type])).toEqual([
      ["replicate", "int"], ["seed", "int"], ["fold", "int"], ["row", "int"], ["prob", "float"],
    ]);

    expect(models.model).toBe("mlp");
    expect(models.replicates).toHaveLength(4);
    for (const r of models.replicates) {
      expect(r.training.bestEpoch).toBeGreaterThanOrEqual(1);
      expect(r.training.bestEpoch).toBeLessThanOrEqual(r.training.epochsRun);
      expect(r.training.validLoss).not.toBeNull();
      expect(r.model.weights.map((w) => w.name)).toEqual(mlpWeightSpecs(r.model.topology).map((s) => s.name));
    }
    expect(models.replicates[0]!.model.weights.map((w) => w.name).slice(0, 6)).toEqual([
      "block0.linear.kernel", "block0.linear.bias", "block0.batchnorm.gamma", "block0.batchnorm.beta",
      "block0.batchnorm.moving_mean", "block0.batchnorm.moving_variance",
    ]);

    const r2 = models.replicates[2]!;
    const testRows = rows.filter((_, i) => rep[i] === 2);
    const x = testRows.map((r) => features.map((f, j) => ((columnValues(table, f)[r] as number) - r2.standardizer.mean[j]!) / r2.standardizer.sd[j]!));
    expect(models.engine).toBe("kernels");
    expect(await predictMlpOn("kernels", r2.model, inputMatrixOfRows(x, features.length))).toEqual(prob.filter((_, i) => rep[i] === 2));
  });

  it("trains all epochs when a replicate has no valid rows", async () => {
    const noValid = kFoldSplit(200, [1], 4);
    const lines = splitLines(noValid);
    const withoutValid = splitOf(
      [0, 1, 2, 3].map((replicate) => {
        const own = lines.filter((l) => l.replicate === replicate);
        return { ...own[0]!, roles: own.map((l) => (l.role === "valid" ? "train" : l.role)) };
      }),
    );
    const out = await runStep(mlp, { table, split: withoutValid }, { features, target: "target", ...small, epochs: 3 }, 3);
    const models = out.models as unknown as ModelsDoc;
    expect(models.replicates.map((r) => r.training)).toEqual(new Array(4).fill({ epochsRun: 3, bestEpoch: 3, validLoss: null }));
  });

  it("gives different weights for different node seeds and the same for the same seed", async () => {
    const a = await runStep(mlp, { table, split }, { features, target: "target", ...small, epochs: 2 }, 1);
    const b = await runStep(mlp, { table, split }, { features, target: "target", ...small, epochs: 2 }, 2);
    const c = await runStep(mlp, { table, split }, { features, target: "target", ...small, epochs: 2 }, 1);
    expect(JSON.stringify(a.models)).not.toBe(JSON.stringify(b.models));
    expect(JSON.stringify(a.models)).toBe(JSON.stringify(c.models));
  });

  it("rejects bad hyperparameters when params are decoded", async () => {
    await expect(train({ dropout: 1 })).rejects.toThrow(/params\.dropout/);
    await expect(train({ layers: [16, 0] })).rejects.toThrow(/params\.layers/);
    await expect(train({ batchSize: 2.5 })).rejects.toThrow(/params\.batchSize/);
  });
});

describe("determinism across runs and processes", () => {
  it("gives identical digests twice in-process and in two fresh processes", async () => {
    const script = path.join(here, "train-determinism.script.ts");
    const spawn = () => run(process.execPath, [path.join(root, "bin/run-ts.mjs"), script], { cwd: root, timeout: 120_000 }).then((r) => JSON.parse(r.stdout.trim()) as Record<string, string>);
    const processes = Promise.all([spawn(), spawn()]);
    const first = await trainDigests();
    const second = await trainDigests();
    const [p1, p2] = await processes;
    expect(second).toEqual(first);
    expect(p1).toEqual(first);
    expect(p2).toEqual(first);
    expect(Object.keys(first).sort()).toEqual([
      "lrModels",
      "lrPredictions",
      "mlpModels",
      "mlpPredictions",
      "weightedMlpModels",
      "weightedMlpPredictions",
      "weightedTfjsMlpModels",
      "weightedTfjsMlpPredictions",
    ]);
    // The weights change the model, so the weighted digests are not the unweighted ones under other names.
    expect(first.weightedMlpModels).not.toBe(first.mlpModels);
    // the case really trains something: the MLP is not trivially constant
    const { mlpParams } = DETERMINISM_CASE();
    expect(mlpParams.dropout).toBeGreaterThan(0);
  });
});

describe("tfjs runtime helpers", () => {
  it("round-trips float32 weights through base64 little-endian", () => {
    const values = [0, -0, 1.5, -3.25, 1e-30, 3.4028234663852886e38];
    const encoded = encodeFloat32(values);
    expect(Buffer.from(encoded, "base64").readFloatLE(8)).toBe(1.5);
    expect(Array.from(decodeFloat32(encoded))).toEqual(values.map((v) => Math.fround(v)));
  });

  it("seeds Math.random only inside, restores it on error, and refuses to nest", async () => {
    const original = Math.random;
    const inside = await withSeededMathRandom(() => 0.25, () => Math.random());
    expect(inside).toBe(0.25);
    expect(Math.random).toBe(original);
    await expect(withSeededMathRandom(() => 0.5, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(Math.random).toBe(original);
    await expect(withSeededMathRandom(() => 0.5, () => withSeededMathRandom(() => 0.5, () => 1))).rejects.toThrow(/already active/);
    expect(Math.random).toBe(original);
  });
});

describe("trainMlp builder", () => {
  it("decodes defaults into the node params and checks columns", () => {
    const graph = new StudyGraph("mlp-builder", 3);
    const t = { kind: "table", ref: { node: "prep", output: "table" }, study: graph, columns: { age: "float", target: "int" } } as TableHandle<{ age: "float"; target: "int" }>;
    const s = { kind: "split", ref: { node: "split", output: "split" }, study: graph } as SplitHandle;
    trainMlp(t, s, { features: ["age"], target: "target" }, { id: "mlp" });
    expect(graph.nodes[0]!.params).toEqual({
      features: ["age"], target: "target", layers: [64, 64], dropout: 0.2, learningRate: 0.003, epochs: 60, batchSize: 64, patience: 10, engine: "kernels", recipe: [{ step: "standardize" }],
    });
    // @ts-expect-error "sex" is not a column
    expect(() => trainMlp(t, s, { features: ["sex"], target: "target" }, { id: "mlp2" })).toThrow(PipelineError);
  });
});
