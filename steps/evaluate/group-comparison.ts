/**
 * Between-group comparison of one metric in the sense of Fairlearn's MetricFrame (fairlearn.metrics.MetricFrame):
 * group_min and group_max over the groups; difference "between_groups" = max − min and "to_overall" =
 * max_g |M_g − M_overall|; ratio "between_groups" = min / max and "to_overall" = min_g min(M_g / M_overall,
 * M_overall / M_g). Groups whose value is undefined (null) are left out, as pandas' min and max skip NaN.
 * A ratio is null where Fairlearn's would be NaN (0 / 0), where a value is negative (the ratio of a negative and a
 * positive value measures nothing), and for a metric that declares ratios meaningless (`ratios: false`, e.g. a
 * correlation): the differences are always given. No field is ever ±Infinity or NaN, so a comparison can always
 * be written as canonical JSON.
 */
export interface GroupComparison {
  /** The groups that had a value. */
  readonly groups: readonly string[];
  readonly groupMin: number | null;
  readonly groupMax: number | null;
  readonly argMin: string | null;
  readonly argMax: string | null;
  readonly differenceBetweenGroups: number | null;
  readonly differenceToOverall: number | null;
  readonly ratioBetweenGroups: number | null;
  readonly ratioToOverall: number | null;
}

const finiteOrNull = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);

export const compareGroups = (
  byGroup: readonly { readonly group: string; readonly value: number | null }[],
  overall: number | null,
  options: { readonly ratios: boolean },
): GroupComparison => {
  const present = byGroup.filter((g): g is { group: string; value: number } => g.value !== null && !Number.isNaN(g.value));
  if (present.length === 0) {
    return { groups: [], groupMin: null, groupMax: null, argMin: null, argMax: null, differenceBetweenGroups: null, differenceToOverall: null, ratioBetweenGroups: null, ratioToOverall: null };
  }
  let min = present[0]!;
  let max = present[0]!;
  for (const g of present) {
    if (g.value < min.value) min = g;
    if (g.value > max.value) max = g;
  }
  let differenceToOverall: number | null = null;
  let ratioToOverall: number | null = null;
  if (overall !== null && !Number.isNaN(overall)) {
    differenceToOverall = Math.max(...present.map((g) => Math.abs(g.value - overall)));
  }
  const ratiosDefined = options.ratios && present.every((g) => g.value >= 0);
  if (ratiosDefined && overall !== null && !Number.isNaN(overall) && overall >= 0) {
    // As Fairlearn: r = M_g / M_overall, kept when below 1 and inverted otherwise (x / 0 = ∞ inverts to 0; 0 / 0 is undefined).
    const ratios = present.map((g) => {
      const r = g.value / overall;
      return Number.isNaN(r) ? null : r < 1 ? r : 1 / r;
    });
    ratioToOverall = ratios.includes(null) ? null : Math.min(...(ratios as number[]));
  }
  return {
    groups: present.map((g) => g.group),
    groupMin: min.value,
    groupMax: max.value,
    argMin: min.group,
    argMax: max.group,
    differenceBetweenGroups: max.value - min.value,
    differenceToOverall,
    ratioBetweenGroups: !ratiosDefined || (min.value === 0 && max.value === 0) ? null : finiteOrNull(min.value / max.value),
    ratioToOverall: finiteOrNull(ratioToOverall),
  };
};
