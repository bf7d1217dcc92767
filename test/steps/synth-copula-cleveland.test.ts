/**
 * The Gaussian copula on Cleveland through the real CLI and store (test/steps/synth-copula.pipeline.ts): two cold
 * runs in fresh stores give the same digests; the synthetic table has the real table's columns and types, its
 * correlation matrix is within 0.05 (mean absolute difference) of Cleveland's, every numeric column's KS
 * complement is ≥ 0.9 (SDMetrics' definition, 1 − the two-sample KS statistic, computed here on its own), and the
 * subgroup-conditioned generator draws the requested rows per subgroup, each consistent with its subgroup's rule.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { denseColumns, decodeParquet } from "../../artifacts/table.js";
import { denseStringsOf } from "../../artifacts/dense-column.js";
import { ContentStore } from "../../artifacts/store.js";
import { readGeneratorDocument } from "../../steps/synth/generator-document.js";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";
import { BY_SUBGROUP_ROWS, OVERSAMPLE, SYNTHETIC_ROWS } from "./synth-copula.pipeline.js";

interface RunJson {
  nodes: { id: string; outputs: Record<string, string> }[];
}

const stores: string[] = [];
afterAll(() => {
  for (const s of stores) fs.rmSync(s, { recursive: true, force: true });
});

const runPipeline = async (store: string) =>
  jsonOf<RunJson>(await strata(["run", "test/steps/synth-copula.pipeline.ts", "--store", store, "--out", path.join(store, "out"), "--no-lock", "--json"]));

/** Numeric columns as float arrays (no missing cells in the prepared Cleveland table). */
const numericColumns = (bytes: Uint8Array): Map<string, Float64Array> =>
  new Map(denseColumns(decodeParquet(bytes)).filter((c) => c.type === "float" || c.type === "int").map((c) => [c.name, Float64Array.from(c.values as Float64Array | Int32Array)]));

const pearson = (a: Float64Array, b: Float64Array): number => {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
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

/** The two-sample Kolmogorov–Smirnov statistic: the largest gap between the two empirical CDFs. */
const ksStatistic = (a: Float64Array, b: Float64Array): number => {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let gap = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    gap = Math.max(gap, Math.abs(i / x.length - j / y.length));
  }
  return gap;
};

describe("the Gaussian copula fitted to Cleveland, through the CLI", () => {
  it("reproduces the correlations and marginals, identically in two cold runs, and oversamples a subgroup", async () => {
    const [a, b] = [makeTempDir("strata-synth-a-"), makeTempDir("strata-synth-b-")];
    stores.push(a, b);
    const [first, second] = await Promise.all([runPipeline(a), runPipeline(b)]);
    const synthNodes = ["copula", "synthetic", "copula-by-subgroup", "synthetic-by-subgroup"];
    const outputs = (run: RunJson) => Object.fromEntries(run.nodes.filter((n) => synthNodes.includes(n.id)).map((n) => [n.id, n.outputs]));
    expect(Object.keys(outputs(first)).sort()).toEqual([...synthNodes].sort());
    expect(outputs(first)).toEqual(outputs(second));

    const store = new ContentStore(a);
    const output = (node: string, name: string) => store.get(first.nodes.find((n) => n.id === node)!.outputs[name]!);
    const realTable = decodeParquet(output("subgroups", "table"));
    const synthTable = decodeParquet(output("synthetic", "table"));
    expect(synthTable.numRows).toBe(SYNTHETIC_ROWS);
    const schema = (t: typeof realTable) => denseColumns(t).map((c) => `${c.name}:${c.type}`);
    expect(schema(synthTable)).toEqual(schema(realTable));

    const real = numericColumns(output("subgroups", "table"));
    const synthetic = numericColumns(output("synthetic", "table"));
    const names = [...real.keys()];
    expect(names.length).toBeGreaterThanOrEqual(14);
    let difference = 0;
    let pairs = 0;
    for (let i = 0; i < names.length; i++) {
      for (let j = 0; j < i; j++) {
        difference += Math.abs(pearson(real.get(names[i]!)!, real.get(names[j]!)!) - pearson(synthetic.get(names[i]!)!, synthetic.get(names[j]!)!));
        pairs++;
      }
    }
    expect(difference / pairs).toBeLessThanOrEqual(0.05);
    for (const name of names) expect(1 - ksStatistic(real.get(name)!, synthetic.get(name)!), name).toBeGreaterThanOrEqual(0.9);

    const conditioned = readGeneratorDocument(JSON.parse(new TextDecoder().decode(output("copula-by-subgroup", "generator"))), (p) => {
      throw new Error(p);
    });
    if (conditioned.method !== "gaussian-copula") throw new Error(`expected a gaussian-copula generator, got ${conditioned.method}`);
    expect(conditioned.models.map((m) => m.level)).toEqual(["old_female", "old_male", "young_female", "young_male"]);
    const bySubgroup = denseColumns(decodeParquet(output("synthetic-by-subgroup", "table")));
    const subgroup = denseStringsOf(bySubgroup.find((c) => c.name === "subgroup")!);
    const age = bySubgroup.find((c) => c.name === "age")!.values as Float64Array;
    const sex = bySubgroup.find((c) => c.name === "sex")!.values as Float64Array;
    expect(subgroup.length).toBe(BY_SUBGROUP_ROWS);
    expect(subgroup.filter((g) => g === "young_female").length).toBe(OVERSAMPLE.young_female);
    // Each subgroup's model only knows its own rows, so every synthetic row obeys its label's rule (age < 60 young, sex 0 female).
    subgroup.forEach((g, r) => {
      expect(`${g}`).toBe(`${age[r]! < 60 ? "young" : "old"}_${sex[r] === 0 ? "female" : "male"}`);
    });
  }, 120_000);
});
