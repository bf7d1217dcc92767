/**
 * The predictions artifact, one codec for whoever writes it (the trainers) and whoever reads it (the evaluation
 * steps): a table of int replicate, seed, fold, row and float prob, one line per test row a replicate scored,
 * sorted by replicate then in the order the trainer gave. A replicate is one seed and one fold; each replicate
 * predicts a row at most once. Reading checks all of it against the evaluated table with a message naming the
 * input at fault.
 */
import type * as arrow from "apache-arrow";
import { makeTable, tableColumns } from "../../artifacts/table.js";
import type { StepContext } from "../../dsl/step.js";

/** One replicate's predictions: P(y = 1) for each of its test rows, in line order. */
export interface ReplicatePredictions {
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly rows: ArrayLike<number>;
  readonly probs: ArrayLike<number>;
}

/** The predictions table of some replicates (any order in; written by ascending replicate id). */
export const predictionsTable = (replicates: readonly ReplicatePredictions[]): arrow.Table => {
  const replicate: number[] = [];
  const seed: number[] = [];
  const fold: number[] = [];
  const row: number[] = [];
  const prob: number[] = [];
  for (const r of [...replicates].sort((a, b) => a.replicate - b.replicate)) {
    for (let i = 0; i < r.rows.length; i++) {
      replicate.push(r.replicate);
      seed.push(r.seed);
      fold.push(r.fold);
      row.push(r.rows[i]!);
      prob.push(r.probs[i]!);
    }
  }
  return makeTable([
    { name: "replicate", type: "int", values: replicate },
    { name: "seed", type: "int", values: seed },
    { name: "fold", type: "int", values: fold },
    { name: "row", type: "int", values: row },
    { name: "prob", type: "float", values: prob },
  ]);
};

/** Reads a predictions artifact made on a table of `tableRows` rows; replicates by ascending id. */
export const readPredictions = (table: arrow.Table, tableRows: number, field: string, ctx: StepContext): ReplicatePredictions[] => {
  const columns = new Map(tableColumns(table).map((c) => [c.name, c]));
  const need = (name: string, type: "int" | "float") => {
    const col = columns.get(name);
    if (col === undefined || col.type !== type) {
      ctx.fail(field, `expected predictions with int replicate, seed, fold, row and float prob columns; column ${JSON.stringify(name)} is ${col === undefined ? "missing" : col.type}`);
    }
    return col.values;
  };
  const [replicate, seed, fold, row, prob] = [need("replicate", "int"), need("seed", "int"), need("fold", "int"), need("row", "int"), need("prob", "float")];
  const byReplicate = new Map<number, { seed: number; fold: number; rows: number[]; probs: number[]; predicted: Uint8Array }>();
  for (let i = 0; i < table.numRows; i++) {
    const [rep, s, f, r, p] = [replicate[i], seed[i], fold[i], row[i], prob[i]];
    if (typeof rep !== "number" || typeof s !== "number" || typeof f !== "number" || typeof r !== "number" || typeof p !== "number") {
      ctx.fail(field, `prediction line ${i} has a null cell`);
    }
    if (r < 0 || r >= tableRows) ctx.fail(field, `prediction line ${i} names row ${r}, but the table has ${tableRows} rows; were the predictions made on this table?`);
    if (!(p >= 0 && p <= 1)) ctx.fail(field, `prediction line ${i} has prob ${p}; expected a probability in [0, 1]`);
    let entry = byReplicate.get(rep);
    if (entry === undefined) {
      entry = { seed: s, fold: f, rows: [], probs: [], predicted: new Uint8Array(tableRows) };
      byReplicate.set(rep, entry);
    } else if (entry.seed !== s || entry.fold !== f) {
      ctx.fail(field, `replicate ${rep} has lines with seed ${entry.seed}, fold ${entry.fold} and with seed ${s}, fold ${f}; a replicate is one seed and one fold`);
    }
    if (entry.predicted[r] === 1) ctx.fail(field, `replicate ${rep} predicts row ${r} twice`);
    entry.predicted[r] = 1;
    entry.rows.push(r);
    entry.probs.push(p);
  }
  if (byReplicate.size === 0) ctx.fail(field, "the predictions table is empty");
  return [...byReplicate.entries()]
    .sort(([a], [b]) => a - b)
    .map(([id, e]) => ({ replicate: id, seed: e.seed, fold: e.fold, rows: Int32Array.from(e.rows), probs: Float64Array.from(e.probs) }));
};
