/**
 * What every training step reads the same way: the raw features, the 0/1 target and the recipe of the input table, and the
 * split artifact grouped into replicates (ascending), each with its train, valid and test rows (ascending).
 */
import type * as arrow from "apache-arrow";
import { type CellValue, type ColumnData, tableColumns } from "../../artifacts/table.js";
import type { StepContext } from "../../dsl/step.js";
import { predictionsTable } from "../evaluate/predictions.js";
import { type Recipe, recipeColumnProblems, recipeEncodes } from "./recipe.js";

export interface Replicate {
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly train: readonly number[];
  readonly valid: readonly number[];
  readonly test: readonly number[];
}

export interface Dataset {
  /** The raw feature columns, in params.features order. */
  readonly features: readonly string[];
  /** Row-major raw feature cells, one array per input row, in `features` order (the recipe turns them into numbers). */
  readonly x: readonly (readonly CellValue[])[];
  /** 0 or 1 per input row. */
  readonly y: readonly number[];
  /** How the features become model inputs, fitted per replicate on its train rows (recipe.ts). */
  readonly recipe: Recipe;
}

const byName = (table: arrow.Table): Map<string, ColumnData> => new Map(tableColumns(table).map((c) => [c.name, c]));

/**
 * Reads raw feature cells, row-major: each listed column once, none the target. A column must be numeric unless the
 * recipe encodes it, and may hold nulls only where the recipe imputes it.
 */
const readFeatureRows = (table: arrow.Table, features: readonly string[], target: string, recipe: Recipe, ctx: StepContext): CellValue[][] => {
  const columns = byName(table);
  const names = [...columns.keys()].join(", ");
  if (features.length === 0) ctx.fail("params.features", "expected at least one feature column");
  const seen = new Set<string>();
  const imputed = new Set(recipe.flatMap((s) => (s.step === "impute" ? Object.keys(s.columns) : [])));
  const featureValues = features.map((name, j) => {
    const field = `params.features[${j}]`;
    if (seen.has(name)) ctx.fail(field, `column ${JSON.stringify(name)} is listed twice; list each feature once`);
    seen.add(name);
    if (name === target) ctx.fail(field, `column ${JSON.stringify(name)} is the target; remove it from the features`);
    const col = columns.get(name);
    if (col === undefined) ctx.fail(field, `unknown column ${JSON.stringify(name)}; the input table has ${names}`);
    if (!recipeEncodes(recipe, name, col.type)) {
      ctx.fail(field, `column ${JSON.stringify(name)} is ${col.type}; features must be numeric (encode it in params.recipe with one-hot or ordinal, or in a preprocessing step)`);
    }
    const values = col.values as ArrayLike<CellValue>;
    if (!imputed.has(name)) {
      for (let r = 0; r < values.length; r++) {
        const v = values[r];
        if (v === null || (typeof v === "number" && !Number.isFinite(v))) {
          ctx.fail(field, `column ${JSON.stringify(name)} has a missing or non-finite value at row ${r}; impute it in params.recipe (fitted on training rows) or drop such rows before training`);
        }
      }
    }
    return values;
  });
  const x: CellValue[][] = [];
  for (let r = 0; r < table.numRows; r++) x.push(featureValues.map((col) => col[r] ?? null));
  return x;
};

/** Reads the 0/1 target (an int or bool column). */
export const readTarget = (table: arrow.Table, target: string, ctx: StepContext): number[] => {
  const targetCol = byName(table).get(target);
  if (targetCol === undefined) ctx.fail("params.target", `unknown column ${JSON.stringify(target)}; the input table has ${[...byName(table).keys()].join(", ")}`);
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
  return y;
};

/** Reads what a train step learns from: the raw features, the target and the recipe that turns features into inputs. */
export const readDataset = (table: arrow.Table, params: { readonly features: readonly string[]; readonly target: string; readonly recipe: Recipe }, ctx: StepContext): Dataset => {
  for (const { field, problem } of recipeColumnProblems(params.recipe, params.features)) ctx.fail(field, problem);
  const x = readFeatureRows(table, params.features, params.target, params.recipe, ctx);
  return { features: params.features, x, y: readTarget(table, params.target, ctx), recipe: params.recipe };
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

/** Picks rows of the raw feature cells. */
export const pick = (x: readonly (readonly CellValue[])[], rows: readonly number[]): CellValue[][] => rows.map((r) => [...x[r]!]);
