/**
 * Rare cases under OUR DEFINITIONS (../rare-cases.ts): RCPG per model × metric from the rare and common
 * pseudo-groups' scores, with its spread over replicates and its bootstrap interval, and RCCE per model (the ECE
 * of the rare cases as one group).
 */
import { OUR_DEFINITION, RARE_CASES_NOTE, rarePerformanceGap } from "../rare-cases.js";
import { METRIC_NAMES } from "../metrics/registry.js";
import { sampleSd } from "../statistics.js";
import type { Estimate, ModelPredictions, RareCaseEntry, RareCases } from "./document.js";
import type { GroupLayout } from "./groups.js";
import type { Scores } from "./scoring.js";

export const rareCases = (
  layout: GroupLayout,
  subgroups: readonly string[],
  models: readonly ModelPredictions[],
  scores: Scores,
  params: { readonly rareBelow: number; readonly minCell: number },
): RareCases => {
  const { rareIndex, commonIndex, withRare } = layout;
  const { bootMeans, slot } = scores;
  const rcpg: RareCaseEntry[] = [];
  const rcce: (Estimate & { model: string })[] = [];
  if (withRare) {
    models.forEach((m, mi) => {
      METRIC_NAMES.forEach((metric, k) => {
        const common = scores.estimateOf(mi, commonIndex, metric);
        const rare = scores.estimateOf(mi, rareIndex, metric);
        const perRep = scores.point.values[mi]![commonIndex]!.flatMap((c, i) => {
          const gap = rarePerformanceGap(c?.[metric] ?? null, scores.point.values[mi]![rareIndex]![i]?.[metric] ?? null);
          return gap === null ? [] : [gap];
        });
        const basis = Math.min(common.basis, rare.basis);
        rcpg.push({
          model: m.label,
          metric,
          common: common.estimate,
          rare: rare.estimate,
          gap: {
            estimate: rarePerformanceGap(common.estimate, rare.estimate),
            sd: sampleSd(perRep),
            replicates: perRep.length,
            interval: scores.intervalOf(bootMeans.map((a) => rarePerformanceGap(a[slot(mi, commonIndex, k)]!, a[slot(mi, rareIndex, k)]!) ?? Number.NaN)),
            basis,
            suppressed: basis < params.minCell,
          },
        });
      });
      rcce.push({ model: m.label, ...scores.estimateOf(mi, rareIndex, "ece") });
    });
  }
  return {
    definition: OUR_DEFINITION,
    note: RARE_CASES_NOTE,
    threshold: params.rareBelow,
    groups: subgroups.filter((g) => layout.rare.has(g)),
    rareTestN: withRare ? layout.testPeople[rareIndex]! : 0,
    commonTestN: withRare ? layout.testPeople[commonIndex]! : 0,
    rcpg,
    rcce,
  };
};
