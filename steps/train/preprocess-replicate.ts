/**
 * Preprocessing inside a replicate: the train step's recipe (recipe.ts) fitted on the replicate's train rows only
 * (never on valid or test rows, which would leak their distribution into training), then applied to all three.
 * The stored preprocessing is what the model set keeps, so every later prediction transforms rows the same way.
 */
import type { StepContext } from "../../dsl/step.js";
import { takeFrameRows } from "./feature-frame.js";
import type { InputMatrix } from "./input-matrix.js";
import { type StoredPreprocessing, applyPreprocessing, fitRecipe } from "./recipe.js";
import type { Dataset, Replicate } from "./replicates.js";

export interface PreprocessedReplicate {
  /** The fitted transforms as stored in the models artifact (spread into the replicate's entry). */
  readonly preprocessing: StoredPreprocessing;
  /** The model's input columns, in order (a one-hot step turns one feature into several). */
  readonly features: readonly string[];
  readonly train: InputMatrix;
  readonly valid: InputMatrix;
  readonly test: InputMatrix;
}

export const preprocessReplicate = (data: Dataset, rep: Replicate, ctx: StepContext): PreprocessedReplicate => {
  const fail = (field: string, problem: string): never => ctx.fail(field, `replicate ${rep.replicate}: ${problem}`);
  const rowOf = (rows: ArrayLike<number>) => (r: number) => data.rowName(rows[r]!);
  const fitted = fitRecipe(data.recipe, takeFrameRows(data.frame, rep.train), rowOf(rep.train), fail);
  const apply = (rows: ArrayLike<number>) => applyPreprocessing(fitted.stored, takeFrameRows(data.frame, rows), rowOf(rows), fail);
  return { preprocessing: fitted.stored, features: fitted.features, train: fitted.train, valid: apply(rep.valid), test: apply(rep.test) };
};
