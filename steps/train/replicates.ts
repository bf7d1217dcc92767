/**
 * What every training step reads the same way: the feature matrix and 0/1 target of the input table, and the
 * split artifact grouped into replicates (ascending), each with its train, valid and test rows (ascending).
 */
import type * as arrow from "apache-arrow";
import { type CellValue, type ColumnData, tableColumns } from "../../artifacts/table.js";
import type { StepContext } from "../../dsl/step.js";
import { predictionsTable } from "../evaluate/predictions.js";

export interface Replicate {
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly train: readonly number[];
  readonly valid: readonly number[];
  readonly test: readonly number[];
}

export interface Dataset {
  /** Row-major feature values, one array per input row, in `features` order. */
  readonly x: readonly (readonly number[])[];
  /** 0 or 1 per input row. */
  readonly y: readonly number[];
}

const byName = (table: arrow.Table): Map<string, ColumnData> => new Map(tableColumns(table).map((c) => [c.name, c]));

/** Reads the features (float or int, no nulls, finite) and the target (int or bool, 0/1) of the input table. */
export const readDataset = (table: arrow.Table, features: readonly string[], target: string, ctx: StepContext): Dataset => {
  const columns = byName(table);
  const names = [...columns.keys()].join(", ");
  if (features.length === 0) ctx.fail("params.features", "expected at least one feature column");
  const seen = new Set<string>();
  const featureValues = features.map((name, j) => {
    const field = `params.features[${j}]`;
    if (seen.has(name)) ctx.fail(field, `column ${JSON.stringify(name)} is listed twice; list each feature once`);
    seen.add(name);
    if (name === target) ctx.fail(field, `column ${JSON.stringify(name)} is the target; remove it from the features`);
    const col = columns.get(name);
    if (col === undefined) ctx.fail(field, `unknown column ${JSON.stringify(name)}; the input table has ${names}`);
    if (col.type !== "float" && col.type !== "int") {
      ctx.fail(field, `column ${JSON.stringify(name)} is ${col.type}; features must be numeric (encode it in a preprocessing step first)`);
    }
    const values = col.values as ArrayLike<CellValue>;
    for (let r = 0; r < values.length; r++) {
      const v = values[r];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        ctx.fail(field, `column ${JSON.stringify(name)} has a missing or non-finite value at row ${r}; impute or drop such rows before training`);
      }
    }
    return values as ArrayLike<number>;
  });
  const targetCol = columns.get(target);
  if (targetCol === undefined) ctx.fail("params.target", `unknown column ${JSON.stringify(target)}; the input table has ${names}`);
  if (targetCol.type !== "int" && targetCol.type !== "bool") {
    ctx.fail("params.target", `column ${JSON.stringify(target)} is ${targetCol.type}; expected an int (0/1) or bool label`);
  }
  const y: number[] = [];
  for (let r = 0; r < table.numRows; r++) {
    const v = targetCol.values[r];
    const label = v === true ? 1 : v === false ? 0 : v;
    if (label !== 0 && label !== 1) ctx.fail("params.target", `column ${JSON.stringify(target)} has ${JSON.stringify(v)} at row ${r}; expected 0 or 1`);
    y.push(label);
  }
  const x: number[][] = [];
  for (let r = 0; r < table.numRows; r++) x.push(featureValues.map((col) => col[r]!));
  return { x, y };
};

const ROLES = ["train", "valid", "test"] as const;

/** Groups a split artifact into replicates, checking its columns, roles and row indices against the table. */
export const readSplit = (split: arrow.Table, tableRows: number, ctx: StepContext): Replicate[] => {
  const columns = byName(split);
  const need = (name: string, type: "int" | "string"): ArrayLike<CellValue> => {
    const col = columns.get(name);
    if (col === undefined || col.type !== type) {
      ctx.fail("inputs.split", `expected a split artifact with int replicate, seed, fold, row and string role columns; column ${JSON.stringify(name)} is ${col === undefined ? "missing" : col.type}`);
    }
    return col.values;
  };
  const rep = need("replicate", "int");
  const seed = need("seed", "int");
  const fold = need("fold", "int");
  const row = need("row", "int");
  const role = need("role", "string");
  const groups = new Map<number, { seed: number; fold: number; train: number[]; valid: number[]; test: number[]; rows: Set<number> }>();
  for (let i = 0; i < split.numRows; i++) {
    const r = rep[i] as number | null;
    const s = seed[i] as number | null;
    const f = fold[i] as number | null;
    const k = row[i] as number | null;
    const ro = role[i] as string | null;
    if (r === null || s === null || f === null || k === null || ro === null) ctx.fail("inputs.split", `split line ${i} has a null cell`);
    if (k < 0 || k >= tableRows) ctx.fail("inputs.split", `split line ${i} names row ${k}, but the table has ${tableRows} rows (0..${tableRows - 1}); was the split made from this table?`);
    if (!(ROLES as readonly string[]).includes(ro)) ctx.fail("inputs.split", `split line ${i} has role ${JSON.stringify(ro)}; expected train, valid or test`);
    let g = groups.get(r);
    if (g === undefined) {
      g = { seed: s, fold: f, train: [], valid: [], test: [], rows: new Set() };
      groups.set(r, g);
    }
    if (g.seed !== s || g.fold !== f) ctx.fail("inputs.split", `replicate ${r} has more than one (seed, fold): (${g.seed}, ${g.fold}) and (${s}, ${f})`);
    if (g.rows.has(k)) ctx.fail("inputs.split", `replicate ${r} lists row ${k} twice`);
    g.rows.add(k);
    g[ro as (typeof ROLES)[number]].push(k);
  }
  if (groups.size === 0) ctx.fail("inputs.split", "the split has no lines");
  const asc = (a: number, b: number) => a - b;
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([replicate, g]) => {
      if (g.train.length === 0) ctx.fail("inputs.split", `replicate ${replicate} has no train rows`);
      if (g.test.length === 0) ctx.fail("inputs.split", `replicate ${replicate} has no test rows`);
      return { replicate, seed: g.seed, fold: g.fold, train: g.train.sort(asc), valid: g.valid.sort(asc), test: g.test.sort(asc) };
    });
};

/** One predicted probability per test row of one replicate. */
export interface ReplicatePredictions {
  readonly replicate: Replicate;
  readonly prob: ArrayLike<number>;
}

/** A train step's predictions artifact (steps/evaluate/predictions.ts): each replicate's probabilities for its test rows. */
export const testPredictionsTable = (results: readonly ReplicatePredictions[]): arrow.Table =>
  predictionsTable(results.map(({ replicate: r, prob }) => ({ replicate: r.replicate, seed: r.seed, fold: r.fold, rows: r.test, probs: prob })));

/** Picks rows of the feature matrix. */
export const pick = (x: readonly (readonly number[])[], rows: readonly number[]): number[][] => rows.map((r) => [...x[r]!]);
