import type * as arrow from "apache-arrow";
import { inputMatrixOfRows } from "../../steps/train/input-matrix.js";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../artifacts/canonical-json.js";
import { sha256Hex } from "../../artifacts/digest.js";
import { columnValues, encodeParquet, tableColumns } from "../../artifacts/table.js";
import { DataError, PipelineError } from "../../dsl/errors.js";
import type { SplitHandle, TableHandle } from "../../dsl/handles.js";
import { StudyGraph } from "../../dsl/study.js";
import { fitLogistic, logisticRegression, predictLogistic, trainLogisticRegression } from "../../steps/train/logistic-regression.js";
import type { LogisticTopology } from "../../steps/train/model-set.js";
import type { EncodedModel } from "../../steps/train/weights.js";
import { runStep } from "../support/step-harness.js";
import { splitLines } from "./data-prep-helpers.js";
import { kFoldSplit, lcg, separableTable } from "./train-fixtures.js";

const table = separableTable(200, 4, 2);
const split = kFoldSplit(200, [1, 2], 5);
const features = ["x0", "x1", "x2", "x3"];

interface ModelsDoc {
  format: string;
  model: string;
  replicates: { replicate: number; seed: number; fold: number; standardizer: { columns: string[]; mean: number[]; sd: number[] }; model: EncodedModel<LogisticTopology> }[];
}

const train = async (params: object = {}) => {
  const out = await runStep(logisticRegression, { table, split }, { features, target: "target", ...params });
  return { predictions: out.predictions as arrow.Table, models: out.models as unknown as ModelsDoc };
};

const testAccuracy = (predictions: arrow.Table): number => {
  const y = columnValues(table, "target");
  const rows = columnValues(predictions, "row") as number[];
  const prob = columnValues(predictions, "prob") as number[];
  return prob.filter((p, i) => (p >= 0.5 ? 1 : 0) === y[rows[i]!]).length / prob.length;
};

describe("fitLogistic (Newton)", () => {
  it("reaches the penalised optimum: the gradient vanishes", () => {
    const u = lcg(9);
    const x = Array.from({ length: 120 }, () => [u() * 4 - 2, u() * 4 - 2, u() * 4 - 2]);
    const y = x.map((r) => (r[0]! - r[1]! + (u() - 0.5) * 3 > 0 ? 1 : 0)); // noisy, not separable
    const l2 = 0.7;
    const fit = fitLogistic(inputMatrixOfRows(x, 3), y, l2, 100);
    expect(fit.converged).toBe(true);
    const grad = [0, 0, 0, 0];
    x.forEach((r, i) => {
      const p = 1 / (1 + Math.exp(-(fit.intercept + r.reduce((s, v, j) => s + v * fit.coef[j]!, 0))));
      r.forEach((v, j) => (grad[j] = grad[j]! + (p - y[i]!) * v));
      grad[3] = grad[3]! + (p - y[i]!);
    });
    fit.coef.forEach((w, j) => (grad[j] = grad[j]! + l2 * w));
    for (const g of grad) expect(Math.abs(g)).toBeLessThan(1e-8);
    expect(fit.coef[0]).toBeGreaterThan(0);
    expect(fit.coef[1]).toBeLessThan(0);
  });

  it("stays finite on separable data thanks to the penalty", () => {
    const fit = fitLogistic(inputMatrixOfRows([[-2], [-1], [1], [2]], 1), [0, 0, 1, 1], 1, 100);
    expect(fit.converged).toBe(true);
    expect(Number.isFinite(fit.coef[0]!)).toBe(true);
  });
});

describe("train.logistic-regression", () => {
  it("predicts test rows of every replicate accurately on separable data", async () => {
    const { predictions, models } = await train();
    expect(testAccuracy(predictions)).toBeGreaterThan(0.9);
    expect(models.format).toBe("strata-models/1");
    expect(models.model).toBe("logistic-regression");
    expect(models.replicates.map((r) => [r.replicate, r.seed, r.fold])).toEqual(
      Array.from({ length: 10 }, (_, i) => [i, i < 5 ? 1 : 2, i % 5]),
    );
  });

  it("writes predictions sorted by replicate then row, one per test row, with the agreed column types", async () => {
    const { predictions } = await train();
    expect(tableColumns(predictions).map((c) => [c.name, c.type])).toEqual([
      ["replicate", "int"], ["seed", "int"], ["fold", "int"], ["row", "int"], ["prob", "float"],
    ]);
    expect(predictions.numRows).toBe(2 * 200); // 2 seeds × every row tested once across 5 folds
    const rep = columnValues(predictions, "replicate") as number[];
    const row = columnValues(predictions, "row") as number[];
    for (let i = 1; i < rep.length; i++) expect(rep[i]! > rep[i - 1]! || (rep[i] === rep[i - 1] && row[i]! > row[i - 1]!)).toBe(true);
    const test0 = splitLines(split).filter((l) => l.replicate === 0 && l.role === "test").map((l) => l.row);
    expect(row.filter((_, i) => rep[i] === 0)).toEqual(test0);
  });

  it("fits the standardizer on each replicate's train rows only", async () => {
    const { models } = await train();
    const x0 = columnValues(table, "x0") as number[];
    const lines = splitLines(split);
    for (const r of [0, 7]) {
      const trainRows = lines.filter((l) => l.replicate === r && l.role === "train").map((l) => l.row);
      const mean = trainRows.reduce((s, k) => s + x0[k]!, 0) / trainRows.length;
      expect(models.replicates[r]!.standardizer.columns).toEqual(features);
      expect(models.replicates[r]!.standardizer.mean[0]).toBeCloseTo(mean, 12);
    }
    expect(models.replicates[0]!.standardizer.mean[0]).not.toBe(models.replicates[1]!.standardizer.mean[0]);
  });

  it("stores models that reproduce their predictions exactly", async () => {
    const { predictions, models } = await train();
    const rep = models.replicates[3]!;
    const rows = (columnValues(predictions, "row") as number[]).filter((_, i) => columnValues(predictions, "replicate")[i] === 3);
    const expected = (columnValues(predictions, "prob") as number[]).filter((_, i) => columnValues(predictions, "replicate")[i] === 3);
    const x = rows.map((r) => features.map((f, j) => ((columnValues(table, f)[r] as number) - rep.standardizer.mean[j]!) / rep.standardizer.sd[j]!));
    expect(Array.from(predictLogistic(rep.model, inputMatrixOfRows(x, features.length)))).toEqual(expected);
    expect(rep.model.weights.map((w) => [w.name, w.shape])).toEqual([["coef", [4]], ["intercept", [1]]]);
  });

  it("gives identical bytes on every run", async () => {
    const a = await train();
    const b = await train();
    expect(sha256Hex(encodeParquet(a.predictions))).toBe(sha256Hex(encodeParquet(b.predictions)));
    expect(canonicalJson(a.models)).toBe(canonicalJson(b.models));
  });

  it("stronger l2 shrinks the coefficients", async () => {
    const weak = await train({ l2: 0.01 });
    const strong = await train({ l2: 100 });
    const norm = (m: ModelsDoc) => Buffer.from(m.replicates[0]!.model.weights[0]!.data, "base64").readFloatLE(0);
    expect(Math.abs(norm(strong.models))).toBeLessThan(Math.abs(norm(weak.models)));
  });

  it("fails with readable DataErrors on bad params and data", async () => {
    await expect(train({ features: ["x0", "nope"] })).rejects.toThrow(/params\.features\[1\]: unknown column "nope"/);
    await expect(train({ features: ["x0", "subgroup"] })).rejects.toThrow(/features must be numeric/);
    await expect(train({ features: ["x0", "target"] })).rejects.toThrow(DataError);
    await expect(train({ l2: 0 })).rejects.toThrow(/params\.l2/);
    const wrongTable = separableTable(50, 4, 2);
    await expect(runStep(logisticRegression, { table: wrongTable, split }, { features, target: "target" })).rejects.toThrow(/the split covers 200 rows but the table has 50; split the same table you pass here/);
  });
});

describe("trainLogisticRegression builder", () => {
  it("adds a node with decoded params and typed outputs; unknown columns fail", () => {
    const graph = new StudyGraph("lr-builder", 3);
    const t = { kind: "table", ref: { node: "prep", output: "table" }, study: graph, columns: { age: "float", chol: "float", target: "int" } } as TableHandle<{ age: "float"; chol: "float"; target: "int" }>;
    const s = { kind: "split", ref: { node: "split", output: "split" }, study: graph } as SplitHandle;
    const out = trainLogisticRegression(t, s, { features: ["age", "chol"], target: "target" }, { id: "lr" });
    expect(out.predictions.kind).toBe("predictions");
    expect(out.models.kind).toBe("models");
    expect(graph.nodes[0]!.params).toEqual({ features: ["age", "chol"], target: "target", recipe: [{ step: "standardize" }], l2: 1, maxIterations: 100 });
    // @ts-expect-error "cholesterol" is not a column
    expect(() => trainLogisticRegression(t, s, { features: ["age", "cholesterol"], target: "target" }, { id: "lr2" })).toThrow(PipelineError);
  });
});
