import { execFile } from "node:child_process";
import { inputMatrixOfRows } from "../../steps/train/input-matrix.js";
import { frameOfRows } from "../../steps/train/feature-frame.js";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { columnValues } from "../../artifacts/table.js";
import { PipelineError } from "../../dsl/errors.js";
import type { SplitHandle, TableHandle } from "../../dsl/handles.js";
import { StudyGraph } from "../../dsl/study.js";
import { conditionalBiasWeightSpecs } from "../../steps/train/conditional-bias-model.js";
import { conditionalBias, predictConditionalBiasOn, trainConditionalBias } from "../../steps/train/conditional-bias.js";
import { mlp } from "../../steps/train/mlp.js";
import { type ConditionalBiasTopology, decodeModelSet } from "../../steps/train/model-set.js";
import { predictReplicate } from "../../steps/train/predict-model-set.js";
import { type EncodedModel, decodeFloat32 } from "../../steps/train/weights.js";
import { runStep } from "../support/step-harness.js";
import { personalizationDigests } from "./train-conditional-bias.determinism.script.js";
import { differentRuleTable, firstReplicates, kFoldSplit } from "./train-conditional-bias.fixtures.js";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

interface Record_ {
  replicate: number;
  standardizer: { mean: number[]; sd: number[] };
  model: EncodedModel<ConditionalBiasTopology>;
  training: {
    attribute: { epochsRun: number; bestEpoch: number; validLoss: number | null; validAccuracy: number | null; testAccuracy: number | null };
    label: { epochsRun: number; bestEpoch: number; validLoss: number | null };
  };
}
interface ModelsDoc {
  model: string;
  groups: string[];
  replicates: Record_[];
}

/** Test accuracy per subgroup, pooled over replicates. */
const accuracyByGroup = (table: arrow.Table, predictions: arrow.Table): Record<string, number> => {
  const y = columnValues(table, "target");
  const group = columnValues(table, "subgroup") as string[];
  const rows = columnValues(predictions, "row") as number[];
  const prob = columnValues(predictions, "prob") as number[];
  const tally: Record<string, [number, number]> = {};
  rows.forEach((r, i) => {
    const t = (tally[group[r]!] ??= [0, 0]);
    t[1]++;
    if ((prob[i]! >= 0.5 ? 1 : 0) === y[r]) t[0]++;
  });
  return Object.fromEntries(Object.entries(tally).map(([g, [c, n]]) => [g, c / n]));
};

const features = ["x0", "x1", "x2", "x3"];
const label = { layers: [16, 16], dropout: 0.1, learningRate: 0.01, epochs: 40, batchSize: 32, patience: 6 };

describe("train.conditional-bias", () => {
  const table = differentRuleTable(400);
  // two replicates of a four-fold split: 300 rows train (60 of them valid), 100 test
  const split = firstReplicates(kFoldSplit(400, [1], 4), 2);

  it("beats Generic on the subgroup whose label rule differs, and stores a model that reproduces its predictions", async () => {
    const before = Math.random;
    const generic = await runStep(mlp, { table, split }, { features, target: "target", ...label }, 1);
    const cb = await runStep(conditionalBias, { table, split }, { features, target: "target", subgroup: "subgroup", label, attribute: label, k: 1 }, 1);
    expect(Math.random).toBe(before);

    const g = accuracyByGroup(table, generic.predictions as arrow.Table);
    const c = accuracyByGroup(table, cb.predictions as arrow.Table);
    // Planted: in "b" (x2 > 0.8) the label follows x1 instead of x0. Told the groups, conditional bias gets it right.
    expect(c.b!).toBeGreaterThan(g.b! + 0.05);
    expect(c.b!).toBeGreaterThan(0.85);
    expect(c.a!).toBeGreaterThan(g.a! - 0.03);

    const models = cb.models as unknown as ModelsDoc;
    expect(models.model).toBe("conditional-bias");
    expect(models.groups).toEqual(["a", "b"]);
    expect(models.replicates).toHaveLength(2);
    for (const r of models.replicates) {
      expect(r.training.attribute.validAccuracy).toBeGreaterThan(0.9);
      expect(r.training.label.bestEpoch).toBeLessThanOrEqual(r.training.label.epochsRun);
      expect(r.model.weights.map((w) => w.name)).toEqual(conditionalBiasWeightSpecs(r.model.topology).map((s) => s.name));
    }
    const names = models.replicates[0]!.model.weights.map((w) => w.name);
    expect(names.slice(0, 2)).toEqual(["attribute.block0.linear.kernel", "attribute.block0.linear.bias"]);
    expect(names.slice(-2)).toEqual(["bias0.kernel", "bias0.bias"]);
    expect(models.replicates[0]!.model.weights.find((w) => w.name === "bias0.kernel")!.shape).toEqual([16, 16]);

    // Reproduce replicate 1's test predictions from the stored model alone.
    const r1 = models.replicates[1]!;
    const preds = cb.predictions as arrow.Table;
    const rep = columnValues(preds, "replicate");
    const testRows = (columnValues(preds, "row") as number[]).filter((_, i) => rep[i] === 1);
    const x = testRows.map((r) => features.map((f, j) => ((columnValues(table, f)[r] as number) - r1.standardizer.mean[j]!) / r1.standardizer.sd[j]!));
    const again = await predictConditionalBiasOn("kernels", r1.model, inputMatrixOfRows(x, features.length));
    expect(again.prob).toEqual((columnValues(preds, "prob") as number[]).filter((_, i) => rep[i] === 1));
    expect(again.groupProb[0]!.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);

    // The model-set predictor gives the same probabilities from raw features: no subgroup is needed to score.
    const decoded = decodeModelSet(cb.models);
    if (!decoded.ok) throw new Error(decoded.problem);
    const raw = testRows.map((r) => features.map((f) => columnValues(table, f)[r] as number));
    const fail = (problem: string): never => {
      throw new Error(problem);
    };
    expect(Array.from(await predictReplicate(decoded.set, 1, { frame: frameOfRows(features, raw), group: undefined }, fail))).toEqual(again.prob);
  });

  it("starts its label predictor from Generic's initial weights (same node seed, same streams)", async () => {
    const frozen = { ...label, learningRate: 1e-9, epochs: 1 };
    const generic = (await runStep(mlp, { table, split }, { features, target: "target", ...frozen }, 7)).models as unknown as { replicates: { model: EncodedModel<unknown> }[] };
    const cb = (await runStep(conditionalBias, { table, split }, { features, target: "target", subgroup: "subgroup", label: frozen, attribute: frozen }, 7)).models as unknown as ModelsDoc;
    const weight = (m: EncodedModel<unknown>, name: string) => Array.from(decodeFloat32(m.weights.find((w) => w.name === name)!.data));
    for (const [a, b] of [["block0.linear.kernel", "label.block0.linear.kernel"], ["output.kernel", "label.output.kernel"]] as const) {
      const g = weight(generic.replicates[0]!.model, a);
      const c = weight(cb.replicates[0]!.model, b);
      expect(c.length).toBe(g.length);
      expect(Math.max(...g.map((v, i) => Math.abs(v - c[i]!)))).toBeLessThan(1e-6);
    }
    // and a different node seed gives different initial weights
    const other = (await runStep(conditionalBias, { table, split }, { features, target: "target", subgroup: "subgroup", label: frozen, attribute: frozen }, 8)).models as unknown as ModelsDoc;
    expect(weight(other.replicates[0]!.model, "label.block0.linear.kernel")).not.toEqual(weight(cb.replicates[0]!.model, "label.block0.linear.kernel"));
  });

  it("fails clearly on a bad subgroup column", async () => {
    const small = { ...label, epochs: 1 };
    await expect(runStep(conditionalBias, { table, split }, { features: [...features, "subgroup"], target: "target", subgroup: "subgroup", label: small, attribute: small }, 1)).rejects.toThrow(
      /params\.features.*subgroup column/,
    );
    await expect(runStep(conditionalBias, { table, split }, { features: ["x1", "x2", "x3"], target: "target", subgroup: "x0", label: small, attribute: small }, 1)).rejects.toThrow(/params\.subgroup.*expected a string column/);
  });
});

describe("trainConditionalBias builder", () => {
  const graph = new StudyGraph("cb-builder", 0);
  const t = { kind: "table", ref: { node: "prep", output: "table" }, study: graph, columns: { age: "float", target: "int", subgroup: "string" } } as TableHandle<{
    age: "float";
    target: "int";
    subgroup: "string";
  }>;
  const s = { kind: "split", ref: { node: "split", output: "split" }, study: graph } as SplitHandle;

  it("decodes the paper's defaults: attribute predictor 50 × 64, label predictor 6 × 64, dropout 0.2, Adam 1e-3, K = 1", () => {
    trainConditionalBias(t, s, { features: ["age"], target: "target", subgroup: "subgroup" }, { id: "cb" });
    const p = graph.nodes.find((n) => n.id === "cb")!.params as { attribute: { layers: number[] }; label: { layers: number[] }; k: number };
    expect(p).toMatchObject({
      k: 1,
      engine: "kernels",
      attribute: { dropout: 0.2, learningRate: 0.001, epochs: 100, batchSize: 32, patience: 10 },
      label: { layers: [64, 64, 64, 64, 64, 64], dropout: 0.2, learningRate: 0.001, epochs: 100, batchSize: 32, patience: 10 },
    });
    expect(p.attribute.layers).toEqual(new Array(50).fill(64));
  });

  it("rejects a K the predictors cannot hold and unknown fields", () => {
    expect(() => trainConditionalBias(t, s, { features: ["age"], target: "target", subgroup: "subgroup", k: 7 }, { id: "cb-k7" })).toThrow(/params\.k.*at least 7 hidden blocks/);
    expect(() => trainConditionalBias(t, s, { features: ["age"], target: "target", subgroup: "subgroup", k: 0 }, { id: "cb-k0" })).toThrow(PipelineError);
    expect(() => trainConditionalBias(t, s, { features: ["age"], target: "target", subgroup: "subgroup", label: { layers: [8] }, k: 2 }, { id: "cb-k2" })).toThrow(/params\.k/);
    expect(() =>
      trainConditionalBias(t, s, { features: ["age"], target: "target", subgroup: "subgroup", label: { widht: 3 } as never }, { id: "cb-typo" }),
    ).toThrow(/params\.label\.widht/);
    // @ts-expect-error "sex" is not a column
    expect(() => trainConditionalBias(t, s, { features: ["sex"], target: "target", subgroup: "subgroup" }, { id: "cb-sex" })).toThrow(PipelineError);
  });
});

describe("determinism of the personalization train steps across runs and processes", () => {
  it("gives identical digests twice in-process and in two fresh processes", async () => {
    const script = path.join(here, "train-conditional-bias.determinism.script.ts");
    const spawn = () =>
      run(process.execPath, [path.join(root, "bin/run-ts.mjs"), script], { cwd: root, timeout: 300_000 }).then((r) => JSON.parse(r.stdout.trim()) as Record<string, string>);
    const processes = Promise.all([spawn(), spawn()]);
    const first = await personalizationDigests();
    const second = await personalizationDigests();
    const [p1, p2] = await processes;
    expect(second).toEqual(first);
    expect(p1).toEqual(first);
    expect(p2).toEqual(first);
    expect(Object.keys(first).sort()).toEqual(["condBiasModels", "condBiasPredictions", "dcpCross", "dcpModels", "dcpPredictions", "weightedCondBiasModels", "weightedDcpModels"]);
    expect(first.weightedCondBiasModels).not.toBe(first.condBiasModels);
    expect(first.weightedDcpModels).not.toBe(first.dcpModels);
  }, 300_000);
});
