/**
 * The seed paper's three methods on one table and one set of CV folds: Generic (train.mlp), DCP (train.dcp, one
 * network per subgroup) and conditional bias modulation (train.conditional-bias), all with the same label
 * predictor, then evaluate.personalization of DCP and conditional bias against Generic. Shared by
 * heart-bias-modulation.ts and synthetic-mortality-common.ts, which add their own reports.
 */
import type { Deviation, StudyGraph } from "../dsl/study.js";
import { evaluatePersonalization } from "../steps/evaluate/personalization.js";
import { trainConditionalBias } from "../steps/train/conditional-bias.js";
import { trainDcp } from "../steps/train/dcp.js";
import { trainMlp } from "../steps/train/mlp.js";
import type { MlpHyperparameters } from "../steps/train/mlp-toolkit.js";

export interface SeedMethodSettings {
  /** The label predictor of all three methods. */
  readonly label: MlpHyperparameters;
  /** The attribute predictor of conditional bias (unset fields take the step's defaults). */
  readonly attribute: Partial<MlpHyperparameters>;
  /** How many bias vectors conditional bias adds (the paper's K). */
  readonly k: number;
  /** Departures from the paper's protocol, declared on the plan for the reports' Methods sections. */
  readonly deviations: readonly Deviation[];
}

type TrainInputs = Parameters<typeof trainMlp>;

/** What every train node reads besides its method's settings: features, target and, optionally, a recipe. */
type CommonParams = Pick<TrainInputs[2], "features" | "target" | "recipe">;

export const seedMethods = (s: StudyGraph, table: TrainInputs[0], folds: TrainInputs[1], common: CommonParams, settings: SeedMethodSettings) => {
  const generic = trainMlp(table, folds, { ...common, ...settings.label }, { id: "train-generic" });
  const dcp = trainDcp(table, folds, { ...common, subgroup: "subgroup", ...settings.label }, { id: "train-dcp" });
  const condBias = trainConditionalBias(
    table,
    folds,
    { ...common, subgroup: "subgroup", label: settings.label, attribute: settings.attribute, k: settings.k },
    { id: "train-cond-bias" },
  );
  for (const deviation of settings.deviations) s.deviate(deviation);

  const metrics = evaluatePersonalization(
    table,
    { reference: generic.predictions, methods: { "cond-bias": condBias.predictions, dcp: dcp.predictions }, cross: { dcp: dcp.cross } },
    { target: common.target, subgroup: "subgroup" },
    { id: "evaluate" },
  );
  return { generic, dcp, condBias, metrics };
};

/** The methods' names in the reports. */
export const SEED_METHOD_NAMES = { "cond-bias": "Cond. bias", dcp: "DCP", generic: "Generic" } as const;
