/**
 * Multiplicity adjustment of the harm tests across subgroups: testing many subgroups at once makes some small
 * p-value likely by chance alone, so a report that flags harm on any subgroup should decide on adjusted p-values.
 *   holm                 Holm (1979) step-down: controls the family-wise error rate (any false harm flag) at α.
 *   benjamini-hochberg   Benjamini & Hochberg (1995) step-up: controls the false discovery rate at α.
 *   none                 raw p-values.
 * Adjusted p-values are monotone in the raw ones and capped at 1; ties keep their input order, so equal inputs give
 * identical outputs.
 */
import { Schema } from "effect";

export const MULTIPLICITY_METHODS = ["holm", "benjamini-hochberg", "none"] as const;
export type MultiplicityMethod = (typeof MULTIPLICITY_METHODS)[number];
export const MultiplicityMethodSchema = Schema.Literals(MULTIPLICITY_METHODS);

/** How each method reads in a report. */
export const MULTIPLICITY_NAMES: { readonly [M in MultiplicityMethod]: string } = {
  holm: "Holm's step-down adjustment (family-wise error rate)",
  "benjamini-hochberg": "the Benjamini–Hochberg adjustment (false discovery rate)",
  none: "no adjustment for multiple subgroups",
};

/** The adjusted p-values of one family of tests, in input order. */
export const adjustPValues = (p: readonly number[], method: MultiplicityMethod): number[] => {
  const m = p.length;
  if (method === "none" || m === 0) return [...p];
  const order = p.map((_, i) => i).sort((a, b) => p[a]! - p[b]! || a - b);
  const adjusted = new Array<number>(m);
  if (method === "holm") {
    let running = 0;
    order.forEach((i, rank) => {
      running = Math.max(running, Math.min(1, (m - rank) * p[i]!));
      adjusted[i] = running;
    });
  } else {
    let running = 1;
    for (let rank = m - 1; rank >= 0; rank--) {
      const i = order[rank]!;
      running = Math.min(running, (m / (rank + 1)) * p[i]!);
      adjusted[i] = Math.min(1, running);
    }
  }
  return adjusted;
};
