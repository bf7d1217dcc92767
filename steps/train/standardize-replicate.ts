/**
 * Standardisation inside a replicate: fitted on the replicate's train rows only (never on valid or test rows, which
 * would leak their mean and spread into training), then applied to all three. The fit and apply functions are the
 * preprocessing stage's, so a stored standardizer means the same thing everywhere.
 */
import { type Standardizer, applyStandardizer, fitStandardizer } from "../preprocess/standardize.js";
import { type Dataset, type Replicate, pick } from "./replicates.js";

export interface StandardizedReplicate {
  /** The fitted standardizer as stored in the models artifact. */
  readonly standardizer: Standardizer;
  readonly train: number[][];
  readonly valid: number[][];
  readonly test: number[][];
}

export const standardizeReplicate = (data: Dataset, rep: Replicate, features: readonly string[]): StandardizedReplicate => {
  const standardizer = fitStandardizer(features, pick(data.x, rep.train));
  const apply = (rows: readonly number[]) => applyStandardizer(standardizer, pick(data.x, rows));
  return {
    standardizer,
    train: apply(rep.train),
    valid: apply(rep.valid),
    test: apply(rep.test),
  };
};
