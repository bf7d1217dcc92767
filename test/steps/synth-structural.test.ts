import type * as arrow from "apache-arrow";
import { Schema } from "effect";
import { describe, expect, it } from "vitest";
import { denseColumn, logicalDigest } from "../../artifacts/table.js";
import { isValidAt } from "../../artifacts/dense-column.js";
import { PipelineError } from "../../dsl/errors.js";
import type { TableHandle } from "../../dsl/handles.js";
import { study } from "../../dsl/study.js";
import { synthStructural, synthStructuralStep } from "../../steps/synth/structural.js";
import { SynthTruthSchema } from "../../steps/synth/structural-truth.js";
import { runStep } from "../support/step-harness.js";

const SPEC = {
  n: 40_000,
  covariates: [
    { name: "age", kind: "normal", mean: 60, sd: 10 },
    { name: "crp", kind: "lognormal", meanlog: 1, sdlog: 0.5 },
    { name: "smoker", kind: "binary", p: 0.3 },
    { name: "stage", kind: "categorical", levels: ["I", "II", "III"], probs: [0.5, 0.3, 0.2] },
  ],
  correlation: [
    { a: "age", b: "crp", rho: 0.5 },
    { a: "age", b: "smoker", rho: -0.3 },
  ],
  subgroups: [{ name: "sex", levels: ["female", "male"], probs: [0.4, 0.6] }],
  site: { name: "site", levels: ["A", "B"], probs: [0.25, 0.75] },
  outcome: {
    intercept: -1,
    coefficients: { age: 0.02, smoker: 0.7, "stage=III": 1 },
    bySubgroup: [{ subgroup: "sex", level: "male", intercept: 0.5, coefficients: { smoker: -0.4 } }],
    interactions: [{ a: "smoker", b: "crp", coef: 0.1 }],
  },
  missingness: [
    { column: "crp", mechanism: "MAR", rate: 0.2, dependsOn: "age" },
    { column: "stage", mechanism: "MNAR", rate: 0.1 },
    { column: "smoker", mechanism: "MCAR", rate: 0.05 },
  ],
} as const;

const generate = async (spec: object = SPEC, seed = 3) => {
  const out = await runStep(synthStructuralStep, {}, spec, seed);
  return { cohort: out.cohort as arrow.Table, truth: out.truth as Record<string, any> };
};

const numbers = (t: arrow.Table, name: string): Float64Array => Float64Array.from(denseColumn(t, name)!.values as ArrayLike<number>);
const strings = (t: arrow.Table, name: string): (string | null)[] => Array.from({ length: t.numRows }, (_, r) => t.getChild(name)!.get(r) as string | null);
const present = (t: arrow.Table, name: string): boolean[] => {
  const col = denseColumn(t, name)!;
  return Array.from({ length: t.numRows }, (_, r) => isValidAt(col, r));
};
const meanOf = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b, 0) / v.length;
const pearson = (x: ArrayLike<number>, y: ArrayLike<number>) => {
  const mx = meanOf(x);
  const my = meanOf(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
};

describe("synth.structural", () => {
  it("writes patient, the covariates, subgroups, site and outcome with the declared types, and the builder types them", async () => {
    const { cohort } = await generate();
    expect(cohort.numRows).toBe(40_000);
    expect(cohort.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      "patient:Int32", "age:Float64", "crp:Float64", "smoker:Int32", "stage:Utf8", "sex:Utf8", "site:Utf8", "outcome:Int32",
    ]);
    expect(Array.from(numbers(cohort, "patient").subarray(0, 3))).toEqual([1, 2, 3]);
    const plan = study("synth", (s) => {
      const { cohort: handle } = synthStructural(s, SPEC);
      // The handle's type is the spec's columns (tsc checks this line; a wrong kind or a missing column fails it).
      const typed: TableHandle<{ readonly patient: "int"; readonly age: "float"; readonly crp: "float"; readonly smoker: "int"; readonly stage: "string"; readonly sex: "string"; readonly site: "string"; readonly outcome: "int" }> = handle;
      void typed;
      // @ts-expect-error smoker is an int column, not a float one
      const wrong: TableHandle<{ readonly smoker: "float" }> = handle;
      void wrong;
      expect(handle.columns).toEqual({ patient: "int", age: "float", crp: "float", smoker: "int", stage: "string", sex: "string", site: "string", outcome: "int" });
    });
    expect(plan.nodes[0]!.step).toBe("synth.structural");
  });

  it("draws the declared marginals and copula correlations", async () => {
    const { cohort } = await generate({ ...SPEC, missingness: [] });
    const age = numbers(cohort, "age");
    expect(meanOf(age)).toBeCloseTo(60, 0);
    expect(Math.sqrt(meanOf(age.map((v) => (v - 60) ** 2)))).toBeCloseTo(10, 0);
    const logCrp = numbers(cohort, "crp").map(Math.log);
    expect(meanOf(logCrp)).toBeCloseTo(1, 1);
    // The copula correlation between normal scores: age and log(crp) are both linear in theirs.
    expect(pearson(age, logCrp)).toBeCloseTo(0.5, 1);
    expect(meanOf(numbers(cohort, "smoker"))).toBeCloseTo(0.3, 1);
    expect(pearson(age, numbers(cohort, "smoker"))).toBeLessThan(-0.15);
    const stage = strings(cohort, "stage");
    expect(stage.filter((s) => s === "III").length / stage.length).toBeCloseTo(0.2, 1);
    expect(strings(cohort, "sex").filter((s) => s === "male").length / 40_000).toBeCloseTo(0.6, 1);
    expect(strings(cohort, "site").filter((s) => s === "A").length / 40_000).toBeCloseTo(0.25, 1);
  });

  it("applies MCAR, MAR and MNAR at the declared rates, in the declared direction", async () => {
    const { cohort } = await generate();
    const n = cohort.numRows;
    const missing = (name: string) => present(cohort, name).map((p) => !p);
    const rate = (m: boolean[]) => m.filter(Boolean).length / m.length;
    expect(rate(missing("smoker"))).toBeCloseTo(0.05, 2);
    expect(rate(missing("crp"))).toBeCloseTo(0.2, 1);
    expect(rate(missing("stage"))).toBeCloseTo(0.1, 1);
    // MAR on age: π rises linearly from 0 (youngest) to 2·rate (oldest); split at the median age.
    const age = numbers(cohort, "age");
    const crpMissing = missing("crp");
    const older = Array.from({ length: n }, (_, r) => age[r]! > 60);
    const rateWhere = (m: boolean[], sel: boolean[]) => m.filter((v, r) => v && sel[r]).length / sel.filter(Boolean).length;
    expect(rateWhere(crpMissing, older)).toBeCloseTo(0.3, 1);
    expect(rateWhere(crpMissing, older.map((o) => !o))).toBeCloseTo(0.1, 1);
    // MNAR on stage (levels I < II < III by rank score 0.25, 0.65, 0.9): π = 0.1 + 0.2 (s − 0.5).
    const stage = strings(cohort, "stage");
    expect(stage.some((s) => s === null)).toBe(true);
    // Missing cells hold null, never a level; the generator's own level is gone, so check the cells that remain.
    const kept = stage.filter((s) => s !== null);
    expect(kept.filter((s) => s === "III").length / kept.length).toBeLessThan(0.2);
    expect(kept.filter((s) => s === "I").length / kept.length).toBeGreaterThan(0.5);
  });

  it("writes the truth: per level the base plus its deviations, and Bayes figures from the true probabilities", async () => {
    const { truth } = await generate();
    expect(truth.format).toBe("strata-synth-truth/1");
    expect(truth.terms).toEqual(["age", "crp", "smoker", "stage=I", "stage=II", "stage=III"]);
    const [female, male] = truth.subgroups;
    expect(female).toMatchObject({ subgroup: "sex", level: "female", intercept: -1, coefficients: { age: 0.02, crp: 0, smoker: 0.7, "stage=III": 1 } });
    expect(male).toMatchObject({ subgroup: "sex", level: "male", intercept: -0.5, coefficients: { smoker: 0.7 - 0.4 } });
    expect(female.n + male.n).toBe(40_000);
    expect(truth.cells).toEqual([]);
    for (const g of [female, male, truth.overall]) {
      expect(g.accuracy).toBeGreaterThan(0.5);
      expect(Math.abs(g.accuracy - g.expectedAccuracy)).toBeLessThan(0.02);
      expect(Math.abs(g.auroc - g.expectedAuroc)).toBeLessThan(0.02);
    }
    expect(truth.spec.n).toBe(40_000);
    // What a reader decodes: the schema accepts the document as written and gives back the spec it was drawn from.
    const decoded = Schema.decodeUnknownSync(SynthTruthSchema)(JSON.parse(JSON.stringify(truth)), { onExcessProperty: "error" });
    expect(decoded.spec.outcome.bySubgroup[0]!.level).toBe("male");
  });

  it("computes the expected AUROC and accuracy exactly (brute force over every pair of a small cohort)", async () => {
    const spec = { n: 300, covariates: [{ name: "x", kind: "binary", p: 0.5 }, { name: "z", kind: "normal" }], outcome: { intercept: 0.2, coefficients: { x: 1.5, z: 0.8 }, labelNoise: 0.1 } };
    const { cohort, truth } = await generate(spec, 11);
    const x = numbers(cohort, "x");
    const z = numbers(cohort, "z");
    const q = Array.from({ length: 300 }, (_, r) => {
      const p = 1 / (1 + Math.exp(-(0.2 + 1.5 * x[r]! + 0.8 * z[r]!)));
      return p * 0.9 + (1 - p) * 0.1;
    });
    let num = 0;
    let den = 0;
    for (let i = 0; i < 300; i++)
      for (let j = 0; j < 300; j++) {
        if (i === j) continue;
        const w = q[i]! * (1 - q[j]!);
        den += w;
        num += w * (q[i]! > q[j]! ? 1 : q[i] === q[j] ? 0.5 : 0);
      }
    expect(truth.overall.expectedAuroc).toBeCloseTo(num / den, 12);
    expect(truth.overall.expectedAccuracy).toBeCloseTo(meanOf(q.map((v) => Math.max(v, 1 - v))), 12);
    const y = numbers(cohort, "outcome");
    expect(truth.overall.accuracy).toBeCloseTo(meanOf(q.map((v, r) => ((v >= 0.5 ? 1 : 0) === y[r] ? 1 : 0))), 12);
    expect(truth.labelNoise).toBe(0.1);
  });

  it("gives one cell per combination of levels when there is more than one subgroup, and no shared coefficients across them", async () => {
    const spec = {
      n: 2_000,
      covariates: [{ name: "x", kind: "normal" }],
      subgroups: [
        { name: "sex", levels: ["f", "m"], probs: [0.5, 0.5] },
        { name: "age", levels: ["young", "old"], probs: [0.5, 0.5] },
      ],
      outcome: { coefficients: { x: 1 }, bySubgroup: [{ subgroup: "age", level: "old", coefficients: { x: 1 } }] },
    };
    const { truth } = await generate(spec);
    expect(truth.cells.map((c: any) => [c.levels, c.coefficients.x])).toEqual([
      [{ sex: "f", age: "young" }, 1],
      [{ sex: "f", age: "old" }, 2],
      [{ sex: "m", age: "young" }, 1],
      [{ sex: "m", age: "old" }, 2],
    ]);
    // sex=f spans both age levels, whose x coefficients differ: no single truth; age=old has one.
    expect(truth.subgroups.find((g: any) => g.level === "f").coefficients).toBeNull();
    expect(truth.subgroups.find((g: any) => g.level === "old").coefficients).toEqual({ x: 2 });
  });

  it("does not depend on rowGroup, and each 65,536-row block only on its own stream", async () => {
    const spec = { ...SPEC, n: 70_000 };
    const a = await generate({ ...spec, rowGroup: 1_000 });
    const b = await generate({ ...spec, rowGroup: 65_536 });
    expect(logicalDigest(a.cohort)).toBe(logicalDigest(b.cohort));
    expect({ ...a.truth, spec: undefined }).toEqual({ ...b.truth, spec: undefined });
    // The first block of a longer cohort is the shorter cohort's.
    const short = await generate({ ...spec, n: 65_536 });
    expect(numbers(short.cohort, "age")).toEqual(numbers(a.cohort, "age").subarray(0, 65_536));
    const other = await generate(spec, 4);
    expect(logicalDigest(other.cohort)).not.toBe(logicalDigest(a.cohort));
  });

  it("rejects a spec a study cannot mean, naming the field and what to do", () => {
    const bad = (patch: object) => () => study("synth", (s) => void synthStructural(s, { ...SPEC, ...patch } as never));
    expect(bad({ outcome: { coefficients: { weight: 1 } } })).toThrow(PipelineError);
    expect(bad({ outcome: { coefficients: { weight: 1 } } })).toThrow(/outcome.coefficients names "weight"/);
    expect(bad({ outcome: { coefficients: { stage: 1 } } })).toThrow(/<categorical>=<level>/);
    expect(bad({ correlation: [{ a: "age", b: "crp", rho: 0.99 }, { a: "age", b: "smoker", rho: 0.99 }, { a: "crp", b: "smoker", rho: -0.99 }] })).toThrow(/not positive definite/);
    expect(bad({ subgroups: [{ name: "sex", levels: ["f", "m"], probs: [0.5, 0.6] }] })).toThrow(/probs must sum to 1/);
    expect(bad({ missingness: [{ column: "crp", mechanism: "MAR", rate: 0.2 }] })).toThrow(/needs dependsOn/);
    expect(bad({ missingness: [{ column: "crp", mechanism: "MAR", rate: 0.2, dependsOn: "smoker" }, { column: "smoker", mechanism: "MCAR", rate: 0.1 }] })).toThrow(/not be missing at random/);
    expect(bad({ outcome: { bySubgroup: [{ subgroup: "sex", level: "other", intercept: 1 }] } })).toThrow(/level "other" of "sex"/);
    expect(bad({ site: { name: "age", levels: ["A"], probs: [1] } })).toThrow(/column "age" is declared twice/);
  });
});
