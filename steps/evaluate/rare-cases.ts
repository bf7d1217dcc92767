/**
 * Rare cases ("The Average Patient Fallacy", Azhir, Murphy & Estiri). The paper names a Rare Case Performance Gap
 * and a Rare-Case Calibration Error without formulas we could retrieve; the formulas here are OUR DEFINITIONS and
 * every report labels them so:
 * - a subgroup is rare when its share of the cohort (its prevalence) is below a threshold;
 * - RCPG (our definition) = M(common cases) − M(rare cases) for a metric M, where the rare cases are the people
 *   of the rare subgroups and the common cases everyone else;
 * - RCCE (our definition) = the expected calibration error (10 equal-width bins) restricted to the rare cases:
 *   the ECE metric of the rare cases taken as one group (subgroup-metrics/rare-cases.ts).
 */

export const OUR_DEFINITION = "our definition";

/** The definitions above in words, for the documents and reports. */
export const RARE_CASES_NOTE =
  "Our definitions (the paper names these measures without formulas we could retrieve): a subgroup is rare when its share of the cohort is below the threshold; " +
  "RCPG = M(common cases) − M(rare cases) for a metric M; RCCE = expected calibration error (10 equal-width bins) on the rare cases only.";

/** The subgroups whose share of the cohort is below `threshold`, in the order given. */
export const rareGroups = (shares: readonly { readonly group: string; readonly share: number }[], threshold: number): string[] =>
  shares.filter((s) => s.share < threshold).map((s) => s.group);

/** RCPG (our definition): M(common) − M(rare); null when either side is undefined. */
export const rarePerformanceGap = (common: number | null, rare: number | null): number | null =>
  common === null || rare === null || Number.isNaN(common) || Number.isNaN(rare) ? null : common - rare;
