// The model-set document: train steps write it through encodeModelSet, every reader decodes it with decodeModelSet.
import { describe, expect, it } from "vitest";
import { frameOfRows } from "../../steps/train/feature-frame.js";
import { logisticRegression } from "../../steps/train/logistic-regression.js";
import { decodeModelSet, encodeModelSet } from "../../steps/train/model-set.js";
import { modelSetFeatures, modelSetSubgroupColumn, predictModelSet } from "../../steps/train/predict-model-set.js";
import { runStep } from "../support/step-harness.js";
import { kFoldSplit, separableTable } from "./train-fixtures.js";

const features = ["x0", "x1", "x2", "x3"];
const trained = async () => (await runStep(logisticRegression, { table: separableTable(120), split: kFoldSplit(120, [1], 3) }, { features, target: "target" })).models;
const fail = (problem: string): never => {
  throw new Error(problem);
};

describe("model-set document", () => {
  it("decodes what a train step wrote, and encodes it back to the same document", async () => {
    const doc = await trained();
    const decoded = decodeModelSet(doc);
    if (!decoded.ok) throw new Error(decoded.problem);
    expect(decoded.set.model).toBe("logistic-regression");
    expect(decoded.set.replicates).toHaveLength(3);
    expect(encodeModelSet(decoded.set)).toEqual(doc);
    expect(modelSetFeatures(decoded.set)).toEqual(features);
    expect(modelSetSubgroupColumn(decoded.set)).toBeUndefined();
    const prob = await predictModelSet(decoded.set, { frame: frameOfRows(features, [[5, 5, 50, 0], [-5, -5, 50, 0]]), group: undefined }, fail);
    expect(prob[0]).toBeGreaterThan(0.9);
    expect(prob[1]).toBeLessThan(0.1);
  });

  it("says why a document is not a model set", async () => {
    const problem = (doc: unknown) => {
      const d = decodeModelSet(doc);
      return d.ok ? "decoded" : d.problem;
    };
    expect(problem([1])).toMatch(/not a model set \(a JSON object with format strata-models\/1\)/);
    expect(problem({ format: "strata-run/1" })).toBe('it is not a model set: its format is "strata-run/1", expected "strata-models/1"');
    expect(problem({ format: "strata-models/1", model: "forest" })).toMatch(/holds "forest" models, which Strata does not know; the model kinds are logistic-regression, mlp, dcp, conditional-bias/);
    expect(problem({ format: "strata-models/1", model: "mlp", replicates: [] })).toMatch(/not a valid mlp model set \(at replicates: /);
    const doc = (await trained()) as { replicates: { standardizer: object }[] };
    const noMean = { ...doc, replicates: [{ ...doc.replicates[0]!, standardizer: { columns: features, sd: [1, 1, 1, 1] } }] };
    expect(problem(noMean)).toMatch(/not a valid logistic-regression model set \(at replicates\[0\]\.standardizer\.mean: /);
  });
});
