import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { columnValues, makeTable } from "../../artifacts/table.js";
import { DataError } from "../../dsl/errors.js";
import { subgroupMetrics, type SubgroupMetricsDoc } from "../../steps/evaluate/subgroup-metrics.js";
import { predictModelSetStep } from "../../steps/predict/model-set.js";
import { logisticRegression } from "../../steps/train/logistic-regression.js";
import { decodeModelSet } from "../../steps/train/model-set.js";
import { predictReplicate, readScoringFrame } from "../../steps/train/predict-model-set.js";
import { runStep } from "../support/step-harness.js";
import { kFoldSplit, separableTable } from "./train-fixtures.js";

const features = ["x0", "x1", "x2", "x3"];
const siteA = separableTable(200, 4, 2);
const siteB = separableTable(90, 4, 7);
const recipe = [{ step: "clip", columns: { x2: { lowerQuantile: 0.01, upperQuantile: 0.99 } } }, { step: "standardize" }];

const trained = async () => (await runStep(logisticRegression, { table: siteA, split: kFoldSplit(200, [1], 3) }, { features, target: "target", recipe })).models as object;

const fail = (problem: string): never => {
  throw new Error(problem);
};

describe("predict.model-set", () => {
  it("scores every row of a new table with every replicate, as the stored set predicts, and evaluation reads the result", async () => {
    const models = await trained();
    const out = (await runStep(predictModelSetStep, { models, table: siteB }, {})).predictions as arrow.Table;
    const rep = columnValues(out, "replicate") as number[];
    const row = columnValues(out, "row") as number[];
    const prob = columnValues(out, "prob") as number[];
    expect(out.numRows).toBe(3 * 90);
    const decoded = decodeModelSet(models);
    if (!decoded.ok) throw new Error(decoded.problem);
    for (let r = 0; r < 3; r++) {
      const expected = Array.from(await predictReplicate(decoded.set, r, { frame: readScoringFrame(siteB, decoded.set, fail), group: undefined }, fail));
      expect(prob.filter((_, i) => rep[i] === r)).toEqual(expected);
      expect(row.filter((_, i) => rep[i] === r)).toEqual(Array.from({ length: 90 }, (_, i) => i));
    }
    const doc = (await runStep(subgroupMetrics, { table: siteB, predictions: [out] }, { models: ["logreg"], target: "target", subgroup: "subgroup", resamples: 0, minCell: 1 }, 0))
      .metrics as unknown as SubgroupMetricsDoc;
    const overall = doc.perReplicate.filter((e) => e.group === "overall");
    expect(overall).toHaveLength(3);
  });

  it("names the columns a new table lacks", async () => {
    const models = await trained();
    const partial = makeTable([{ name: "x0", type: "float", values: [1, 2] }]);
    await expect(runStep(predictModelSetStep, { models, table: partial }, {})).rejects.toSatisfy(
      (e) => e instanceof DataError && e.field === "inputs.table" && /trained on columns "x1", "x2", "x3", which the table lacks/.test(e.problem),
    );
  });
});
