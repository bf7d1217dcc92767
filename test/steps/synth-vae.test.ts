import { execFile } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { denseFromValues, denseStringsOf } from "../../artifacts/dense-column.js";
import { denseColumns } from "../../artifacts/table.js";
import { seededRandom } from "../../engine/random.js";
import { readGeneratorDocument } from "../../steps/synth/generator-document.js";
import { fitVaeGenerator, sampleVaeCounts } from "../../steps/synth/vae/generator.js";
import { initialParameters, parameterMap, type VaeArchitecture } from "../../steps/synth/vae/architecture.js";
import { decodeRows, encodeRows, fitEncoding } from "../../steps/synth/vae/encoding.js";
import type { VaeLayout } from "../../steps/synth/vae/layout.js";
import { createWorkspace, lossAndGradient } from "../../steps/synth/vae/network.js";
import { sampleVae } from "../../steps/synth/vae/sample.js";
import { negativeElbo, trainVae } from "../../steps/synth/vae/train.js";
import { vaeDigests } from "./synth-vae-determinism.script.js";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Two gaussian blocks, a 3-level softmax and a 2-level one: width 7. */
const layout: VaeLayout = { width: 7, blocks: [{ kind: "gaussian", offset: 0 }, { kind: "softmax", offset: 1, width: 3 }, { kind: "gaussian", offset: 4 }, { kind: "softmax", offset: 5, width: 2 }] };

const randomRows = (n: number, random: () => number): Float64Array => {
  const x = new Float64Array(n * 7);
  for (let r = 0; r < n; r++) {
    x[r * 7] = 2 * random() - 1;
    x[r * 7 + 1 + Math.floor(random() * 3)] = 1;
    x[r * 7 + 4] = x[r * 7]! * 0.8 + 0.3 * (random() - 0.5);
    x[r * 7 + 5 + (x[r * 7]! > 0 ? 1 : 0)] = 1;
  }
  return x;
};

describe("VAE backpropagation", () => {
  it.each([
    ["unconditioned, two hidden layers each side", 0, [5, 4], [4, 6]],
    ["conditioned on 3 levels, no hidden layer in the encoder", 3, [], [5]],
  ])("the gradient matches central finite differences (%s)", (_, levels, encoderHidden, decoderHidden) => {
    const arch: VaeArchitecture = { layout, conditionLevels: levels, encoderHidden, latent: 3, decoderHidden };
    const map = parameterMap(arch);
    const random = seededRandom(11, "gradient-check");
    const params = initialParameters(map, random);
    for (let j = map.logSigma; j < map.size; j++) params[j] = -0.5 + random();
    const rows = 6;
    const noise = Float64Array.from({ length: rows * 3 }, () => 2 * random() - 1);
    const condition = levels > 0 ? Int32Array.from({ length: rows }, (_, r) => r % levels) : null;
    const batch = { rows, x: randomRows(rows, random), condition, noise };
    const ws = createWorkspace(arch, map, rows);
    const grad = new Float64Array(map.size);
    lossAndGradient(arch, map, params, batch, 2, ws, grad);
    const h = 1e-6;
    let worst = 0;
    for (let j = 0; j < map.size; j++) {
      const saved = params[j]!;
      params[j] = saved + h;
      const up = lossAndGradient(arch, map, params, batch, 2, ws, new Float64Array(map.size)).loss;
      params[j] = saved - h;
      const down = lossAndGradient(arch, map, params, batch, 2, ws, new Float64Array(map.size)).loss;
      params[j] = saved;
      worst = Math.max(worst, Math.abs((up - down) / (2 * h) - grad[j]!) / Math.max(1, Math.abs(grad[j]!)));
    }
    expect(worst).toBeLessThan(1e-6);
  });
});

describe("VAE training", () => {
  const n = 200;
  const x = randomRows(n, seededRandom(3, "rows"));
  const options = { epochs: 60, batchSize: 50, lr: 0.01, l2: 1e-5, lossFactor: 1, encoderHidden: [12], latent: 2, decoderHidden: [12] };

  it("lowers the negative ELBO (same ε before and after)", () => {
    const data = { x, n, layout };
    const before = trainVae(data, { ...options, epochs: 0 }, (s) => seededRandom(1, s));
    const after = trainVae(data, options, (s) => seededRandom(1, s));
    const [elboBefore, elboAfter] = [before, after].map((t) => negativeElbo(t.weights, data, seededRandom(9, "elbo")));
    expect(elboAfter).toBeLessThan(elboBefore! - 1);
    expect(after.epochLoss[options.epochs - 1]).toBeLessThan(after.epochLoss[0]!);
  });

  it("gives the same weights and samples for the same seed, other ones for another seed", () => {
    const data = { x, n, layout };
    const a = trainVae(data, options, (s) => seededRandom(1, s));
    const b = trainVae(data, options, (s) => seededRandom(1, s));
    const c = trainVae(data, options, (s) => seededRandom(2, s));
    expect(Buffer.from(a.weights.params.buffer).equals(Buffer.from(b.weights.params.buffer))).toBe(true);
    expect(Buffer.from(a.weights.params.buffer).equals(Buffer.from(c.weights.params.buffer))).toBe(false);
    expect(sampleVae(a.weights, 50, seededRandom(1, "s"))).toEqual(sampleVae(b.weights, 50, seededRandom(1, "s")));
  });

  it("samples one-hot softmax blocks and, conditioned, needs a level per row", () => {
    const condition = { levels: 2, index: Int32Array.from({ length: n }, (_, r) => (x[r * 7]! > 0 ? 1 : 0)) };
    const { weights } = trainVae({ x, n, layout, condition }, options, (s) => seededRandom(1, s));
    const sample = sampleVae(weights, 300, seededRandom(4, "s"), Int32Array.from({ length: 300 }, (_, r) => r % 2));
    for (let r = 0; r < 300; r++) {
      expect(sample[r * 7 + 1]! + sample[r * 7 + 2]! + sample[r * 7 + 3]!).toBe(1);
      expect(sample[r * 7 + 5]! + sample[r * 7 + 6]!).toBe(1);
    }
    expect(() => sampleVae(weights, 3, seededRandom(4, "s"))).toThrow(/conditioned/);
  });

  it("encodes and decodes mixed columns with missing values back to themselves", () => {
    const columns = [
      { name: "a", kind: "numeric" as const, values: Float64Array.of(1, 2, Number.NaN, 4) },
      { name: "b", kind: "categorical" as const, levels: 2, codes: Int32Array.of(1, 0, -1, 1) },
    ];
    const encoding = fitEncoding(columns);
    expect(encoding.layout.width).toBe(6);
    expect(encoding.layout.blocks.map((b) => b.kind)).toEqual(["gaussian", "softmax", "softmax"]);
    expect(decodeRows(encoding, encodeRows(encoding, columns, 4), 4)).toEqual(columns);
  });
});

describe("VAE determinism across processes", () => {
  it("two fresh processes give the same weight and sample bytes as this one", async () => {
    const once = async () => (await run(process.execPath, ["bin/run-ts.mjs", "test/steps/synth-vae-determinism.script.ts"], { cwd: root })).stdout.trim();
    const [first, second] = [await once(), await once()];
    expect(first).toBe(second);
    expect(JSON.parse(first)).toEqual(vaeDigests());
  }, 60_000);
});

describe("VAE generator document", () => {
  const n = 120;
  const random = seededRandom(8, "columns");
  const columns = [
    denseFromValues("dose", "float", Array.from({ length: n }, (_, r) => (r % 10 === 0 ? null : 1 + random() * 4))),
    denseFromValues("visits", "int", Int32Array.from({ length: n }, () => Math.floor(random() * 5))),
    denseFromValues("smoker", "bool", Array.from({ length: n }, (_, r) => r % 3 === 0)),
    denseFromValues("site", "string", Array.from({ length: n }, (_, r) => (r % 7 === 0 ? null : ["a", "b", "c"][r % 3]!))),
  ];
  const options = { epochs: 5, batchSize: 40, lr: 0.01, l2: 1e-5, lossFactor: 2, encoderHidden: [8], latent: 2, decoderHidden: [8] };
  const fail = (problem: string): never => {
    throw new Error(problem);
  };

  it("samples a table with the fitted columns and types, missing cells included, from the decoded document", () => {
    const generator = fitVaeGenerator(columns, undefined, { ...options, categorical: ["visits"] }, (s) => seededRandom(1, s), fail);
    const document = readGeneratorDocument(JSON.parse(JSON.stringify(generator)), fail);
    if (document.method !== "vae") throw new Error("expected a vae document");
    const table = sampleVaeCounts(document, [500], (s) => seededRandom(2, s), fail);
    const sampled = denseColumns(table);
    expect(sampled.map((c) => `${c.name}:${c.type}`)).toEqual(["dose:float", "visits:int", "smoker:bool", "site:string"]);
    expect(sampled.every((c) => c.length === 500)).toBe(true);
    expect(new Set(Array.from(sampled[1]!.values as Int32Array)).size).toBeLessThanOrEqual(5);
    expect(new Set(denseStringsOf(sampled[3]!)).size).toBeGreaterThan(1);
    expect(sampled[0]!.nullCount + sampled[3]!.nullCount).toBeGreaterThan(0);
  });

  it("decodes after 0 epochs (the initial network, no final loss)", () => {
    const generator = fitVaeGenerator(columns, undefined, { ...options, epochs: 0 }, (s) => seededRandom(1, s), fail);
    expect(readGeneratorDocument(JSON.parse(JSON.stringify(generator)), fail).method).toBe("vae");
  });

  it("refuses a document whose parameters do not fit its network, telling the user to refit", () => {
    const generator = fitVaeGenerator(columns, undefined, options, (s) => seededRandom(1, s), fail);
    expect(() => sampleVaeCounts({ ...generator, params: generator.params.slice(1) }, [10], (s) => seededRandom(2, s), fail)).toThrow(/refit the generator with synth.fit/);
  });
});
