/**
 * Training and predicting the MLP toolkit's network with a chosen engine (training-engine.ts): the WebAssembly
 * kernels of fast-mlp/ or tfjs. tfjs is loaded only when it is the engine.
 */
import type { StepContext } from "../../dsl/step.js";
import { predictMlpFast, trainMlpFast } from "./fast-mlp/mlp.js";
import { type MlpHyperparameters, type TrainedMlp, predictMlp, replicateStream, trainMlpReplicate } from "./mlp-toolkit.js";
import type { InputMatrix } from "./input-matrix.js";
import type { MlpTopology } from "./model-set.js";
import type { Dataset, Replicate } from "./replicates.js";
import { initTfjs } from "./tfjs-runtime.js";
import type { TrainingEngine } from "./training-engine.js";
import type { EncodedModel } from "./weights.js";

/** trainMlpReplicate on `engine`; `sampleWeights` (one per row of rep.train) weight the loss. */
export const trainMlpOn = async (
  engine: TrainingEngine,
  data: Dataset,
  rep: Replicate,
  params: MlpHyperparameters & { readonly features: readonly string[] },
  ctx: StepContext,
  stream: string = replicateStream(rep),
  sampleWeights?: ArrayLike<number>,
): Promise<TrainedMlp> => {
  if (engine === "kernels") return trainMlpFast(data, rep, params, ctx, stream, sampleWeights);
  await initTfjs();
  return trainMlpReplicate(data, rep, params, ctx, stream, sampleWeights);
};

/** P(y = 1) for standardised rows from an MLP that `engine` trained. */
export const predictMlpOn = async (engine: TrainingEngine, model: EncodedModel<MlpTopology>, x: InputMatrix): Promise<number[]> =>
  engine === "kernels" ? predictMlpFast(model, x) : predictMlp(model, x);
