/**
 * Hand-made predictions for evaluate.personalization and report.personalization tests: twelve people, two groups,
 * three replicates that all score the same test people (as the heart study's fixed holdout does).
 */
import type * as arrow from "apache-arrow";
import { makeTable } from "../../artifacts/table.js";

export const GROUP = ["a", "a", "a", "a", "a", "a", "b", "b", "b", "b", "b", "b"];
export const Y = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0];
export const REPLICATES = [0, 1, 2];

export const labelsTable = (groups: readonly string[] = GROUP): arrow.Table =>
  makeTable([
    { name: "target", type: "int", values: Y },
    { name: "subgroup", type: "string", values: groups },
  ]);

/** A predictions table from a rule `right(replicate, row)`: prob 0.9 for the true label when right, else 0.1. */
export const predictions = (right: (replicate: number, row: number) => boolean, replicates = REPLICATES): arrow.Table => {
  const rows = Y.map((_, r) => r);
  const lines = replicates.flatMap((rep) => rows.map((row) => ({ rep, row, prob: right(rep, row) === (Y[row] === 1) ? 0.9 : 0.1 })));
  return makeTable([
    { name: "replicate", type: "int", values: lines.map((l) => l.rep) },
    { name: "seed", type: "int", values: lines.map((l) => 1 + Math.floor(l.rep / 5)) },
    { name: "fold", type: "int", values: lines.map((l) => l.rep % 5) },
    { name: "row", type: "int", values: lines.map((l) => l.row) },
    { name: "prob", type: "float", values: lines.map((l) => l.prob) },
  ]);
};

/** Cross predictions: `right(modelGroup, replicate, row)` for every group's model on every row. */
export const crossPredictions = (right: (modelGroup: string, replicate: number, row: number) => boolean, groups = ["a", "b"]): arrow.Table => {
  const lines = REPLICATES.flatMap((rep) =>
    Y.flatMap((y, row) => groups.map((g) => ({ rep, row, g, prob: right(g, rep, row) === (y === 1) ? 0.9 : 0.1 }))),
  );
  return makeTable([
    { name: "replicate", type: "int", values: lines.map((l) => l.rep) },
    { name: "seed", type: "int", values: lines.map((l) => 1 + Math.floor(l.rep / 5)) },
    { name: "fold", type: "int", values: lines.map((l) => l.rep % 5) },
    { name: "row", type: "int", values: lines.map((l) => l.row) },
    { name: "prob", type: "float", values: lines.map((l) => l.prob) },
    { name: "model_group", type: "string", values: lines.map((l) => l.g) },
  ]);
};

/** The reference: wrong on people 0 and 6 in every replicate, right on everyone else. */
export const reference = predictions((_, row) => row !== 0 && row !== 6);
/** Built to hurt group b: like the reference, but also wrong on people 7..11 in every replicate. */
export const hurtsB = predictions((_, row) => row !== 0 && row < 6);
/** Harmless: fixes person 0 in every replicate, breaks person 1 in replicate 0 only. */
export const harmless = predictions((rep, row) => row !== 6 && !(rep === 0 && row === 1));
/** DCP-like cross predictions: group a's own model is wrong on people 0..4; b's model is right on everyone. */
export const cross = crossPredictions((g, _rep, row) => (g === "a" ? !(row <= 4) && row < 6 : true));
