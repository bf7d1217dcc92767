/**
 * A replicate's predictions as the evaluation holds them (document.ts ReplicateScores): its predicted table rows
 * ascending with their probabilities, read in the evaluated population's order by a merge of two ascending lists.
 */
import type { ReplicateScores } from "./document.js";

type Identity = Pick<ReplicateScores, "replicate" | "seed" | "fold">;

/** The replicate's rows (distinct, any order) and probabilities, sorted by row. */
export const replicateScores = (identity: Identity, rows: Int32Array, probs: Float64Array): ReplicateScores => {
  let ascending = true;
  for (let i = 1; i < rows.length && ascending; i++) ascending = rows[i - 1]! < rows[i]!;
  if (ascending) return { ...identity, rows, probs };
  const order = Int32Array.from({ length: rows.length }, (_, i) => i).sort((a, b) => rows[a]! - rows[b]!);
  return { ...identity, rows: Int32Array.from(order, (i) => rows[i]!), probs: Float64Array.from(order, (i) => probs[i]!) };
};

/** From a probability per table row, NaN where the replicate predicted nothing. */
export const replicateScoresOfDense = (identity: Identity, prob: Float64Array): ReplicateScores => {
  const rows: number[] = [];
  for (let r = 0; r < prob.length; r++) if (!Number.isNaN(prob[r]!)) rows.push(r);
  return { ...identity, rows: Int32Array.from(rows), probs: Float64Array.from(rows, (r) => prob[r]!) };
};

/**
 * Visits the replicate's predictions in population order: `person` is the row's index in `population` (ascending
 * table rows that include every row the replicate predicted).
 */
export const forEachScored = (rep: ReplicateScores, population: Int32Array, visit: (person: number, row: number, prob: number) => void): void => {
  const { rows, probs } = rep;
  let person = 0;
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k]!;
    while (population[person]! < row) person++;
    visit(person, row, probs[k]!);
  }
};

/** The replicate's probability per table row, NaN where it predicted nothing (for a pass that looks rows up). */
export const probabilityByRow = (rep: ReplicateScores, tableRows: number): Float64Array => {
  const prob = new Float64Array(tableRows).fill(Number.NaN);
  for (let k = 0; k < rep.rows.length; k++) prob[rep.rows[k]!] = rep.probs[k]!;
  return prob;
};
