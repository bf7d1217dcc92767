/**
 * Small-cell suppression with complementary suppression, the one rule of every report (README "Reliability"):
 *
 * 1. Primary: a value computed on fewer than k people (its basis) is hidden; so is a count under k, and a
 *    positives count whose complement (the negatives) is under k.
 * 2. Complementary: the subgroups partition "overall", so in each column (one count, or one model's metric, gain,
 *    harm test or calibration bin) the overall value minus the shown groups gives the sum over the hidden ones.
 *    When exactly one group of a column is hidden, that sum would be its value: the shown group with the smallest
 *    basis is hidden too (and when no other group is left to hide, the overall value). Two or more hidden cells
 *    only reveal their sum, never one of them.
 *
 * Hidden cells are "small" (primary, shown as "< k") or "complement" (shown as "hidden", as their value may be
 * above k). Whatever depends on a hidden value (a share, a prevalence, a comparison across groups, a calibration
 * curve, a harm or envy flag, an aggregate over rare groups) is hidden with it. HTML, Markdown, charts and JSON all
 * ask this module; `columnVisibility` is the rule itself, for any report whose groups partition "overall".
 */
import type { CalibrationCurve, CalibrationPoint, ComparisonEntry, Estimate, GainEntry, GroupSize, HarmEntry, SubgroupMetricsDoc } from "../evaluate/subgroup-metrics/document.js";
import type { MetricName } from "../evaluate/metrics/registry.js";

export type Visibility = "shown" | "small" | "complement";

export const OVERALL = "overall";

/** One cell of a column: its group ("overall" or a subgroup) and its basis, the fewest people behind it. */
export interface ColumnCell {
  readonly group: string;
  readonly basis: number;
}

/** The rule on one column: each cell's visibility, in the order given. */
export const columnVisibility = (cells: readonly ColumnCell[], k: number): Visibility[] => {
  const visibility: Visibility[] = cells.map((c) => (c.basis < k ? "small" : "shown"));
  const overall = cells.findIndex((c) => c.group === OVERALL);
  if (overall === -1 || visibility[overall] !== "shown") return visibility;
  const subgroups = cells.map((c, i) => ({ ...c, i })).filter((c) => c.group !== OVERALL);
  if (subgroups.filter((c) => visibility[c.i] !== "shown").length !== 1) return visibility;
  const next = subgroups.filter((c) => visibility[c.i] === "shown").sort((a, b) => a.basis - b.basis || (a.group < b.group ? -1 : 1))[0];
  visibility[next?.i ?? overall] = "complement";
  return visibility;
};

/** The stricter of two visibilities: a value derived from both is hidden if either is. */
export const stricter = (a: Visibility, b: Visibility): Visibility => (a === "small" || b === "small" ? "small" : a === "complement" || b === "complement" ? "complement" : "shown");

/** Visibilities of the cells of `entries`, column by column (`columnOf` names an entry's column). */
const byColumn = <E extends { readonly group: string }>(entries: readonly E[], columnOf: (e: E) => string, basis: (e: E) => number, k: number, into: Map<E, Visibility>): void => {
  const columns = new Map<string, E[]>();
  for (const e of entries) columns.set(columnOf(e), [...(columns.get(columnOf(e)) ?? []), e]);
  for (const column of columns.values()) columnVisibility(column.map((e) => ({ group: e.group, basis: basis(e) })), k).forEach((v, i) => into.set(column[i]!, v));
};

export type SizeField = "cohortN" | "cohortPositives" | "testN" | "testPositives";
const SIZE_FIELDS: readonly SizeField[] = ["cohortN", "cohortPositives", "testN", "testPositives"];
const sizeBasis = (s: GroupSize, f: SizeField): number =>
  f === "cohortPositives" ? Math.min(s.cohortPositives, s.cohortN - s.cohortPositives) : f === "testPositives" ? Math.min(s.testPositives, s.testN - s.testPositives) : s[f];

export interface Suppression {
  readonly k: number;
  size(group: string, field: SizeField): Visibility;
  /** A group's share of the cohort (share × everyone = its cohort n). */
  share(group: string): Visibility;
  /** A group's label prevalence on the evaluated people (prevalence × n = its positives). */
  prevalence(group: string): Visibility;
  /** A metric or gain estimate of the document, by identity. */
  estimate(e: Estimate): Visibility;
  /** One model × group × metric, as `estimate` of its result. */
  metric(model: string, group: string, metric: MetricName): Visibility;
  harm(h: HarmEntry): Visibility;
  /** A calibration point: its bin's column across groups, and its group's evaluated n (a hidden group's curve is hidden). */
  calibration(curve: CalibrationCurve, point: CalibrationPoint): Visibility;
  /** A between-group comparison over `groups`: a min or max over groups gives away any hidden one among them. */
  comparison(c: ComparisonEntry, groups: readonly string[]): Visibility;
  /** The rare-case measures: aggregates over the rare and the common groups, which partition "overall". */
  readonly rareCases: Visibility;
  /** A model's net benefit in a group: counts of the same people as its accuracy cell. */
  netBenefit(model: string, group: string): Visibility;
  /** Treat-all's net benefit in a group: its evaluated n and positives. */
  treatAll(group: string): Visibility;
}

export const suppression = (doc: SubgroupMetricsDoc, k: number): Suppression => {
  const sizes = new Map<string, Visibility>();
  for (const f of SIZE_FIELDS) {
    columnVisibility(doc.sizes.map((s) => ({ group: s.group, basis: sizeBasis(s, f) })), k).forEach((v, i) => sizes.set(`${doc.sizes[i]!.group}\u0000${f}`, v));
  }
  const size = (group: string, field: SizeField): Visibility => sizes.get(`${group}\u0000${field}`) ?? "small";

  const metricCells = doc.results.flatMap((r) => Object.entries(r.metrics).map(([metric, e]) => ({ group: r.group, column: `${r.model}\u0000${metric}`, e })));
  const metricMap = new Map<(typeof metricCells)[number], Visibility>();
  byColumn(metricCells, (c) => c.column, (c) => c.e.basis, k, metricMap);
  const estimates = new Map<Estimate, Visibility>();
  for (const [c, v] of metricMap) estimates.set(c.e, v);
  const gainMap = new Map<GainEntry, Visibility>();
  byColumn(doc.gains, (g) => `${g.model}\u0000${g.metric}`, (g) => g.basis, k, gainMap);
  for (const [g, v] of gainMap) estimates.set(g, v);
  const harms = new Map<HarmEntry, Visibility>();
  byColumn(doc.harm, (h) => h.model, (h) => h.basis, k, harms);

  const points = doc.calibration.flatMap((curve) => curve.points.map((point) => ({ group: curve.group, curve, point })));
  const pointMap = new Map<(typeof points)[number], Visibility>();
  byColumn(points, (p) => `${p.curve.model}\u0000${p.point.bin}`, (p) => p.point.people, k, pointMap);
  const calibration = new Map<CalibrationPoint, Visibility>();
  for (const [p, v] of pointMap) calibration.set(p.point, stricter(v, size(p.group, "testN")));

  const estimate = (e: Estimate): Visibility => estimates.get(e) ?? (e.basis < k ? "small" : "shown");
  const metric = (model: string, group: string, m: MetricName): Visibility => {
    const r = doc.results.find((x) => x.model === model && x.group === group);
    return r === undefined ? "small" : estimate(r.metrics[m]);
  };

  const rc = doc.rareCases;
  const subgroups = doc.groups.filter((g) => g !== OVERALL);
  const side = (n: number, groups: readonly string[]): Visibility =>
    n < k ? "small" : groups.some((g) => size(g, "testN") !== "shown") ? "complement" : "shown";
  // Rare and common partition "overall": with one side hidden, overall minus the other would give it.
  const rareCases = rc.groups.length === 0 ? "shown" : stricter(side(rc.rareTestN, rc.groups), side(rc.commonTestN, subgroups.filter((g) => !rc.groups.includes(g))));

  return {
    k,
    size,
    share: (group) => size(group, "cohortN"),
    prevalence: (group) => stricter(size(group, "testN"), size(group, "testPositives")),
    estimate,
    metric,
    harm: (h) => harms.get(h) ?? (h.basis < k ? "small" : "shown"),
    calibration: (curve, point) => calibration.get(point) ?? stricter(point.people < k ? "small" : "shown", size(curve.group, "testN")),
    comparison: (c, groups) => groups.map((g) => metric(c.model, g, c.metric)).reduce(stricter, "shown"),
    rareCases,
    netBenefit: (model, group) => metric(model, group, "accuracy"),
    treatAll: (group) => stricter(size(group, "testN"), size(group, "testPositives")),
  };
};
