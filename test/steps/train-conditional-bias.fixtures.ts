/**
 * Synthetic data with planted subgroup effects for the personalization tests (train.dcp, train.conditional-bias,
 * evaluate.personalization). Deterministic: an LCG, never a seeded stream of the engine.
 */
import type * as arrow from "apache-arrow";
import { makeTable } from "../../artifacts/table.js";
import { decodeSplit, encodeSplit } from "../../steps/split/split-codec.js";
import { kFoldSplit, lcg } from "./train-fixtures.js";

const normal = (u: () => number) => () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

export interface PlantedRow {
  readonly x: readonly number[];
  readonly group: string;
  readonly y: number;
}

const toTable = (rows: readonly PlantedRow[], features: number): arrow.Table =>
  makeTable([
    ...Array.from({ length: features }, (_, j) => ({ name: `x${j}`, type: "float" as const, values: rows.map((r) => r.x[j]!) })),
    { name: "target", type: "int", values: rows.map((r) => r.y) },
    { name: "subgroup", type: "string", values: rows.map((r) => r.group) },
  ]);

/**
 * A subgroup whose label rule differs: group "b" is the rows with x2 > 0.8 (about a fifth), group "a" the rest.
 * In "a" the label is x0 > 0; in "b" it is x1 > 0. The group is a function of the features, so every model can in
 * principle find it, but only conditional bias is told the groups (its attribute predictor is trained on them).
 */
export const differentRuleTable = (rows: number, seed = 3): arrow.Table => {
  const z = normal(lcg(seed));
  const out: PlantedRow[] = [];
  for (let r = 0; r < rows; r++) {
    const x = [z(), z(), z(), z()];
    const group = x[2]! > 0.8 ? "b" : "a";
    out.push({ x, group, y: (group === "a" ? x[0]! : x[1]!) > 0 ? 1 : 0 });
  }
  return toTable(out, 4);
};

/**
 * One label rule for everyone, y = 1 when x0 + 0.6·x1 − 0.5·x2 + 0.4·x3 + 0.3·ε > 0, and a tiny subgroup: "tiny" is
 * every 16th row, "big" the rest. A model trained on the tiny group alone has a few dozen rows for 6 features.
 */
export const tinyGroupTable = (rows: number, seed = 5): arrow.Table => {
  const z = normal(lcg(seed));
  const out: PlantedRow[] = [];
  for (let r = 0; r < rows; r++) {
    const x = [z(), z(), z(), z(), z(), z()];
    const score = x[0]! + 0.6 * x[1]! - 0.5 * x[2]! + 0.4 * x[3]! + 0.3 * z();
    out.push({ x, group: r % 16 === 0 ? "tiny" : "big", y: score > 0 ? 1 : 0 });
  }
  return toTable(out, 6);
};

export { kFoldSplit };

/** The first `n` replicates of a split table (e.g. two replicates of a four-fold split: 3/4 of the rows train). */
export const firstReplicates = (split: arrow.Table, n: number): arrow.Table =>
  encodeSplit(
    decodeSplit(split, split.numRows, (problem) => {
      throw new Error(problem);
    }).filter((r) => r.replicate < n),
  );
