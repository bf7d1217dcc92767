/**
 * The Gaussian copula on Cleveland through the real CLI and store (test/steps/synth-copula.pipeline.ts): two cold
 * runs in fresh stores give the same digests; the synthetic table has the real table's columns and types, its
 * correlation matrix is within 0.05 (mean absolute difference) of Cleveland's, every numeric column's KS
 * complement is ≥ 0.9 (SDMetrics' definition, evaluate.synthetic's ksComplement), and the
 * subgroup-conditioned generator draws the requested rows per subgroup, each consistent with its subgroup's rule.
 */
import { pearson } from "../../steps/evaluate/synthetic/column-pairs.js";
import { ksComplement } from "../../steps/evaluate/synthetic/column-shapes.js";
import { numericColumns, runGeneratorTwiceCold } from "../support/synthetic-tables.js";
import * as fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { denseColumns, decodeParquet } from "../../artifacts/table.js";
import { denseStringsOf } from "../../artifacts/dense-column.js";
import { readGeneratorDocument } from "../../steps/synth/generator-document.js";
import { BY_SUBGROUP_ROWS, OVERSAMPLE, SYNTHETIC_ROWS } from "./synth-copula.pipeline.js";

const stores: string[] = [];
afterAll(() => {
  for (const s of stores) fs.rmSync(s, { recursive: true, force: true });
});

describe("the Gaussian copula fitted to Cleveland, through the CLI", () => {
  it("reproduces the correlations and marginals, identically in two cold runs, and oversamples a subgroup", async () => {
    const output = await runGeneratorTwiceCold("test/steps/synth-copula.pipeline.ts", ["copula", "synthetic", "copula-by-subgroup", "synthetic-by-subgroup"], SYNTHETIC_ROWS, stores);

    const real = numericColumns(output("subgroups", "table"));
    const synthetic = numericColumns(output("synthetic", "table"));
    const names = [...real.keys()];
    expect(names.length).toBeGreaterThanOrEqual(14);
    let difference = 0;
    let pairs = 0;
    for (let i = 0; i < names.length; i++) {
      for (let j = 0; j < i; j++) {
        difference += Math.abs(pearson(real.get(names[i]!)!, real.get(names[j]!)!)! - pearson(synthetic.get(names[i]!)!, synthetic.get(names[j]!)!)!);
        pairs++;
      }
    }
    expect(difference / pairs).toBeLessThanOrEqual(0.05);
    for (const name of names) expect(ksComplement(real.get(name)!, synthetic.get(name)!)!, name).toBeGreaterThanOrEqual(0.9);

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
