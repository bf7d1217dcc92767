/**
 * Scoring a stored model set on new rows, for steps that compare models trained in different runs (the promotion
 * gate, predict.model-set): one predictor per model kind, in one registry. A set holds one entry per replicate, each
 * with the preprocessing (recipe.ts) fitted on its own training rows, applied here to the raw rows; the set's
 * prediction for a row is the mean of its replicates' probabilities, summed in replicate order.
 *
 * Rows are routed the way each trainer predicts its own test rows: a DCP row by its subgroup value (the column the
 * set was trained with) to that subgroup's model; a conditional-bias row by its features alone, since the
 * attribute predictor infers the subgroup embedding the label predictor is modulated by. A set is scored by the
 * engine that trained it (training-engine.ts), so a replicate reproduces its trainer's test predictions exactly.
 */
import type * as arrow from "apache-arrow";
import { denseColumn } from "../../artifacts/table.js";
import { type Frame, columnLength, frameColumnOf, takeFrameRows } from "./feature-frame.js";
import type { InputMatrix } from "./input-matrix.js";
import { predictConditionalBiasOn } from "./conditional-bias.js";
import { predictLogistic } from "./logistic-regression.js";
import { predictMlpOn } from "./mlp-engines.js";
import type { ModelKind, ModelSet, ModelSetOf, ReplicateOf } from "./model-set.js";
import { engineOf } from "./training-engine.js";
import { type StoredPreprocessing, applyPreprocessing, preprocessingInputs } from "./recipe.js";

/** The rows to score: their raw feature columns (modelSetFeatures) and each row's subgroup when the set routes by one. */
export interface ScoringRows {
  readonly frame: Frame;
  /** Names row i in messages; by default "row i". */
  readonly where?: (i: number) => string;
  /** Each row's value of modelSetSubgroupColumn; undefined when that is undefined. */
  readonly group: readonly string[] | undefined;
}

/** Ends scoring with a user-facing error (a step passes ctx.fail with its field). */
export type ScoringFailure = (problem: string) => never;

interface ModelPredictor<K extends ModelKind> {
  /** The feature columns a replicate reads (every replicate uses the same ones). */
  readonly features: (set: ModelSetOf<K>) => readonly string[];
  /** The subgroup column rows are routed by, or undefined when the features alone suffice. */
  readonly subgroupColumn: (set: ModelSetOf<K>) => string | undefined;
  /** P(y = 1) of one replicate's model(s) for every row. */
  readonly predict: (set: ModelSetOf<K>, replicate: ReplicateOf<K>, rows: ScoringRows, fail: ScoringFailure) => Promise<ArrayLike<number>>;
}

/** The model inputs of `rows` (a subset given by index, or all) through one entry's stored preprocessing. */
const inputs = (p: StoredPreprocessing, rows: ScoringRows, fail: ScoringFailure, subset?: readonly number[]): InputMatrix => {
  const frame = subset === undefined ? rows.frame : takeFrameRows(rows.frame, subset);
  return applyPreprocessing(p, frame, (j) => rowName(rows, subset === undefined ? j : subset[j]!), (_, problem) => fail(problem));
};

/** How many rows `rows` holds. */
const rowCount = (rows: ScoringRows): number => (rows.frame[0] === undefined ? 0 : columnLength(rows.frame[0]));

const rowName = (rows: ScoringRows, i: number): string => rows.where?.(i) ?? `row ${i}`;

const MODEL_PREDICTORS: { readonly [K in ModelKind]: ModelPredictor<K> } = {
  "logistic-regression": {
    features: (set) => preprocessingInputs(set.replicates[0]!),
    subgroupColumn: () => undefined,
    predict: async (_, rep, rows, fail) => predictLogistic(rep.model, inputs(rep, rows, fail)),
  },
  mlp: {
    features: (set) => preprocessingInputs(set.replicates[0]!),
    subgroupColumn: () => undefined,
    predict: (set, rep, rows, fail) => predictMlpOn(engineOf(set), rep.model, inputs(rep, rows, fail)),
  },
  dcp: {
    features: (set) => preprocessingInputs(set.replicates[0]!.groups[0]!),
    subgroupColumn: (set) => set.subgroup,
    predict: async (set, rep, rows, fail) => {
      const group = rows.group;
      if (group === undefined) return fail(`a dcp model set routes each row by its ${JSON.stringify(set.subgroup)} column; pass it`);
      const prob = new Float64Array(rowCount(rows)).fill(Number.NaN);
      for (const model of rep.groups) {
        const mine = group.flatMap((g, i) => (g === model.group ? [i] : []));
        if (mine.length === 0) continue;
        const p = await predictMlpOn(engineOf(set), model.model, inputs(model, rows, fail, mine));
        mine.forEach((i, j) => (prob[i] = p[j]!));
      }
      const orphan = prob.findIndex(Number.isNaN);
      if (orphan >= 0) {
        fail(`${rowName(rows, orphan)} is in subgroup ${JSON.stringify(group[orphan])}, which replicate ${rep.replicate} of the dcp model set has no model for (it has ${rep.groups.map((m) => JSON.stringify(m.group)).join(", ")})`);
      }
      return prob;
    },
  },
  "conditional-bias": {
    features: (set) => preprocessingInputs(set.replicates[0]!),
    subgroupColumn: () => undefined,
    predict: async (set, rep, rows, fail) => (await predictConditionalBiasOn(engineOf(set), rep.model, inputs(rep, rows, fail))).prob,
  },
};

/** The feature columns the set was trained on (ScoringRows.frame must hold them). */
export const modelSetFeatures = (set: ModelSet): readonly string[] => featuresOf(set.model, set);
const featuresOf = <K extends ModelKind>(kind: K, set: ModelSetOf<K>) => MODEL_PREDICTORS[kind].features(set);

/** The subgroup column the set routes rows by (ScoringRows.group), or undefined when it needs none. */
export const modelSetSubgroupColumn = (set: ModelSet): string | undefined => subgroupColumnOf(set.model, set);
const subgroupColumnOf = <K extends ModelKind>(kind: K, set: ModelSetOf<K>) => MODEL_PREDICTORS[kind].subgroupColumn(set);

/** P(y = 1) for every row from replicate entry `index` of the set alone (as its trainer scored its test rows). */
export const predictReplicate = (set: ModelSet, index: number, rows: ScoringRows, fail: ScoringFailure): Promise<ArrayLike<number>> =>
  predictReplicateOf(set.model, set, index, rows, fail);
const predictReplicateOf = <K extends ModelKind>(kind: K, set: ModelSetOf<K>, index: number, rows: ScoringRows, fail: ScoringFailure) => {
  const rep: ReplicateOf<K> | undefined = set.replicates[index];
  if (rep === undefined) return fail(`the model set has ${set.replicates.length} replicates; there is no replicate entry ${index}`);
  return MODEL_PREDICTORS[kind].predict(set, rep, rows, fail);
};

/** P(y = 1) for every row: the mean of the replicates' probabilities, summed in replicate order. */
export const predictModelSet = async (set: ModelSet, rows: ScoringRows, fail: ScoringFailure): Promise<number[]> => {
  const sum = new Array<number>(rowCount(rows)).fill(0);
  for (let r = 0; r < set.replicates.length; r++) {
    const prob = await predictReplicate(set, r, rows, fail);
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + prob[i]!;
  }
  return sum.map((s) => s / set.replicates.length);
};

/**
 * The set's raw feature columns (modelSetFeatures) of a table, for ScoringRows.frame. Nulls and encoded columns are
 * left to the stored preprocessing, which says what it cannot handle.
 */
export const readScoringFrame = (table: arrow.Table, set: ModelSet, fail: ScoringFailure): Frame => {
  const features = modelSetFeatures(set);
  const columns = features.map((f) => denseColumn(table, f));
  const missing = features.filter((_, j) => columns[j] === undefined);
  if (missing.length > 0) fail(`the model was trained on column${missing.length === 1 ? "" : "s"} ${missing.map((m) => JSON.stringify(m)).join(", ")}, which the table lacks`);
  return columns.map((c) => frameColumnOf(c!));
};
