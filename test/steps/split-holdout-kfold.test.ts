import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { logicalDigest } from "../../artifacts/table.js";
import { DataError, PipelineError } from "../../dsl/errors.js";
import { study } from "../../dsl/study.js";
import { readCsv } from "../../steps/ingest/csv.js";
import { holdoutStep, stratifiedHoldout } from "../../steps/split/holdout.js";
import { kfold, kfoldStep } from "../../steps/split/kfold.js";
import { runStep } from "../support/step-harness.js";
import { asTable, schemaOf, splitLines, splitOf, table, userError } from "./data-prep-helpers.js";

/** 24 rows: subgroups a/b × target 0/1, six rows per stratum, interleaved. */
const n = 24;
const t = table({
  subgroup: ["string", Array.from({ length: n }, (_, r) => (r % 2 === 0 ? "a" : "b"))],
  target: ["int", Array.from({ length: n }, (_, r) => (r % 4 < 2 ? 0 : 1))],
});
const stratumOf = (r: number) => `${r % 2 === 0 ? "a" : "b"}/${r % 4 < 2 ? 0 : 1}`;

const holdout = async (seed: number, testFraction = 1 / 6) =>
  asTable((await runStep(holdoutStep, { table: t }, { testFraction, stratify: ["subgroup", "target"] }, seed)).split);

const rowsWith = (split: arrow.Table, replicate: number, role: string) =>
  splitLines(split).filter((l) => l.replicate === replicate && l.role === role).map((l) => l.row);

describe("split.holdout", () => {
  it("holds out round(n * testFraction) rows of every stratum", async () => {
    const split = await holdout(7);
    // One int role column per replicate, one row per input row.
    expect(schemaOf(split)).toEqual([["replicate=0 seed=7 fold=0", "int"]]);
    expect(split.numRows).toBe(n);
    const lines = splitLines(split);
    expect(lines.map((l) => l.row)).toEqual(Array.from({ length: n }, (_, r) => r));
    expect(new Set(lines.map((l) => `${l.replicate}/${l.seed}/${l.fold}`))).toEqual(new Set(["0/7/0"]));
    const test = rowsWith(split, 0, "test");
    expect(test.map(stratumOf).sort()).toEqual(["a/0", "a/1", "b/0", "b/1"]);
    expect(rowsWith(split, 0, "train")).toHaveLength(20);
  });

  it("rounds halves up", async () => {
    // 6 rows per stratum × 0.25 = 1.5 -> 2 test rows per stratum.
    expect(rowsWith(await holdout(1, 0.25), 0, "test")).toHaveLength(8);
  });

  it("is deterministic for a seed and differs across seeds", async () => {
    expect(logicalDigest(await holdout(3))).toBe(logicalDigest(await holdout(3)));
    const bySeed = await Promise.all([1, 2, 3, 4].map(async (s) => rowsWith(await holdout(s), 0, "test").join(",")));
    expect(new Set(bySeed).size).toBeGreaterThan(1);
  });

  it("rejects a fraction outside (0, 1) with its field path, and an unknown column at plan time", async () => {
    const e = await userError(PipelineError, () => runStep(holdoutStep, { table: t }, { testFraction: 1.2 }));
    expect(e.field).toBe("params.testFraction");
    const p = await userError(PipelineError, () =>
      study("t", (s) => {
        const h = readCsv(s, { path: "x.csv", columns: [{ name: "target", type: "int" }] });
        // @ts-expect-error not a column
        stratifiedHoldout(h, { testFraction: 0.2, stratify: ["subgroup"] });
      }),
    );
    expect(p.field).toBe("params.stratify");
  });
});

const folds = async (seeds: readonly number[], k = 2, holdoutSeed = 7) =>
  asTable((await runStep(kfoldStep, { table: t, holdout: await holdout(holdoutSeed) }, { k, seeds, stratify: ["subgroup", "target"], subgroup: "subgroup", target: "target" })).split);

describe("split.kfold", () => {
  it("partitions the holdout's train rows into k stratified folds per seed", async () => {
    const h = await holdout(7);
    const split = await folds([11, 12], 2);
    const lines = splitLines(split);
    expect(lines).toHaveLength(4 * n);
    expect(lines.map((l) => [l.replicate, l.row])).toEqual([0, 1, 2, 3].flatMap((rep) => Array.from({ length: n }, (_, r) => [rep, r])));
    expect([0, 1, 2, 3].map((rep) => lines.find((l) => l.replicate === rep)).map((l) => [l?.seed, l?.fold])).toEqual([[11, 0], [11, 1], [12, 0], [12, 1]]);
    const train = rowsWith(h, 0, "train");
    for (const rep of [0, 1, 2, 3]) {
      expect(rowsWith(split, rep, "test")).toEqual(rowsWith(h, 0, "test"));
      expect([...rowsWith(split, rep, "train"), ...rowsWith(split, rep, "valid")].sort((a, b) => a - b)).toEqual(train);
      // 5 train rows per stratum over 2 folds, dealt round-robin across strata: every stratum has 2 or 3 valid rows.
      const perStratum = new Map<string, number>();
      for (const r of rowsWith(split, rep, "valid")) perStratum.set(stratumOf(r), (perStratum.get(stratumOf(r)) ?? 0) + 1);
      expect([...perStratum.values()].every((c) => c === 2 || c === 3)).toBe(true);
      expect(rowsWith(split, rep, "valid")).toHaveLength(10);
    }
    // The two folds of a seed are complementary.
    expect([...rowsWith(split, 0, "valid"), ...rowsWith(split, 1, "valid")].sort((a, b) => a - b)).toEqual(train);
  });

  it("gives a seed the same folds whatever other seeds are listed, and different seeds different folds", async () => {
    const alone = await folds([3]);
    const withOthers = await folds([1, 3]);
    expect(rowsWith(alone, 0, "valid")).toEqual(rowsWith(withOthers, 2, "valid"));
    expect(splitLines(withOthers).filter((l) => l.replicate === 2).map((l) => l.seed)).toEqual(new Array(n).fill(3));
    expect(rowsWith(withOthers, 0, "valid")).not.toEqual(rowsWith(withOthers, 2, "valid"));
    expect(logicalDigest(await folds([1, 3]))).toBe(logicalDigest(withOthers));
  });

  it("fails when a subgroup has a single class among a replicate's train rows", async () => {
    // Subgroup b: train rows 1, 3 (class 0) and 5 (class 1); whichever fold row 5 lands in trains on class 0 only.
    const small = table({ subgroup: ["string", ["a", "b", "a", "b", "a", "b", "a", "a"]], target: ["int", [0, 0, 1, 0, 0, 1, 1, 0]] });
    const h = splitOf([{ replicate: 0, seed: 0, fold: 0, roles: new Array(8).fill("train") }]);
    const e = await userError(DataError, () =>
      runStep(kfoldStep, { table: small, holdout: h }, { k: 3, seeds: [5], stratify: ["subgroup", "target"], subgroup: "subgroup", target: "target" }),
    );
    expect(e.field).toBe("params.k");
    expect(e.message).toMatch(/seed 5, fold \d: subgroup "b" has only class 0 among its 2 train rows; use fewer folds \(params.k\) or merge small subgroups/);
  });

  it("rejects a holdout made from another table", async () => {
    const h = splitOf([{ replicate: 0, seed: 0, fold: 0, roles: ["train", "test"] }]);
    await expect(runStep(kfoldStep, { table: t, holdout: h }, { seeds: [1], subgroup: "subgroup", target: "target" })).rejects.toThrow(/the split covers 2 rows but the table has 24/);
  });

  it("rejects bad params with their field path and unknown columns at plan time", async () => {
    const h = await holdout(1);
    const k = await userError(PipelineError, () => runStep(kfoldStep, { table: t, holdout: h }, { k: 2.5, seeds: [1], subgroup: "subgroup", target: "target" }));
    expect(k.field).toBe("params.k");
    const seeds = await userError(PipelineError, () => runStep(kfoldStep, { table: t, holdout: h }, { seeds: ["1"], subgroup: "subgroup", target: "target" }));
    expect(seeds.field).toBe("params.seeds[0]");
    const p = await userError(PipelineError, () =>
      study("t", (s) => {
        const data = readCsv(s, { path: "x.csv", columns: [{ name: "subgroup", type: "string" }, { name: "target", type: "int" }] });
        const split = stratifiedHoldout(data, { testFraction: 0.2, stratify: ["subgroup", "target"] });
        kfold(data, split, { k: 5, seeds: [1, 2], stratify: ["subgroup", "target"], subgroup: "subgroup", target: "targt" as "target" });
      }),
    );
    expect(p.field).toBe("params.target");
    expect(p.message).toContain('unknown column "targt"');
  });
});
