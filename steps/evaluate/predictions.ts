/**
 * The predictions artifact, one codec for whoever writes it (the trainers) and whoever reads it (the evaluation
 * steps): a table of int replicate, seed, fold, row and float prob, one line per test row a replicate scored,
 * sorted by replicate then in the order the trainer gave. A replicate is one seed and one fold; each replicate
 * predicts a row at most once. Reading checks all of it against the evaluated table with a message naming the
 * input at fault.
 */
import type * as arrow from "apache-arrow";
import { isValidAt } from "../../artifacts/dense-column.js";
import { denseColumn, makeTable } from "../../artifacts/table.js";
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
  const lines = replicates.reduce((n, r) => n + r.rows.length, 0);
  const [replicate, seed, fold, row] = [new Int32Array(lines), new Int32Array(lines), new Int32Array(lines), new Int32Array(lines)];
  const prob = new Float64Array(lines);
  let at = 0;
  for (const r of [...replicates].sort((a, b) => a.replicate - b.replicate)) {
    replicate.fill(r.replicate, at, at + r.rows.length);
    seed.fill(r.seed, at, at + r.rows.length);
    fold.fill(r.fold, at, at + r.rows.length);
    for (let i = 0; i < r.rows.length; i++, at++) {
      row[at] = r.rows[i]!;
      prob[at] = r.probs[i]!;
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

/** A replicate as read so far: its seed and fold, its line count, and which table rows it predicts (a bitmap). */
interface ReplicateLines {
  /** Its position in first-seen order. */
  readonly index: number;
  readonly id: number;
  readonly seed: number;
  readonly fold: number;
  count: number;
  readonly predicted: Uint8Array;
}

/** Reads a predictions artifact made on a table of `tableRows` rows; replicates by ascending id. */
export const readPredictions = (table: arrow.Table, tableRows: number, field: string, ctx: StepContext): (ReplicatePredictions & { readonly rows: Int32Array; readonly probs: Float64Array })[] => {
  const need = <T extends Int32Array | Float64Array>(name: string, type: "int" | "float"): T => {
    const col = denseColumn(table, name);
    if (col === undefined || col.type !== type) {
      ctx.fail(field, `expected predictions with int replicate, seed, fold, row and float prob columns; column ${JSON.stringify(name)} is ${col === undefined ? "missing" : col.type}`);
    }
    if (col.nullCount > 0) {
      let i = 0;
      while (isValidAt(col, i)) i++;
      ctx.fail(field, `prediction line ${i} has a null cell`);
    }
    return col.values as T;
  };
  const [replicate, seed, fold, row] = ["replicate", "seed", "fold", "row"].map((name) => need<Int32Array>(name, "int")) as [Int32Array, Int32Array, Int32Array, Int32Array];
  const prob = need<Float64Array>("prob", "float");
  const n = table.numRows;
  const byId = new Map<number, ReplicateLines>();
  const lineReplicate = new Int32Array(n);
  const replicates: ReplicateLines[] = [];
  for (let i = 0; i < n; i++) {
    const [rep, s, f, r, p] = [replicate[i]!, seed[i]!, fold[i]!, row[i]!, prob[i]!];
    if (r < 0 || r >= tableRows) ctx.fail(field, `prediction line ${i} names row ${r}, but the table has ${tableRows} rows; were the predictions made on this table?`);
    if (!(p >= 0 && p <= 1)) ctx.fail(field, `prediction line ${i} has prob ${p}; expected a probability in [0, 1]`);
    let entry = byId.get(rep);
    if (entry === undefined) {
      entry = { index: replicates.length, id: rep, seed: s, fold: f, count: 0, predicted: new Uint8Array((tableRows + 7) >> 3) };
      byId.set(rep, entry);
      replicates.push(entry);
    } else if (entry.seed !== s || entry.fold !== f) {
      ctx.fail(field, `replicate ${rep} has lines with seed ${entry.seed}, fold ${entry.fold} and with seed ${s}, fold ${f}; a replicate is one seed and one fold`);
    }
    const bit = 1 << (r & 7);
    if ((entry.predicted[r >> 3]! & bit) !== 0) ctx.fail(field, `replicate ${rep} predicts row ${r} twice`);
    entry.predicted[r >> 3]! |= bit;
    entry.count++;
    lineReplicate[i] = entry.index;
  }
  if (replicates.length === 0) ctx.fail(field, "the predictions table is empty");
  const out = replicates.map((e) => ({ replicate: e.id, seed: e.seed, fold: e.fold, rows: new Int32Array(e.count), probs: new Float64Array(e.count) }));
  const filled = new Int32Array(replicates.length);
  for (let i = 0; i < n; i++) {
    const k = lineReplicate[i]!;
    const at = filled[k]!++;
    out[k]!.rows[at] = row[i]!;
    out[k]!.probs[at] = prob[i]!;
  }
  return out.sort((a, b) => a.replicate - b.replicate);
};
