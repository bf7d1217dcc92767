/**
 * Harm tests per candidate model × group, on accuracy, against the reference (harm.ts): the exact McNemar test on
 * people, adjusted across the model's subgroups (harm-multiplicity.ts), decides the flag (harmRule says how, in
 * words for the reports); the paired bootstrap of the gain is reported beside it as an interval and the share of
 * resamples in which the model is worse.
 */
import { MULTIPLICITY_NAMES, type MultiplicityMethod, adjustPValues } from "../harm-multiplicity.js";
import { bootstrapSignTest, discordantPairs, exactMcNemar } from "../harm.js";
import { type Labels, groupOf } from "../labels.js";
import type { HarmEntry, ModelPredictions } from "./document.js";
import type { GroupLayout } from "./groups.js";
import { probabilityByRow } from "./replicate-scores.js";
import type { Pairing } from "./scoring.js";

/** The one decision rule of the evaluation's harm flags, in words for the reports. */
export const harmRule = (params: { readonly alpha: number; readonly adjust: MultiplicityMethod }): string =>
  `Decision rule: a group is flagged harmed when the exact McNemar test (one-sided, harm direction) on its people gives an adjusted p-value below α = ${params.alpha}, ` +
  `with ${MULTIPLICITY_NAMES[params.adjust]} across the model's subgroups ("overall" is tested on its own). ` +
  "Each person's outcome per model is the majority over the replicates that scored them (people are the independent units). " +
  "The paired bootstrap of the accuracy gain (resamples stratified by group × label, accuracy averaged over replicates) is reported beside it, " +
  "as the gain's 95% percentile interval and the share of resamples in which the model is worse; it does not set the flag.";

/** The harm tests, one per candidate model × group (model index, group index), in the document's order. */
export const harmCells = (layout: GroupLayout, pairing: Pairing): (readonly [number, number])[] =>
  pairing.gainModels.flatMap((mi) => layout.groups.map((_, gi) => [mi, gi] as const));

/** One harm test, before the adjustment across the model's subgroups; its bootstrap has a stream of its own. */
export const harmTest = (
  layout: GroupLayout,
  labels: Labels,
  models: readonly ModelPredictions[],
  pairing: Pairing,
  params: { readonly threshold: number; readonly alpha: number; readonly resamples: number; readonly minCell: number },
  [mi, gi]: readonly [number, number],
  randomStream: (stream: string) => () => number,
): HarmEntry => {
  const { population, groups, testPeople, subgroupOfRow } = layout;
  const B = params.resamples;
  const ref = models[pairing.referenceIndex]!;
  const group = groups[gi]!;
  const people: number[] = [];
  for (const r of population) if (gi === 0 || subgroupOfRow[r] === gi) people.push(r);
  const correctness = (model: ModelPredictions): Float64Array[] =>
    model.replicates.map((rep) => {
      const prob = probabilityByRow(rep, labels.y.length);
      return Float64Array.from(people, (r) => (Number.isNaN(prob[r]!) ? Number.NaN : (prob[r]! >= params.threshold ? 1 : 0) === labels.y[r] ? 1 : 0));
    });
  const candidateCorrect = correctness(models[mi]!);
  const referenceCorrect = correctness(ref);
  // Accuracy on a set of units (with repeats): per replicate over the units it predicted, then the mean.
  const accuracyOn = (correct: readonly Float64Array[]) => (units: readonly number[]): number => {
    let total = 0;
    let replicatesUsed = 0;
    for (const c of correct) {
      let sum = 0;
      let count = 0;
      for (const u of units) {
        const v = c[u]!;
        if (Number.isNaN(v)) continue;
        sum += v;
        count++;
      }
      if (count === 0) continue;
      total += sum / count;
      replicatesUsed++;
    }
    return replicatesUsed === 0 ? Number.NaN : total / replicatesUsed;
  };
  // McNemar's units are people: each person's outcome is the majority over the replicates that scored them.
  const majority = (correct: readonly Float64Array[], u: number): boolean => {
    let right = 0;
    let scored = 0;
    for (const c of correct) {
      if (Number.isNaN(c[u]!)) continue;
      scored++;
      right += c[u]!;
    }
    return scored > 0 && right / scored > 0.5;
  };
  const units = people.map((_, u) => u);
  const pairs = discordantPairs(
    units.map((u) => majority(candidateCorrect, u)),
    units.map((u) => majority(referenceCorrect, u)),
  );
  const mcnemar = exactMcNemar(pairs.b, pairs.c, params.alpha);
  const sign =
    B === 0 || people.length === 0
      ? null
      : bootstrapSignTest({
          strata: people.map((r) => `${groupOf(labels, r)}\u0000${labels.y[r]}`),
          candidate: accuracyOn(candidateCorrect),
          reference: accuracyOn(referenceCorrect),
          resamples: B,
          rng: randomStream(`harm/${models[mi]!.label}/${group}`),
          alpha: params.alpha,
        });
  const basis = testPeople[gi]!;
  return {
    model: models[mi]!.label,
    reference: ref.label,
    group,
    metric: "accuracy",
    harmed: mcnemar.harmed,
    mcnemar,
    pAdjusted: mcnemar.pHarm,
    signTest: sign === null ? null : { ...sign, meanDifference: Number.isNaN(sign.meanDifference) ? null : sign.meanDifference, observedDifference: Number.isNaN(sign.observedDifference) ? null : sign.observedDifference },
    basis,
    suppressed: basis < params.minCell,
  };
};

/** Replaces each subgroup's pAdjusted and flag by the adjustment across its model's subgroups. */
export const adjustAcrossSubgroups = (harm: readonly HarmEntry[], params: { readonly alpha: number; readonly adjust: MultiplicityMethod }): HarmEntry[] => {
  const adjusted = new Map<HarmEntry, number>();
  for (const model of new Set(harm.map((h) => h.model))) {
    const family = harm.filter((h) => h.model === model && h.group !== "overall");
    adjustPValues(family.map((h) => h.mcnemar.pHarm), params.adjust).forEach((p, i) => adjusted.set(family[i]!, p));
  }
  return harm.map((h) => {
    const pAdjusted = adjusted.get(h) ?? h.mcnemar.pHarm;
    return { ...h, pAdjusted, harmed: pAdjusted < params.alpha };
  });
};
