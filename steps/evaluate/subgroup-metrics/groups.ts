/**
 * Who is evaluated, and in which groups: "overall", the subgroups, and (when some but not all subgroups are rare,
 * our definition in rare-cases.ts) two internal pseudo-groups, the rare and the common cases. Each evaluated
 * person belongs to "overall", their subgroup and, with rare subgroups, one of the two pseudo-groups.
 */
import { type Labels, OVERALL } from "../labels.js";
import { rareGroups } from "../rare-cases.js";
import type { ModelPredictions } from "./document.js";

/** Internal keys of the rare / common pseudo-groups; they never reach the artifact as group names. */
const RARE = "\u0000rare";
const COMMON = "\u0000common";

export interface GroupLayout {
  /** "overall" then the subgroups in code-unit order: the groups of the artifact. */
  readonly groups: readonly string[];
  /** `groups`, then the rare and common pseudo-groups when `withRare`. */
  readonly groupKeys: readonly string[];
  /** Index of a subgroup in groupKeys. */
  readonly groupIndex: ReadonlyMap<string, number>;
  readonly rare: ReadonlySet<string>;
  readonly withRare: boolean;
  readonly rareIndex: number;
  readonly commonIndex: number;
  /** Per table row: the index into groupKeys of its subgroup, and of its rare or common pseudo-group (-1 without). */
  readonly subgroupOfRow: Int32Array;
  readonly pseudoGroupOfRow: Int32Array;
  /** People and positives per subgroup in the cohort (the whole input table). */
  readonly cohortCounts: ReadonlyMap<string, { readonly n: number; readonly positives: number }>;
  /** The evaluated people: every row some replicate of some model predicted, ascending. */
  readonly population: Int32Array;
  /** Distinct evaluated people and positives per group key. */
  readonly testPeople: readonly number[];
  readonly testPositives: readonly number[];
}

export const layoutGroups = (labels: Labels, models: readonly ModelPredictions[], rareBelow: number): GroupLayout => {
  const groups = [OVERALL, ...labels.groups];
  const cohortN = labels.y.length;
  const n = new Int32Array(labels.groups.length);
  const positives = new Int32Array(labels.groups.length);
  for (let r = 0; r < cohortN; r++) {
    n[labels.group[r]!]!++;
    positives[labels.group[r]!]! += labels.y[r]!;
  }
  const cohortCounts = new Map(labels.groups.map((g, c) => [g, { n: n[c]!, positives: positives[c]! }]));
  const rare = new Set(rareGroups(labels.groups.map((g, c) => ({ group: g, share: n[c]! / cohortN })), rareBelow));
  const withRare = rare.size > 0 && rare.size < labels.groups.length;
  const groupKeys = withRare ? [...groups, RARE, COMMON] : groups;
  // Subgroup code c is group key 1 + c ("overall" is key 0).
  const groupIndex = new Map(labels.groups.map((g, c) => [g, 1 + c]));
  const rareIndex = groupKeys.length - 2;
  const commonIndex = groupKeys.length - 1;
  const pseudoGroupOfCode = Int32Array.from(labels.groups, (g) => (!withRare ? -1 : rare.has(g) ? rareIndex : commonIndex));
  const subgroupOfRow = new Int32Array(cohortN);
  const pseudoGroupOfRow = new Int32Array(cohortN);
  for (let r = 0; r < cohortN; r++) {
    subgroupOfRow[r] = 1 + labels.group[r]!;
    pseudoGroupOfRow[r] = pseudoGroupOfCode[labels.group[r]!]!;
  }

  const evaluated = new Uint8Array(cohortN);
  for (const m of models) {
    for (const rep of m.replicates) for (let k = 0; k < rep.rows.length; k++) evaluated[rep.rows[k]!] = 1;
  }
  let evaluatedCount = 0;
  for (let r = 0; r < cohortN; r++) evaluatedCount += evaluated[r]!;
  const population = new Int32Array(evaluatedCount);
  for (let r = 0, i = 0; r < cohortN; r++) if (evaluated[r] === 1) population[i++] = r;

  const testPeople = groupKeys.map(() => 0);
  const testPositives = groupKeys.map(() => 0);
  for (const r of population) {
    for (const gi of [0, subgroupOfRow[r]!, pseudoGroupOfRow[r]!]) {
      if (gi < 0) continue;
      testPeople[gi]!++;
      testPositives[gi]! += labels.y[r]!;
    }
  }
  return { groups, groupKeys, groupIndex, rare, withRare, rareIndex, commonIndex, subgroupOfRow, pseudoGroupOfRow, cohortCounts, population, testPeople, testPositives };
};

/**
 * The bootstrap's strata (subgroup × label) of the evaluated people, as codes for stratifiedSamplerOfCodes:
 * subgroup code × 2 + label. Subgroups are in code-unit order, so the codes' order is the code-unit order of the
 * keys `${subgroup}\u0000${label}` the strata are defined by ("\u0000" sorts below every character of a name).
 */
export const populationStrata = (layout: GroupLayout, labels: Labels): { readonly codes: Int32Array; readonly codeCount: number } => ({
  codes: Int32Array.from(layout.population, (r) => labels.group[r]! * 2 + labels.y[r]!),
  codeCount: labels.groups.length * 2,
});
