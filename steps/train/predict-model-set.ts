/**
 * Scoring a stored model set on new rows, for steps that compare models trained in different runs (the promotion
 * gate). A model set holds one model per replicate, each with the standardizer fitted on its own training rows;
 * the set's prediction for a row is the mean of its replicates' probabilities, summed in replicate order.
 *
 * Model kinds that need no per-row side information can be scored: logistic regression and the MLP. Decoupled and
 * conditional-bias sets pick a model or an embedding per subgroup, and are refused with a message saying so.
 */
import type { Standardizer } from "../preprocess/standardize.js";
import { applyStandardizer } from "../preprocess/standardize.js";
import { predictLogistic, type LogisticTopology } from "./logistic-regression.js";
import { predictMlp, type MlpTopology } from "./mlp.js";
import type { EncodedModel } from "./tfjs-runtime.js";

export const SCORABLE_MODELS = ["logistic-regression", "mlp"] as const;
export type ScorableModel = (typeof SCORABLE_MODELS)[number];

interface StoredReplicate {
  readonly standardizer: Standardizer;
  readonly model: EncodedModel<LogisticTopology | MlpTopology>;
}

export interface StoredModelSet {
  readonly format: "strata-models/1";
  readonly model: ScorableModel;
  readonly replicates: readonly StoredReplicate[];
}

/** Checks the shape of a model-set document; returns why it cannot be scored, or undefined. */
export const unscorableReason = (doc: unknown): string | undefined => {
  const set = doc as Partial<StoredModelSet> | null;
  if (set === null || typeof set !== "object" || set.format !== "strata-models/1") return "it is not a strata model set (format strata-models/1)";
  if (!(SCORABLE_MODELS as readonly string[]).includes(set.model as string)) {
    return `it holds ${String(set.model)} models; only ${SCORABLE_MODELS.join(" and ")} sets can be scored on new rows`;
  }
  if (!Array.isArray(set.replicates) || set.replicates.length === 0) return "it holds no replicates";
  return undefined;
};

/** The feature columns the set was trained on (every replicate uses the same ones). */
export const modelSetFeatures = (set: StoredModelSet): readonly string[] => set.replicates[0]!.standardizer.columns;

/**
 * P(y = 1) for each row of `x` (raw feature values, row-major, in modelSetFeatures order): each replicate
 * standardizes with its own fit, predicts, and the probabilities are averaged.
 */
export const predictModelSet = async (set: StoredModelSet, x: readonly (readonly number[])[]): Promise<number[]> => {
  const sum = new Array<number>(x.length).fill(0);
  for (const rep of set.replicates) {
    const z = applyStandardizer(rep.standardizer, x);
    const prob =
      set.model === "logistic-regression"
        ? predictLogistic(rep.model as EncodedModel<LogisticTopology>, z)
        : await predictMlp(rep.model as EncodedModel<MlpTopology>, z);
    prob.forEach((p, i) => (sum[i] = sum[i]! + p));
  }
  return sum.map((s) => s / set.replicates.length);
};
