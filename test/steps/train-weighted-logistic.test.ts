/**
 * Weighted logistic regression: fitLogistic's weighted IRLS against scikit-learn's LogisticRegression with
 * sample_weight (golden coefficients from test/fixtures/weighted-logistic/golden.py, run once, output committed),
 * and train.logistic-regression's `weights` param: a scheme fitted per replicate on training rows only, part of
 * the params, and without it the bytes of an unweighted fit.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../artifacts/canonical-json.js";
import { makeTable, tableColumns } from "../../artifacts/table.js";
import { PipelineError } from "../../dsl/errors.js";
import type { SplitHandle, TableHandle } from "../../dsl/handles.js";
import { StudyGraph } from "../../dsl/study.js";
import { decodeSplit } from "../../steps/split/split-codec.js";
import { inputMatrixOfRows } from "../../steps/train/input-matrix.js";
import { fitLogistic, logisticRegression, trainLogisticRegression } from "../../steps/train/logistic-regression.js";
import { repoRoot } from "../support/cli.js";
import { runStep } from "../support/step-harness.js";
import { kFoldSplit, separableTable } from "./train-fixtures.js";

interface Golden {
  readonly x: number[][];
  readonly y: number[];
  readonly cases: { name: string; l2: number; weights: number[]; coef: number[]; intercept: number }[];
}
const golden = JSON.parse(fs.readFileSync(path.join(repoRoot, "test/fixtures/weighted-logistic/golden.json"), "utf8")) as Golden;

describe("fitLogistic with sample weights against scikit-learn (golden values)", () => {
  for (const c of golden.cases) {
    it(`${c.name}: coefficients and intercept within 1e-6`, () => {
      const fit = fitLogistic(inputMatrixOfRows(golden.x, 3), golden.y, c.l2, 200, c.weights);
      expect(fit.converged).toBe(true);
      [...fit.coef, fit.intercept].forEach((v, j) => expect(Math.abs(v - [...c.coef, c.intercept][j]!), `parameter ${j}`).toBeLessThanOrEqual(1e-6));
    });
  }

  it("an integer weight is the row repeated", () => {
    const x = golden.x.slice(0, 40);
    const y = golden.y.slice(0, 40);
    const w = x.map((_, i) => (i % 3 === 0 ? 3 : 1));
    const repeated = x.flatMap((row, i) => Array.from({ length: w[i]! }, () => row));
    const repeatedY = y.flatMap((v, i) => Array<number>(w[i]!).fill(v));
    const a = fitLogistic(inputMatrixOfRows(x, 3), y, 0.5, 100, w);
    const b = fitLogistic(inputMatrixOfRows(repeated, 3), repeatedY, 0.5, 100);
    [...a.coef, a.intercept].forEach((v, j) => expect(v).toBeCloseTo([...b.coef, b.intercept][j]!, 10));
  });
});

const table = separableTable(160, 3, 4);
const split = kFoldSplit(160, [1], 4);
const features = ["x0", "x1", "x2"];
const train = async (params: object, input = table) => {
  const out = await runStep(logisticRegression, { table: input, split }, { features, target: "target", l2: 5, ...params });
  return out.models as unknown as { replicates: unknown[] };
};
/** The table with row `row`'s subgroup set to `group`. */
const withGroup = (row: number, group: string) =>
  makeTable(tableColumns(table).map((c) => (c.name === "subgroup" ? { ...c, values: (c.values as string[]).map((g, r) => (r === row ? group : g)) } : c)) as Parameters<typeof makeTable>[0]);

describe("train.logistic-regression: weights", () => {
  it("without weights, and with the uniform scheme, gives the unweighted model's bytes", async () => {
    const plain = canonicalJson(await train({}));
    expect(canonicalJson(await train({ weights: { scheme: "uniform" } }))).toBe(plain);
    expect(canonicalJson(await train({ weights: { scheme: "inverse-prevalence", subgroup: "subgroup", strength: 0 } }))).toBe(plain);
    expect(canonicalJson(await train({ weights: { scheme: "utility", subgroup: "subgroup", utilities: [{ group: "a", label: 1, utility: 8 }] } }))).not.toBe(plain);
  });

  it("fits the weights on each replicate's training rows only (a test row's subgroup changes nothing of its replicate)", async () => {
    const replicate0 = decodeSplit(split, 160, (p) => {
      throw new Error(p);
    })[0]!;
    const testRow = Array.from(replicate0.rowsWith("test"))[0]!;
    const weights = { scheme: "inverse-prevalence", subgroup: "subgroup" };
    const clean = await train({ weights });
    const planted = await train({ weights }, withGroup(testRow, "planted"));
    expect(canonicalJson(planted.replicates[0])).toBe(canonicalJson(clean.replicates[0]));
    // The replicates that trained on the row saw a new subgroup, so the guard is not vacuous.
    expect(planted.replicates.slice(1).some((r, i) => canonicalJson(r) !== canonicalJson(clean.replicates[i + 1]))).toBe(true);
  });

  it("names the param when the weights' subgroup column is missing or not a string", async () => {
    await expect(train({ weights: { scheme: "inverse-prevalence", subgroup: "nope" } })).rejects.toThrow(/params\.weights\.subgroup.*unknown column "nope"/);
    await expect(train({ weights: { scheme: "inverse-prevalence", subgroup: "x0" } })).rejects.toThrow(/params\.weights\.subgroup.*expected a string column/);
    await expect(train({ weights: { scheme: "sometimes" } })).rejects.toThrow(PipelineError);
  });

  it("puts the weights in the node's params (so in its cache key) and checks their column when the study is built", () => {
    const graph = new StudyGraph("weights-builder", 3);
    const t = { kind: "table", ref: { node: "prep", output: "table" }, study: graph, columns: { x: "float", g: "string", target: "int" } } as TableHandle<{ x: "float"; g: "string"; target: "int" }>;
    const s = { kind: "split", ref: { node: "split", output: "split" }, study: graph } as SplitHandle;
    trainLogisticRegression(t, s, { features: ["x"], target: "target", weights: { scheme: "inverse-prevalence", subgroup: "g", cap: 5 } }, { id: "lr" });
    expect(graph.nodes[0]!.params).toMatchObject({ weights: { scheme: "inverse-prevalence", subgroup: "g", strength: 1, cap: 5 } });
    expect(() => trainLogisticRegression(t, s, { features: ["x"], target: "target", weights: { scheme: "inverse-prevalence", subgroup: "group" } }, { id: "lr2" })).toThrow(
      /params\.weights\.subgroup/,
    );
  });
});
