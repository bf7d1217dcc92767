/**
 * report.evaluation's prevalence-utility rarity section (our definition, steps/evaluate/prevalence-utility-rarity.ts),
 * present when the evaluation declared one: every (subgroup, label) cell of the cohort with its prevalence, its
 * declared utility and whether it is rare; and the sentence the Methods section records about it.
 *
 * Small-cell suppression (suppression.ts): a cell's count is the subgroup's cohort positives or their complement,
 * so both cells of a subgroup are shown exactly when its cohort positives are. The rare set itself (names only)
 * is always shown: the definition is public and the flag reveals no count finer than "below the threshold".
 */
import type { SubgroupMetricsDoc } from "../evaluate/subgroup-metrics/document.js";
import type { Section } from "./evaluation-view.js";
import { complementCell, fixed, suppressedCell, text } from "./renderer.js";
import { suppression } from "./suppression.js";

const rareList = (doc: SubgroupMetricsDoc): string => {
  const rare = doc.prevalenceUtilityRarity!.cells.filter((c) => c.rare);
  return rare.length === 0 ? "none" : rare.map((c) => `(${c.group}, label ${c.label})`).join(", ");
};

/** The Methods facts sentence: the definition with its thresholds and the resulting rare cells. */
export const rarityFacts = (doc: SubgroupMetricsDoc): string[] =>
  doc.prevalenceUtilityRarity === undefined ? [] : [`${doc.prevalenceUtilityRarity.note} Rare cells of this cohort: ${rareList(doc)}.`];

export const raritySection = (doc: SubgroupMetricsDoc, k: number): Section | null => {
  const rarity = doc.prevalenceUtilityRarity;
  if (rarity === undefined) return null;
  const sup = suppression(doc, k);
  return {
    id: "prevalence-utility-rarity",
    title: "Rare cases by prevalence and utility (our definition)",
    intro: [rarity.note, `Rare cells: ${rareList(doc)}.`],
    charts: [],
    tables: [
      {
        caption: "(Subgroup, label) cells of the cohort",
        header: ["Group", "Label", "Cohort n", "Share of cohort", "Utility", "Rare (our definition)"],
        rows: rarity.cells.map((c) => {
          const v = sup.size(c.group, "cohortPositives");
          const hidden = v === "small" ? suppressedCell(k) : complementCell;
          return [
            text(c.group),
            text(String(c.label)),
            v === "shown" ? text(String(c.n)) : hidden,
            v === "shown" ? text(`${fixed(c.prevalence * 100, 1)}%`) : hidden,
            text(String(c.utility)),
            text(c.rare ? "rare" : "no"),
          ];
        }),
        markdown: true,
      },
    ],
    notes: [],
  };
};
