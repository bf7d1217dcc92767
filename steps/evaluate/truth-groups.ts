/**
 * What evaluate.against-truth needs of synth.structural's truth document (strata-synth-truth/1): per level of one
 * subgroup attribute, its n and Bayes-optimal accuracy and AUROC, and whether its outcome rule was planted to
 * differ (an entry of the spec's outcome.bySubgroup for that level); and the label-noise rate.
 */
export interface TruthGroup {
  readonly level: string;
  readonly n: number;
  readonly bayesAccuracy: number;
  /** null when the level holds one class only. */
  readonly bayesAuroc: number | null;
  readonly planted: boolean;
}

export interface TruthGroups {
  readonly groups: readonly TruthGroup[];
  readonly labelNoise: number;
}

export const readTruthGroups = (value: unknown, subgroup: string, fail: (field: string, problem: string) => never): TruthGroups => {
  void value;
  void subgroup;
  return fail("inputs.truth", "not yet");
};
