/**
 * What evaluate.against-truth needs of synth.structural's truth document (strata-synth-truth/1,
 * steps/synth/structural-truth.ts): per level of one subgroup attribute, its n and the Bayes-optimal accuracy and
 * AUROC of this very sample, and whether its outcome rule was planted to differ (the spec's outcome.bySubgroup gives that
 * level a non-zero intercept or coefficient deviation); and the label-noise rate, decoded with the truth's own
 * Schema (SynthTruthSchema).
 */
import { Schema } from "effect";
import { SynthTruthSchema, TRUTH_FORMAT } from "../synth/structural-truth.js";

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
  const decoded = Schema.decodeUnknownExit(SynthTruthSchema)(value);
  if (decoded._tag !== "Success") return fail("inputs.truth", `expected a ${TRUTH_FORMAT} document (the truth output of synth.structural)`);
  const truth = decoded.value;
  const levels = truth.subgroups.filter((g) => g.subgroup === subgroup);
  if (levels.length === 0) {
    const names = [...new Set(truth.subgroups.map((g) => g.subgroup))];
    return fail("params.subgroup", `the truth has no subgroup ${JSON.stringify(subgroup)}; it has ${names.length === 0 ? "none" : names.join(", ")}`);
  }
  const planted = new Set(truth.spec.outcome.bySubgroup.filter((d) => d.subgroup === subgroup && (d.intercept !== 0 || Object.values(d.coefficients).some((b) => b !== 0))).map((d) => d.level));
  return {
    labelNoise: truth.labelNoise,
    groups: levels.map((g) => {
      if (g.accuracy === null) fail("inputs.truth", `level ${JSON.stringify(g.level)} of ${subgroup} has no patients in the cohort; give it a larger probability or a larger n`);
      return { level: g.level, n: g.n, bayesAccuracy: g.accuracy!, bayesAuroc: g.auroc, planted: planted.has(g.level) };
    }),
  };
};
