/**
 * The Gaussian copula in-process: fitted to planted data (correlated normals, an int, a bool and a string column
 * with missing cells) it recovers the correlation, marginals and missing rates; draws are seeded and exact;
 * categorical thresholds give the level frequencies; a singular correlation is shrunk to a usable one; level
 * counts and every user error of synth.fit and synth.sample.
 */
import { describe, expect, it } from "vitest";
import { type DenseColumn, denseFromValues, denseStringsOf } from "../../artifacts/dense-column.js";
import { denseColumns, encodeParquet, makeTable } from "../../artifacts/table.js";
import { study } from "../../dsl/study.js";
import { seededRandom } from "../../engine/random.js";
import { readCsv } from "../../steps/ingest/csv.js";
import { synthFitStep, fitSynth } from "../../steps/synth/fit.js";
import { fitGaussianCopula, sampleCopula } from "../../steps/synth/gaussian-copula.js";
import { latentCorrelation } from "../../steps/synth/gaussian-copula-correlation.js";
import { codeColumn } from "../../steps/synth/gaussian-copula-marginal.js";
import type { GaussianCopulaGenerator } from "../../steps/synth/generator-document.js";
import { levelCounts, proportionalCounts } from "../../steps/synth/level-counts.js";
import { synthSampleStep } from "../../steps/synth/sample.js";
import { runStep } from "../support/step-harness.js";

const normal = (u: () => number) => () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

const pearson = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= a.length;
  mb /= b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
};

const ROWS = 20_000;
const RHO = 0.7;

/** x ~ N(0,1), y = ρx + √(1−ρ²)e, k = round(2x) clamped to ±3 (int), flag = y > 0.5 (bool), colour with 10 % missing. */
const plantedColumns = (): DenseColumn[] => {
  const draw = normal(seededRandom(1, "planted"));
  const u = seededRandom(1, "levels");
  const x = new Float64Array(ROWS);
  const y = new Float64Array(ROWS);
  const k = new Int32Array(ROWS);
  const flag: boolean[] = [];
  const colour: (string | null)[] = [];
  for (let r = 0; r < ROWS; r++) {
    x[r] = draw();
    y[r] = RHO * x[r]! + Math.sqrt(1 - RHO * RHO) * draw();
    k[r] = Math.max(-3, Math.min(3, Math.round(2 * x[r]!)));
    flag.push(y[r]! > 0.5);
    const v = u();
    colour.push(v < 0.1 ? null : v < 0.4 ? "red" : v < 0.8 ? "green" : "blue");
  }
  return [denseFromValues("x", "float", x), denseFromValues("y", "float", y), denseFromValues("k", "int", k), denseFromValues("flag", "bool", flag), denseFromValues("colour", "string", colour)];
};

const column = (columns: readonly DenseColumn[], name: string) => columns.find((c) => c.name === name)!;
const share = <T>(values: readonly T[], value: T) => values.filter((v) => v === value).length / values.length;

describe("fitGaussianCopula and sampleCopula", () => {
  const planted = plantedColumns();
  const generator = fitGaussianCopula(planted);
  const synthetic = denseColumns(sampleCopula(generator, ROWS, (s) => seededRandom(3, s)));

  it("recovers the planted correlation and reproduces it in the draws", () => {
    const model = generator.models[0]!;
    expect(model.shrinkage).toBeLessThan(0.01);
    expect(model.correlation[1]![0]).toBeCloseTo(RHO, 1);
    expect(Math.abs(model.correlation[1]![0]! - RHO)).toBeLessThan(0.02);
    const sx = column(synthetic, "x").values as Float64Array;
    const sy = column(synthetic, "y").values as Float64Array;
    expect(Math.abs(pearson(sx, sy) - RHO)).toBeLessThan(0.02);
    expect(Math.abs(pearson(column(synthetic, "k").values as Int32Array, sx) - pearson(column(planted, "k").values as Int32Array, column(planted, "x").values as Float64Array))).toBeLessThan(0.02);
  });

  it("draws only fitted values, with the fitted types, level shares and missing rates", () => {
    expect(synthetic.map((c) => `${c.name}:${c.type}`)).toEqual(planted.map((c) => `${c.name}:${c.type}`));
    const realX = new Set(column(planted, "x").values as Float64Array);
    expect((column(synthetic, "x").values as Float64Array).every((v) => realX.has(v))).toBe(true);
    const realColour = denseStringsOf(column(planted, "colour"));
    const synthColour = denseStringsOf(column(synthetic, "colour"));
    for (const level of [null, "red", "green", "blue"]) expect(Math.abs(share(synthColour, level) - share(realColour, level))).toBeLessThan(0.015);
    expect(column(synthetic, "colour").nullCount).toBeGreaterThan(0);
    expect(column(synthetic, "x").nullCount).toBe(0);
    const realK = Array.from(column(planted, "k").values as Int32Array);
    const synthK = Array.from(column(synthetic, "k").values as Int32Array);
    for (let v = -3; v <= 3; v++) expect(Math.abs(share(synthK, v) - share(realK, v))).toBeLessThan(0.015);
  });

  it("is exact given the seed and changes with it", () => {
    const again = sampleCopula(generator, ROWS, (s) => seededRandom(3, s));
    const other = sampleCopula(generator, ROWS, (s) => seededRandom(4, s));
    const bytes = (t: Parameters<typeof encodeParquet>[0]) => Buffer.from(encodeParquet(t)).toString("base64");
    const first = sampleCopula(generator, ROWS, (s) => seededRandom(3, s));
    expect(bytes(again)).toBe(bytes(first));
    expect(bytes(other)).not.toBe(bytes(first));
  });

  it("maps normal scores to levels by thresholds on the level frequencies", () => {
    const levels: GaussianCopulaGenerator = {
      format: "strata-synth-generator/1",
      method: "gaussian-copula",
      columns: [{ name: "grade", type: "string" }],
      models: [{ rows: 10, marginals: [{ kind: "levels", levels: ["a", "b", "c"], frequencies: [0.2, 0.5, 0.3] }], missingRates: [0], correlation: [[1]], shrinkage: 0 }],
    };
    const grades = denseStringsOf(denseColumns(sampleCopula(levels, 40_000, (s) => seededRandom(5, s)))[0]!);
    expect(Math.abs(share(grades, "a") - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(share(grades, "b") - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(share(grades, "c") - 0.3)).toBeLessThan(0.01);
  });

  it("keeps at most maxValues quantile knots of a numeric marginal, each a real value, within 1/maxValues in CDF", () => {
    const x = column(planted, "x");
    const capped = fitGaussianCopula([x], undefined, 100);
    const marginal = capped.models[0]!.marginals[0]!;
    if (marginal.kind !== "numeric") return expect.fail("x is numeric");
    expect(marginal.values.length).toBe(100);
    const real = Float64Array.from(x.values as Float64Array).sort();
    expect(marginal.values.every((v) => real.includes(v))).toBe(true);
    expect(marginal.values.at(-1)).toBe(real.at(-1));
    // The knot i carries the share of values ≤ it, which is i/100 here (distinct values, 20 000 rows).
    marginal.cumulative.forEach((c, i) => expect(c).toBeCloseTo((i + 1) / 100, 12));
  });

  it("samples a column with no set cell as entirely missing, beside a complete one", () => {
    const empty = denseFromValues("empty", "float", [null, null, null, null]);
    const full = denseFromValues("full", "int", Int32Array.of(1, 2, 2, 3));
    const drawn = denseColumns(sampleCopula(fitGaussianCopula([empty, full]), 50, (s) => seededRandom(8, s)));
    expect(drawn[0]!.nullCount).toBe(50);
    expect(drawn[1]!.nullCount).toBe(0);
    expect(new Set(drawn[1]!.values as Int32Array)).toEqual(new Set([1, 2, 3]));
  });

  it("shrinks a singular correlation (a duplicated column) until it factors, and still samples", () => {
    const x = column(planted, "x");
    const twin = fitGaussianCopula([x, { ...x, name: "x2" }]);
    expect(twin.models[0]!.shrinkage).toBeGreaterThan(0);
    expect(twin.models[0]!.shrinkage).toBeLessThanOrEqual(1e-4);
    const drawn = denseColumns(sampleCopula(twin, 2000, (s) => seededRandom(6, s)));
    expect(pearson(drawn[0]!.values as Float64Array, drawn[1]!.values as Float64Array)).toBeGreaterThan(0.99);
  });
});

describe("the latent correlation", () => {
  it("inverts the dichotomized-normal correlation: phi = (2/π)·arcsin(ρ) for two median splits (Sheppard)", () => {
    // 35 + 35 concordant and 15 + 15 discordant rows: phi = 0.4, so ρ = sin(0.2π).
    const cells = [...Array(35).fill([true, true]), ...Array(35).fill([false, false]), ...Array(15).fill([true, false]), ...Array(15).fill([false, true])] as [boolean, boolean][];
    const a = codeColumn(denseFromValues("a", "bool", cells.map((c) => c[0])), 1000);
    const b = codeColumn(denseFromValues("b", "bool", cells.map((c) => c[1])), 1000);
    expect(latentCorrelation([a, b])[1]).toBeCloseTo(Math.sin(0.2 * Math.PI), 4);
  });
});

describe("level counts", () => {
  it("shares by largest remainder, exactly", () => {
    expect(proportionalCounts([1, 1, 1], 10)).toEqual([4, 3, 3]);
    expect(proportionalCounts([50, 30, 20], 7)).toEqual([4, 2, 1]);
    expect(levelCounts(["a", "b", "c"], [50, 30, 20], 100, { c: 60 }, () => expect.fail())).toEqual([25, 15, 60]);
  });
  it("refuses unknown levels and counts that do not fit n", () => {
    const fail = (p: string): never => {
      throw new Error(p);
    };
    expect(() => levelCounts(["a", "b"], [5, 5], 10, { z: 1 }, fail)).toThrow(/no level "z"; its levels are "a", "b"/);
    expect(() => levelCounts(["a", "b"], [5, 5], 10, { a: 11 }, fail)).toThrow(/add up to 11, more than n = 10/);
    expect(() => levelCounts(["a", "b"], [5, 5], 10, { a: 3, b: 3 }, fail)).toThrow(/add up to 6, not n = 10/);
  });
});

describe("synth.fit and synth.sample errors", () => {
  const table = makeTable([
    { name: "group", type: "string", values: ["a", "a", "b", null] },
    { name: "x", type: "float", values: Float64Array.of(1, 2, 3, 4) },
  ]);
  const fit = async (params: unknown) => runStep(synthFitStep, { table }, params);

  it("names the field and what to do", async () => {
    await expect(fit({ method: "gaussian-copula", columns: ["nope"] })).rejects.toThrow(/params\.columns.*unknown column "nope"; the input table has group, x/);
    await expect(fit({ method: "gaussian-copula", condition: "x" })).rejects.toThrow(/params\.condition.*"x" is float; condition on a string column/);
    await expect(fit({ method: "gaussian-copula", condition: "group" })).rejects.toThrow(/params\.condition.*1 missing cells; drop or label those rows first/);
    await expect(fit({ method: "copula" })).rejects.toThrow(/method/);
    const { generator } = await fit({ method: "gaussian-copula" });
    await expect(runStep(synthSampleStep, { generator: generator as object }, { n: 5, oversample: { a: 1 } })).rejects.toThrow(/params\.oversample.*fitted without a condition column/);
    await expect(runStep(synthSampleStep, { generator: { format: "strata-synth-generator/1" } }, { n: 5 })).rejects.toThrow(/inputs\.generator.*not a strata-synth-generator\/1 document/);
    await expect(runStep(synthSampleStep, { generator: generator as object }, { n: 0 })).rejects.toThrow(/n/);
  });

  it("samples a conditioned generator whose levels differ in missing cells, with the exact oversampled count", async () => {
    const groups = makeTable([
      { name: "group", type: "string", values: ["a", "a", "a", "b", "b", "b"] },
      { name: "x", type: "float", values: [1, null, 2, 5, 6, 7] },
    ]);
    const { generator } = await runStep(synthFitStep, { table: groups }, { method: "gaussian-copula", condition: "group" });
    const { table } = await runStep(synthSampleStep, { generator: generator as object }, { n: 40, oversample: { b: 30 } }, 9);
    const [group, x] = denseColumns(table as Parameters<typeof denseColumns>[0]);
    const labels = denseStringsOf(group!);
    expect(labels.filter((g) => g === "b").length).toBe(30);
    const values = x!.values as Float64Array;
    labels.forEach((g, r) => {
      if (g === "b") expect([5, 6, 7]).toContain(values[r]);
    });
    expect(x!.nullCount).toBeGreaterThan(0);
  });

  it("fails at study load for a condition column that is not a string", () => {
    expect(() =>
      study("bad-condition", (s) => {
        const t = readCsv(s, { path: "x.csv", columns: [{ name: "g", type: "float" }, { name: "x", type: "float" }] }, { id: "ingest" });
        // @ts-expect-error a float column cannot be a condition
        fitSynth(t, { method: "gaussian-copula", condition: "g" }, { id: "fit" });
      }),
    ).toThrow(/params\.condition.*"g" is float; condition on a string column/);
  });
});
