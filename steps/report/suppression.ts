/**
 * Small-cell suppression with complementary suppression, the one rule of every report (README "Reliability"):
 *
 * 1. Primary: a value computed on fewer than k people (its basis) is hidden; so is a count under k, and a
 *    positives count whose complement (the negatives) is under k.
 * 2. Complementary: the subgroups partition "overall", so in each column (one count, or one model's metric, gain
 *    or harm test) the overall value minus the shown groups gives the sum over the hidden ones. When exactly one
 *    group of a column is hidden, that sum would be its value: the shown group with the smallest basis is hidden
 *    too (and when no other group is left to hide, the overall value). Two or more hidden cells only reveal their
 *    sum, never one of them.
 *
 * Hidden cells are "small" (primary, shown as "< k") or "complement" (shown as "hidden", as their value may be
 * above k). Whatever depends on a hidden value (a share, a prevalence, a comparison across groups, a calibration
 * curve, a harm flag) is hidden with it.
 */
import type { Estimate, GainEntry, GroupSize, HarmEntry, SubgroupMetricsDoc } from "../evaluate/subgroup-metrics/document.js";

export type Visibility = "shown" | "small" | "complement";

const OVERALL = "overall";

/**
 * Applies the complementary rule to one column: `cells` are the column's values by group ("overall" included),
 * each with its basis and whether the primary rule hides it.
 */
const column = <T>(cells: readonly { readonly group: string; readonly value: T; readonly basis: number; readonly small: boolean }[], into: Map<T, Visibility>): void => {
  for (const c of cells) into.set(c.value, c.small ? "small" : "shown");
  const groups = cells.filter((c) => c.group !== OVERALL);
  const overall = cells.find((c) => c.group === OVERALL);
  if (overall === undefined || into.get(overall.value) !== "shown") return;
  if (groups.filter((c) => into.get(c.value) !== "shown").length !== 1) return;
  const next = groups.filter((c) => into.get(c.value) === "shown").sort((a, b) => a.basis - b.basis || (a.group < b.group ? -1 : 1))[0];
  into.set(next?.value ?? overall.value, "complement");
};

type SizeField = "cohortN" | "cohortPositives" | "testN" | "testPositives";
const SIZE_FIELDS: readonly SizeField[] = ["cohortN", "cohortPositives", "testN", "testPositives"];
const sizeBasis = (s: GroupSize, f: SizeField): number =>
  f === "cohortPositives" ? Math.min(s.cohortPositives, s.cohortN - s.cohortPositives) : f === "testPositives" ? Math.min(s.testPositives, s.testN - s.testPositives) : s[f];

export interface Suppression {
  readonly k: number;
  size(group: string, field: SizeField): Visibility;
  /** A metric or gain estimate of the document, by identity. */
  estimate(e: Estimate): Visibility;
  harm(h: HarmEntry): Visibility;
}

export const suppression = (doc: SubgroupMetricsDoc, k: number): Suppression => {
  const sizes = new Map<string, Visibility>();
  for (const f of SIZE_FIELDS) {
    column(doc.sizes.map((s) => ({ group: s.group, value: `${s.group}\u0000${f}`, basis: sizeBasis(s, f), small: sizeBasis(s, f) < k })), sizes);
  }
  const estimates = new Map<Estimate, Visibility>();
  const byColumn = <E extends { readonly group: string }>(entries: readonly E[], columnOf: (e: E) => string, basis: (e: E) => number, into: Map<E, Visibility>) => {
    const columns = new Map<string, E[]>();
    for (const e of entries) columns.set(columnOf(e), [...(columns.get(columnOf(e)) ?? []), e]);
    for (const entries of columns.values()) column(entries.map((e) => ({ group: e.group, value: e, basis: basis(e), small: basis(e) < k })), into);
  };
  const metricCells = doc.results.flatMap((r) => Object.entries(r.metrics).map(([metric, e]) => ({ group: r.group, column: `${r.model}\u0000${metric}`, e })));
  const metricMap = new Map<(typeof metricCells)[number], Visibility>();
  byColumn(metricCells, (c) => c.column, (c) => c.e.basis, metricMap);
  for (const [c, v] of metricMap) estimates.set(c.e, v);
  const gainMap = new Map<GainEntry, Visibility>();
  byColumn(doc.gains, (g) => `${g.model}\u0000${g.metric}`, (g) => g.basis, gainMap);
  for (const [g, v] of gainMap) estimates.set(g, v);
  const harms = new Map<HarmEntry, Visibility>();
  byColumn(doc.harm, (h) => h.model, (h) => h.basis, harms);
  return {
    k,
    size: (group, field) => sizes.get(`${group}\u0000${field}`) ?? "small",
    estimate: (e) => estimates.get(e) ?? (e.basis < k ? "small" : "shown"),
    harm: (h) => harms.get(h) ?? (h.basis < k ? "small" : "shown"),
  };
};
