/**
 * Prevalence-utility rarity ("The Average Patient Fallacy", Azhir, Murphy & Estiri): a case is rare when it is
 * both uncommon and clinically important. The paper proposes the idea without a formula we could retrieve; the
 * formula here is OUR DEFINITION and every document and report labels it so:
 *   a (subgroup, label) cell is rare when its prevalence (its share of the cohort's rows) is below
 *   `prevalenceBelow` and its declared clinical utility is above `utilityAbove`;
 * a case is rare when its cell is. Cells without a declared utility have utility 1.
 * The utilities are the same declaration the utility sample-weight scheme reads (steps/train/sample-weights.ts),
 * so one study states once how much each cell matters.
 */
import { Schema } from "effect";

/** The declared clinical utility of one (subgroup, label) cell: how much a decision on such a case matters. */
export const CellUtilitySchema = Schema.Struct({
  group: Schema.String,
  label: Schema.Literals([0, 1]),
  utility: Schema.Number.check(Schema.isGreaterThan(0)),
});
export type CellUtility = typeof CellUtilitySchema.Type;

/** A list of cell utilities, each cell at most once. */
export const CellUtilitiesSchema = Schema.Array(CellUtilitySchema).check(
  Schema.isMinLength(1),
  Schema.makeFilter((cells: readonly CellUtility[]) => {
    const keys = cells.map((c) => cellKey(c.group, c.label));
    const twice = cells.find((_, i) => keys.indexOf(keys[i]!) !== i);
    return twice === undefined ? true : `the cell (${JSON.stringify(twice.group)}, ${twice.label}) is declared twice; give each cell one utility`;
  }),
);

export const PrevalenceUtilityRaritySchema = Schema.Struct({
  utilities: CellUtilitiesSchema,
  prevalenceBelow: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true })),
  utilityAbove: Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)),
});
export type PrevalenceUtilityRarity = typeof PrevalenceUtilityRaritySchema.Type;

export const cellKey = (group: string, label: number): string => `${group}\u0000${label}`;

/** The utility of a cell under a declaration: the declared value, or 1. */
export const utilityOf = (utilities: readonly CellUtility[]): ((group: string, label: number) => number) => {
  const byCell = new Map(utilities.map((c) => [cellKey(c.group, c.label), c.utility]));
  return (group, label) => byCell.get(cellKey(group, label)) ?? 1;
};

/** The definition in words, with its thresholds, for documents, plans' readers and Methods text. */
export const rarityDefinitionText = (d: PrevalenceUtilityRarity): string =>
  `Prevalence-utility rarity (our definition; the paper proposes the idea without a formula we could retrieve): a (subgroup, label) cell is rare when its share of the cohort is below ${d.prevalenceBelow} ` +
  `and its declared clinical utility is above ${d.utilityAbove} (undeclared cells have utility 1); declared utilities: ${d.utilities.map((c) => `(${c.group}, ${c.label}) ${c.utility}`).join(", ")}.`;

export interface RarityCell {
  readonly group: string;
  readonly label: 0 | 1;
  readonly n: number;
  readonly prevalence: number;
  readonly utility: number;
  readonly rare: boolean;
}

/**
 * Every (subgroup, label) cell present among the rows (subgroups in `groups` order, label 0 then 1), with its
 * prevalence among those rows, its utility and whether it is rare. Row r is in subgroup groups[code[r]].
 */
export const rarityCells = (d: PrevalenceUtilityRarity, groups: readonly string[], code: ArrayLike<number>, y: ArrayLike<number>): RarityCell[] => {
  const counts = new Int32Array(2 * groups.length);
  for (let r = 0; r < code.length; r++) counts[2 * code[r]! + y[r]!]!++;
  const utility = utilityOf(d.utilities);
  return groups.flatMap((g, gi) =>
    ([0, 1] as const).flatMap((label) => {
      const n = counts[2 * gi + label]!;
      if (n === 0) return [];
      const prevalence = n / code.length;
      const u = utility(g, label);
      return [{ group: g, label, n, prevalence, utility: u, rare: prevalence < d.prevalenceBelow && u > d.utilityAbove }];
    }),
  );
};
