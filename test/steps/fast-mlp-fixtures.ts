/**
 * The heart shape for the fast engine's tests and benchmark: the 297 complete rows of the UCI Cleveland file, its 13
 * attributes as features, target num > 0, and a replicate split like the split stage's (test every 5th row of a
 * fixed permutation, valid every 5th of the rest, train the others: about 190 train rows).
 */
import * as fs from "node:fs";
import { rowNamer } from "../../steps/row-reference.js";
import { frameOfRows } from "../../steps/train/feature-frame.js";
import type { StepContext } from "../../dsl/step.js";
import { seededRandom } from "../../engine/random.js";
import { DEFAULT_RECIPE } from "../../steps/train/recipe.js";
import type { Dataset, Replicate } from "../../steps/train/replicates.js";
import { HEART_COLUMNS, HEART_PATH } from "./ingest-heart-fixture.js";
import { lcg } from "./train-fixtures.js";

export const HEART_FEATURES = HEART_COLUMNS.slice(0, 13).map((c) => c.name);

export const heartDataset = (): Dataset => {
  const rows = fs
    .readFileSync(HEART_PATH, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.includes("?"))
    .map((line) => line.split(",").map(Number));
  return { features: HEART_FEATURES, frame: frameOfRows(HEART_FEATURES, rows.map((r) => r.slice(0, 13))), y: Uint8Array.from(rows, (r) => (r[13]! > 0 ? 1 : 0)), recipe: DEFAULT_RECIPE, rowName: rowNamer("table") };
};

/** A replicate over `rows` rows: a permutation from `seed`, then test / valid / train as described above. */
export const fixedReplicate = (rows: number, seed: number, replicate = 0): Replicate => {
  const u = lcg(seed);
  const perm = Array.from({ length: rows }, (_, i) => i);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const test = perm.filter((_, i) => i % 5 === 0);
  const rest = perm.filter((_, i) => i % 5 !== 0);
  const valid = rest.filter((_, i) => i % 5 === 0);
  const train = rest.filter((_, i) => i % 5 !== 0);
  const asc = (a: number[]) => a.sort((p, q) => p - q);
  return { replicate, seed, fold: 0, train: Int32Array.from(asc(train)), valid: Int32Array.from(asc(valid)), test: Int32Array.from(asc(test)) };
};

/** A step context with seeded streams and nothing else (what the train functions read). */
export const streamsContext = (seed: number): StepContext => ({
  nodeId: "test-node",
  step: "train.mlp",
  seed,
  random: (stream) => seededRandom(seed, stream),
  log: () => {},
  progress: () => {},
  fail: (field, problem) => {
    throw new Error(`${field}: ${problem}`);
  },
});
