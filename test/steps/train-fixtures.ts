/** Synthetic data for the train, evaluate and report tests: deterministic, no randomness from the environment. */
import type * as arrow from "apache-arrow";
import { makeTable } from "../../artifacts/table.js";
import type { Role } from "../../steps/split/split-codec.js";
import { splitOf } from "./data-prep-helpers.js";

/** A small deterministic generator (LCG, Numerical Recipes constants) so fixtures never depend on a seeded stream. */
export const lcg = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
};

/** Standard normal draws via Box-Muller. */
const normal = (u: () => number) => () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

/**
 * `rows` people with `features` float columns x0.., an int target that is 1 exactly when x0 + 0.5·x1 > 0.2
 * (linearly separable), a string subgroup cycling through a, b, c, d, and an int column "age" (not a feature).
 */
export const separableTable = (rows: number, features = 4, seed = 1): arrow.Table => {
  const z = normal(lcg(seed));
  const xs = Array.from({ length: features }, () => [] as number[]);
  const target: number[] = [];
  const subgroup: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < features; j++) xs[j]!.push(3 * z() + (j === 2 ? 50 : 0));
    target.push(xs[0]![r]! + 0.5 * xs[1]![r]! > 0.2 ? 1 : 0);
    subgroup.push(["a", "b", "c", "d"][r % 4]!);
  }
  return makeTable([
    ...xs.map((values, j) => ({ name: `x${j}`, type: "float" as const, values })),
    { name: "target", type: "int", values: target },
    { name: "subgroup", type: "string", values: subgroup },
  ]);
};

/**
 * A split artifact like the split stage's: for each seed × fold a replicate whose test rows are fold `fold` of a
 * seed-dependent permutation (1/folds of the rows), valid rows every 5th remaining row, train the rest.
 */
export const kFoldSplit = (rows: number, seeds: readonly number[], folds: number): arrow.Table => {
  const replicates: { replicate: number; seed: number; fold: number; roles: Role[] }[] = [];
  for (const s of seeds) {
    const u = lcg(1000 + s);
    const perm = Array.from({ length: rows }, (_, i) => i);
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(u() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const foldOf = new Array<number>(rows);
    perm.forEach((r, i) => (foldOf[r] = i % folds));
    for (let f = 0; f < folds; f++) {
      let k = 0;
      const roles = Array.from({ length: rows }, (_, r): Role => (foldOf[r] === f ? "test" : k++ % 5 === 0 ? "valid" : "train"));
      replicates.push({ replicate: replicates.length, seed: s, fold: f, roles });
    }
  }
  return splitOf(replicates);
};

/** The case the determinism tests train in-process and in separate processes. */
export const DETERMINISM_CASE = () => ({
  table: separableTable(160, 4, 5),
  split: kFoldSplit(160, [1, 2], 2),
  features: ["x0", "x1", "x2", "x3"],
  mlpParams: { layers: [16, 16], epochs: 12, batchSize: 32, patience: 4, dropout: 0.2 },
  weights: { scheme: "utility", subgroup: "subgroup", utilities: [{ group: "a", label: 1, utility: 5 }] },
  seed: 11,
});
