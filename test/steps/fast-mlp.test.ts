import { execFile } from "node:child_process";
import { frameOfRows } from "../../steps/train/feature-frame.js";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type * as arrow from "apache-arrow";
import { Schema } from "effect";
import { describe, expect, it } from "vitest";
import { columnValues } from "../../artifacts/table.js";
import { alea, fillDropoutMask } from "../../steps/train/fast-mlp/alea.js";
import { KERNELS_MODULE, compileKernels, kernelsModuleText } from "../../steps/train/fast-mlp/build-kernels.js";
import { predictConditionalBiasFast, trainConditionalBiasFast } from "../../steps/train/fast-mlp/conditional-bias.js";
import { withArena } from "../../steps/train/fast-mlp/kernels.js";
import { predictMlpFast, trainMlpFast } from "../../steps/train/fast-mlp/mlp.js";
import { trainConditionalBiasReplicate } from "../../steps/train/conditional-bias.js";
import { MLP_DEFAULTS, mlp } from "../../steps/train/mlp.js";
import { replicateStream, trainMlpReplicate } from "../../steps/train/mlp-toolkit.js";
import { SampleWeightsSchema, fitSampleWeights } from "../../steps/train/sample-weights.js";
import { decodeModelSet } from "../../steps/train/model-set.js";
import { predictReplicate } from "../../steps/train/predict-model-set.js";
import { preprocessReplicate } from "../../steps/train/preprocess-replicate.js";
import { DEFAULT_RECIPE } from "../../steps/train/recipe.js";
import { initTfjs, tf } from "../../steps/train/tfjs-runtime.js";
import { decodeFloat32 } from "../../steps/train/weights.js";
import { fastMlpDigests } from "./fast-mlp-determinism.script.js";
import { HEART_FEATURES, fixedReplicate, heartDataset, streamsContext } from "./fast-mlp-fixtures.js";
import { runStep } from "../support/step-harness.js";
import { kFoldSplit, lcg, separableTable } from "./train-fixtures.js";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("fast MLP kernels", () => {
  it("the committed kernels-wasm.ts is the build of assembly/kernels.ts", async () => {
    expect(fs.readFileSync(KERNELS_MODULE, "utf8")).toBe(kernelsModuleText(await compileKernels()));
  });

  it("gemm sums in increasing t whatever the blocking: bit-identical to a float32 loop in that order", () => {
    // Shapes that exercise the 4 × 8 blocks, the 4-wide and scalar column tails and the single-row tail.
    for (const [rows, t, m] of [[7, 13, 19], [4, 600, 64], [1, 5, 1], [9, 3, 8]] as const) {
      const u = lcg(rows * 1000 + m);
      const a = Float32Array.from({ length: rows * t }, () => u() * 2 - 1);
      const b = Float32Array.from({ length: t * m }, () => u() * 2 - 1);
      const bias = Float32Array.from({ length: m }, () => u());
      const expected = new Float32Array(rows * m);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let k = 0; k < t; k++) s = Math.fround(s + Math.fround(a[i * t + k]! * b[k * m + j]!));
          expected[i * m + j] = Math.fround(s + bias[j]!);
        }
      }
      const got = withArena((arena, k) => {
        const [pa, pb, pbias, pc] = [arena.floats(a), arena.floats(b), arena.floats(bias), arena.alloc(rows * m)];
        k.gemm(pa, t, 1, pb, pc, pbias, rows, t, m);
        return arena.f32(pc, rows * m).slice();
      });
      expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    }
  });

  it("the log-loss gradient with per-row weights: weights of 1 give the unweighted bytes, others scale each row's term", () => {
    const rows = 37;
    const u = lcg(9);
    const z = Float32Array.from({ length: rows }, () => u() * 8 - 4);
    const y = Float32Array.from({ length: rows }, () => (u() < 0.4 ? 1 : 0));
    const w = Float32Array.from({ length: rows }, () => 0.2 + 3 * u());
    const grad = (weights: Float32Array | undefined) =>
      withArena((arena, k) => {
        const [pz, py, pd] = [arena.floats(z), arena.floats(y), arena.alloc(rows)];
        k.sigmoidLogLossGrad(pz, py, weights === undefined ? 0 : arena.floats(weights), pd, rows, Math.fround(1e-7));
        return arena.f32(pd, rows).slice();
      });
    const plain = grad(undefined);
    expect(Buffer.from(grad(new Float32Array(rows).fill(1)).buffer).equals(Buffer.from(plain.buffer))).toBe(true);
    const weighted = grad(w);
    for (let i = 0; i < rows; i++) expect(Math.abs(weighted[i]! - w[i]! * plain[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(w[i]! * plain[i]!) + 1e-12);
  });

  it("alea draws what seedrandom's alea (inside tfjs) draws, and dropout masks are 0 or 1/keep", () => {
    const seedrandom = createRequire(import.meta.url)("seedrandom") as { alea: (seed: string) => () => number };
    for (const seed of [0.123456789, 42, 1_234_567]) {
      const ours = alea(seed);
      const theirs = seedrandom.alea(String(seed));
      for (let i = 0; i < 1000; i++) expect(ours()).toBe(theirs());
    }
    const mask = new Float32Array(10_000);
    fillDropoutMask(mask, 0.2, lcg(5));
    const kept = mask.filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / Math.fround(0.8))]));
    expect(kept.length / mask.length).toBeGreaterThan(0.78);
    expect(kept.length / mask.length).toBeLessThan(0.82);
  });
});

describe("fast MLP engine against tfjs (the reference)", () => {
  const heart = heartDataset();
  const heartRep = fixedReplicate(heart.y.length, 7);
  // Utility weights per (sex, label) cell, fitted on the replicate's train rows: what train.mlp's `weights` passes.
  const sex = Array.from(heart.frame.find((c) => c.name === "sex")!.values as Float64Array, String);
  const utilityScheme = Schema.decodeUnknownSync(SampleWeightsSchema)({ scheme: "utility", subgroup: "sex", utilities: [{ group: "0", label: 1, utility: 6 }, { group: "1", label: 0, utility: 2 }] });
  const heartWeights = fitSampleWeights(utilityScheme, sex, heart.y, heartRep.train);
  expect(new Set(heartWeights).size).toBe(3);

  for (const [what, sampleWeights] of [["unweighted", undefined], ["with utility sample weights", heartWeights]] as const) {
    it(`on the heart shape with train.mlp's defaults, ${what}: same epochs, weights and probabilities within float32 rounding`, async () => {
      await initTfjs();
      const [data, rep] = [heart, heartRep];
      const params = { ...MLP_DEFAULTS, features: HEART_FEATURES };
      const reference = await trainMlpReplicate(data, rep, params, streamsContext(3), replicateStream(rep), sampleWeights);
      const fast = trainMlpFast(data, rep, params, streamsContext(3), replicateStream(rep), sampleWeights);

      // Same initial weights, batches and dropout masks: early stopping ends at the same epochs.
      expect(fast.training.epochsRun).toBe(reference.training.epochsRun);
      expect(fast.training.bestEpoch).toBe(reference.training.bestEpoch);
      expect(Math.abs(fast.training.validLoss! - reference.training.validLoss!)).toBeLessThan(1e-4);
      for (let i = 0; i < reference.prob.length; i++) expect(Math.abs(fast.prob[i]! - reference.prob[i]!)).toBeLessThan(1e-3);
      reference.model.weights.forEach((w, i) => {
        const mine = fast.model.weights[i]!;
        expect(mine.name).toBe(w.name);
        const [a, b] = [decodeFloat32(w.data), decodeFloat32(mine.data)];
        // A linear layer's bias before BatchNorm gets a gradient that is rounding noise around 0 (BatchNorm removes
        // the mean), which Adam scales up to steps of the learning rate; it and the moving mean it shifts differ by
        // up to a few learning rates. Everything else agrees to float32 rounding.
        const tolerance = /linear\.bias|moving_mean/.test(w.name) ? 10 * params.learningRate : 1e-5;
        for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - b[j]!)).toBeLessThan(tolerance);
      });
      expect(tf.memory().numTensors).toBeLessThan(100);
    }, 60_000);
  }

  it("predictMlpFast on the stored model reproduces the training run's test probabilities bit for bit", () => {
    const data = heartDataset();
    const rep = fixedReplicate(data.y.length, 11);
    const params = { ...MLP_DEFAULTS, epochs: 5, features: HEART_FEATURES };
    const fast = trainMlpFast(data, rep, params, streamsContext(4));
    const { test } = preprocessReplicate(data, rep, streamsContext(0));
    expect(Float32Array.from(predictMlpFast(fast.model, test))).toEqual(fast.prob);
  });
});

describe("fast conditional bias against tfjs (the reference)", () => {
  // Heart rows with sex as the subgroup (not a feature); small predictors so the tfjs reference trains in seconds.
  const full = heartDataset();
  const features = HEART_FEATURES.filter((f) => f !== "sex");
  const data = { features, frame: full.frame.filter((c) => c.name !== "sex"), y: full.y, recipe: DEFAULT_RECIPE, rowName: full.rowName };
  const groupIndex = Array.from(full.frame.find((c) => c.name === "sex")!.values as Float64Array);
  const h = (layers: number[]) => ({ layers, dropout: 0.2, learningRate: 0.003, epochs: 30, batchSize: 64, patience: 10 });
  const params = { features, target: "num", subgroup: "sex", attribute: h([32, 32, 32]), label: h([32, 32]), k: 2 };
  const rep = fixedReplicate(data.y.length, 7);

  // Label weights per (sex, label) cell, fitted on the replicate's train rows (stage 2 only; stage 1 is unweighted).
  // A moderate utility: stronger weights train stage 2 for more epochs (15 instead of 8 at utility 6), and the
  // embedding noise described below then grows the valid-loss gap past 1e-3 (1.3e-3 at utility 6; probabilities
  // still within 0.01). The weighted loss itself is checked at the MLP's tight tolerances above.
  const sexNames = groupIndex.map(String);
  const labelWeights = fitSampleWeights(
    Schema.decodeUnknownSync(SampleWeightsSchema)({ scheme: "utility", subgroup: "sex", utilities: [{ group: "0", label: 1, utility: 2 }] }),
    sexNames,
    data.y,
    rep.train,
  );

  for (const [what, sampleWeights] of [["unweighted", undefined], ["with utility weights on the label predictor", labelWeights]] as const) {
    it(`${what}: stage 1 agrees to float32 rounding; stage 2 ends at the same epochs with probabilities within 0.02`, async () => {
      await initTfjs();
      const reference = await trainConditionalBiasReplicate(data, groupIndex, ["0", "1"], rep, params, streamsContext(3), sampleWeights);
      const fast = trainConditionalBiasFast(data, groupIndex, ["0", "1"], rep, params, streamsContext(3), sampleWeights);
      expect({ ...fast.training.attribute, validLoss: 0 }).toEqual({ ...reference.training.attribute, validLoss: 0 });
      expect({ ...fast.training.label, validLoss: 0 }).toEqual({ ...reference.training.label, validLoss: 0 });
      expect(Math.abs(fast.training.label.validLoss! - reference.training.label.validLoss!)).toBeLessThan(1e-3);
      // Stage 2 learns from stage 1's inference-mode embeddings, which carry the noise of the pre-BatchNorm biases
      // (see the MLP test above) through BatchNorm's moving means: its inputs differ by about 1e-3, its weights by 1e-2.
      for (let i = 0; i < reference.prob.length; i++) expect(Math.abs(fast.prob[i]! - reference.prob[i]!)).toBeLessThan(0.02);
      reference.model.weights.forEach((w, i) => {
        const mine = fast.model.weights[i]!;
        expect(mine.name).toBe(w.name);
        if (!w.name.startsWith("attribute.") || /linear\.bias|moving_mean/.test(w.name)) return;
        const [a, b] = [decodeFloat32(w.data), decodeFloat32(mine.data)];
        for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - b[j]!)).toBeLessThan(1e-5);
      });
    }, 120_000);
  }

  it("predictConditionalBiasFast on the stored model reproduces the training run's test probabilities bit for bit", () => {
    const fast = trainConditionalBiasFast(data, groupIndex, ["0", "1"], rep, { ...params, attribute: h([16, 16]), label: h([16, 16]) }, streamsContext(5));
    const { test } = preprocessReplicate(data, rep, streamsContext(0));
    const predicted = predictConditionalBiasFast(fast.model, test);
    expect(Float32Array.from(predicted.prob)).toEqual(fast.prob);
    expect(predicted.groupProb[0]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});

describe("the engine parameter and stored sets", () => {
  const table = separableTable(120, 3, 2);
  const split = kFoldSplit(120, [1], 3);
  const features = ["x0", "x1", "x2"];
  const params = { features, target: "target", layers: [8, 8], epochs: 4, batchSize: 16 };
  const scoreAll = async (doc: unknown) => {
    const decoded = decodeModelSet(doc);
    if (!decoded.ok) throw new Error(decoded.problem);
    const frame = frameOfRows(features, Array.from({ length: 120 }, (_, r) => features.map((f) => columnValues(table, f)[r] as number)));
    const fail = (problem: string): never => {
      throw new Error(problem);
    };
    return Array.from(await predictReplicate(decoded.set, 0, { frame, group: undefined }, fail));
  };
  const ownTestProbs = (predictions: arrow.Table) => {
    const rep = columnValues(predictions, "replicate");
    const rows = columnValues(predictions, "row") as number[];
    return { rows: rows.filter((_, i) => rep[i] === 0), prob: (columnValues(predictions, "prob") as number[]).filter((_, i) => rep[i] === 0) };
  };

  it("records the engine in the set, and a set is scored by the engine that trained it (tfjs when the set names none)", async () => {
    for (const engine of ["kernels", "tfjs"] as const) {
      const out = await runStep(mlp, { table, split }, { ...params, engine }, 2);
      const doc = out.models as unknown as { engine?: string };
      expect(doc.engine).toBe(engine);
      const own = ownTestProbs(out.predictions as arrow.Table);
      const scored = await scoreAll(doc);
      expect(own.rows.map((r) => scored[r])).toEqual(own.prob);
      if (engine === "tfjs") {
        const { engine: _, ...older } = doc;
        const again = await scoreAll(older);
        expect(own.rows.map((r) => again[r])).toEqual(own.prob);
      }
    }
  }, 60_000);

  it("rejects an unknown engine when params are decoded", async () => {
    await expect(runStep(mlp, { table, split }, { ...params, engine: "cuda" }, 2)).rejects.toThrow(/engine/);
  });
});

describe("fast MLP engine determinism", () => {
  it("gives bit-identical models and probabilities in two fresh processes and in this one", async () => {
    const once = async () => (await run(process.execPath, ["bin/run-ts.mjs", "test/steps/fast-mlp-determinism.script.ts"], { cwd: root })).stdout.trim();
    const [first, second] = [await once(), await once()];
    expect(first).toBe(second);
    expect(JSON.parse(first)).toEqual(fastMlpDigests());
  }, 60_000);

  it("repeats itself within a process (the arena and Adam state start fresh every run)", () => {
    expect(fastMlpDigests()).toEqual(fastMlpDigests());
  });
});
