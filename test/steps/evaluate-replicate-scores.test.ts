/** A replicate's predictions held compactly (rows ascending with their probabilities) and read in population order. */
import { describe, expect, it } from "vitest";
import { forEachScored, probabilityByRow, replicateScores, replicateScoresOfDense } from "../../steps/evaluate/subgroup-metrics/replicate-scores.js";

describe("replicate scores", () => {
  const identity = { replicate: 3, seed: 2, fold: 1 };
  it("sorts rows given in any order, keeping each row's probability", () => {
    const rep = replicateScores(identity, Int32Array.from([7, 2, 5]), Float64Array.from([0.7, 0.2, 0.5]));
    expect(Array.from(rep.rows)).toEqual([2, 5, 7]);
    expect(Array.from(rep.probs)).toEqual([0.2, 0.5, 0.7]);
    expect(Array.from(probabilityByRow(rep, 9))).toEqual([NaN, NaN, 0.2, NaN, NaN, 0.5, NaN, 0.7, NaN]);
  });
  it("visits the predictions by population position, and round-trips a dense column", () => {
    const dense = Float64Array.from([NaN, 0.1, NaN, 0.3, 0.4, NaN]);
    const rep = replicateScoresOfDense(identity, dense);
    const visited: [number, number, number][] = [];
    forEachScored(rep, Int32Array.from([1, 2, 3, 4]), (person, row, prob) => visited.push([person, row, prob]));
    expect(visited).toEqual([[0, 1, 0.1], [2, 3, 0.3], [3, 4, 0.4]]);
    expect(Array.from(probabilityByRow(rep, 6))).toEqual(Array.from(dense));
  });
});
