/**
 * Rare-combination disclosure (OUR DEFINITION, docs/references.md): over the declared quasi-identifier columns,
 * the combinations of values held by fewer than minCell real training rows are rare; the rate is the share of
 * rare combinations that appear, exactly, in at least one synthetic row. Missing is a value of its own. null when
 * the real rows hold no rare combination.
 */
import type { EncodedTable } from "./encoded-tables.js";

export interface RareCombinations {
  readonly quasiIdentifiers: readonly string[];
  readonly rare: number;
  readonly reproduced: number;
  readonly rate: number | null;
}

/** One key per row: the row's quasi-identifier cells (codes or numbers) joined. */
const rowKeys = (table: EncodedTable, columns: readonly number[]): string[] => {
  const keys = new Array<string>(table.rows);
  for (let r = 0; r < table.rows; r++) {
    let key = "";
    for (const c of columns) key += `${table.cells[c]![r]!}|`;
    keys[r] = key;
  }
  return keys;
};

export const rareCombinationDisclosure = (
  real: EncodedTable,
  synthetic: EncodedTable,
  columns: readonly number[],
  names: readonly string[],
  minCell: number,
): RareCombinations => {
  if (columns.length === 0) return { quasiIdentifiers: names, rare: 0, reproduced: 0, rate: null };
  const counts = new Map<string, number>();
  for (const key of rowKeys(real, columns)) counts.set(key, (counts.get(key) ?? 0) + 1);
  const syntheticKeys = new Set(rowKeys(synthetic, columns));
  let rare = 0;
  let reproduced = 0;
  for (const [key, count] of counts) {
    if (count >= minCell) continue;
    rare++;
    if (syntheticKeys.has(key)) reproduced++;
  }
  return { quasiIdentifiers: names, rare, reproduced, rate: rare === 0 ? null : reproduced / rare };
};
