/**
 * The MLP family's weighted loss: train.mlp, train.dcp and train.conditional-bias take the sample-weight schemes of
 * train.logistic-regression (`weights`), on both engines. Without weights, with the uniform scheme and with weights
 * that are all 1, a step gives the unweighted bytes; a scheme that is not uniform changes the model; the weights are
 * fitted on training rows only; the conditional-bias attribute predictor stays unweighted.
 */
import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../artifacts/canonical-json.js";
import { columnValues, makeTable, tableColumns } from "../../artifacts/table.js";
import type { SplitHandle, TableHandle } from "../../dsl/handles.js";
import { StudyGraph } from "../../dsl/study.js";
import type { StepDefinition } from "../../dsl/step.js";
import { decodeSplit } from "../../steps/split/split-codec.js";
import { conditionalBias } from "../../steps/train/conditional-bias.js";
import { dcp } from "../../steps/train/dcp.js";
import { mlp, trainMlp } from "../../steps/train/mlp.js";
import { runStep } from "../support/step-harness.js";
import { kFoldSplit, separableTable } from "./train-fixtures.js";

const table = separableTable(160, 3, 4);
const split = kFoldSplit(160, [1], 4);
const features = ["x0", "x1", "x2"];
const small = { layers: [8, 8], epochs: 6, batchSize: 32, patience: 3, learningRate: 0.01 };
const utility = { scheme: "utility", subgroup: "subgroup", utilities: [{ group: "a", label: 1, utility: 8 }] };
const inversePrevalence = { scheme: "inverse-prevalence", subgroup: "subgroup" };

/** Params of each step of the family on the fixture (conditional bias with small predictors of its own). */
const stepCases = {
  mlp: { step: mlp, params: { features, target: "target", ...small } },
  dcp: { step: dcp, params: { features, target: "target", subgroup: "subgroup", ...small } },
  "conditional-bias": { step: conditionalBias, params: { features, target: "target", subgroup: "subgroup", attribute: small, label: small } },
} as const;

interface Trained {
  readonly models: { replicates: unknown[] };
  readonly bytes: string;
}

/** Any step of the family (their params types differ; runStep decodes the params). */
type FamilyStep = (typeof stepCases)[keyof typeof stepCases]["step"];

const train = async (step: FamilyStep, params: object, input: arrow.Table = table): Promise<Trained> => {
  const out = await runStep(step as unknown as StepDefinition, { table: input, split }, params, 3);
  const models = out.models as unknown as Trained["models"];
  return { models, bytes: canonicalJson({ models, prob: columnValues(out.predictions as arrow.Table, "prob") }) };
};

/** The table with row `row`'s subgroup set to `group`. */
const withGroup = (row: number, group: string) =>
  makeTable(tableColumns(table).map((c) => (c.name === "subgroup" ? { ...c, values: (c.values as string[]).map((g, r) => (r === row ? group : g)) } : c)) as Parameters<typeof makeTable>[0]);

for (const engine of ["kernels", "tfjs"] as const) {
  describe(`the MLP family's weights on the ${engine} engine`, () => {
    for (const [name, { step, params }] of Object.entries(stepCases)) {
      it(`train.${name}: no weights, uniform and all-1 weights give the unweighted bytes; utility weights change the model`, async () => {
        const run = (weights?: object) => train(step, { ...params, engine, ...(weights === undefined ? {} : { weights }) });
        const plain = (await run()).bytes;
        expect((await run({ scheme: "uniform" })).bytes).toBe(plain);
        // Strength 0 fits a weight of 1 for every row and goes through the weighted loss: w · loss is exact for w = 1.
        expect((await run({ ...inversePrevalence, strength: 0 })).bytes).toBe(plain);
        expect((await run(utility)).bytes).not.toBe(plain);
      }, 120_000);
    }

    it("train.mlp fits the weights on each replicate's training rows only (a test row's subgroup changes nothing of its replicate)", async () => {
      const replicate0 = decodeSplit(split, 160, (p) => {
        throw new Error(p);
      })[0]!;
      const testRow = Array.from(replicate0.rowsWith("test"))[0]!;
      const params = { ...stepCases.mlp.params, engine, weights: inversePrevalence };
      const clean = await train(mlp, params);
      const planted = await train(mlp, params, withGroup(testRow, "planted"));
      expect(canonicalJson(planted.models.replicates[0])).toBe(canonicalJson(clean.models.replicates[0]));
      // The replicates that trained on the row saw a new subgroup, so the guard is not vacuous.
      expect(planted.models.replicates.slice(1).some((r, i) => canonicalJson(r) !== canonicalJson(clean.models.replicates[i + 1]))).toBe(true);
    }, 120_000);

    it("train.conditional-bias weights its label predictor only: the attribute predictor's weights are the unweighted ones", async () => {
      const { step, params } = stepCases["conditional-bias"];
      type Doc = { replicates: { model: { weights: { name: string; data: string }[] } }[] };
      const attributeOf = (t: Trained) => (t.models as unknown as Doc).replicates.map((r) => r.model.weights.filter((w) => w.name.startsWith("attribute.")));
      const labelOf = (t: Trained) => (t.models as unknown as Doc).replicates.map((r) => r.model.weights.filter((w) => !w.name.startsWith("attribute.")));
      const plain = await train(step, { ...params, engine });
      const weighted = await train(step, { ...params, engine, weights: utility });
      expect(attributeOf(weighted)).toEqual(attributeOf(plain));
      expect(labelOf(weighted)).not.toEqual(labelOf(plain));
    }, 120_000);
  });
}

describe("the weights param of the MLP family", () => {
  it("train.dcp fits each subgroup model's weights on its own rows: inverse prevalence over DCP's own subgroups is uniform", async () => {
    const { step, params } = stepCases.dcp;
    const plain = await train(step, params);
    expect((await train(step, { ...params, weights: inversePrevalence })).bytes).toBe(plain.bytes);
  });

  it("is in the node's params (so in its cache key) and its column is checked when the study is built", () => {
    const graph = new StudyGraph("weights-builder", 3);
    const t = { kind: "table", ref: { node: "prep", output: "table" }, study: graph, columns: { x: "float", g: "string", target: "int" } } as TableHandle<{ x: "float"; g: "string"; target: "int" }>;
    const s = { kind: "split", ref: { node: "split", output: "split" }, study: graph } as SplitHandle;
    trainMlp(t, s, { features: ["x"], target: "target", weights: { scheme: "inverse-prevalence", subgroup: "g", cap: 4 } }, { id: "nn" });
    expect(graph.nodes[0]!.params).toMatchObject({ weights: { scheme: "inverse-prevalence", subgroup: "g", strength: 1, cap: 4 } });
    expect(() => trainMlp(t, s, { features: ["x"], target: "target", weights: { scheme: "inverse-prevalence", subgroup: "group" } }, { id: "nn2" })).toThrow(/params\.weights\.subgroup/);
  });

  it("names the param when the weights' subgroup column is not a string column", async () => {
    await expect(train(mlp, { ...stepCases.mlp.params, weights: { scheme: "inverse-prevalence", subgroup: "x0" } })).rejects.toThrow(
      /params\.weights\.subgroup.*expected a string column/,
    );
  });
});
