/**
 * The hybrid check itself: does each person's N-of-1 result confirm what the population model recommends for
 * them? Our definitions (docs/references.md "Hybrid check"):
 *   - the population model recommends the treatment (treatments[1]) when its predicted benefit
 *     P(respond | treatment, x) − P(respond | reference, x) is > 0, else the reference;
 *   - the N-of-1 result recommends the treatment when the deciding N-of-1 benefit (the shrunken effect of
 *     trial.pool by default, or trial.analyze's primary effect) is > 0, else the reference; with a normal
 *     posterior this is P(benefit > 0) > 0.5;
 *   - a person confirms the population model when both recommend the same treatment; the confirmation rate is
 *     the share of people with an N-of-1 result who confirm, with a Wilson interval;
 *   - the population model was confident and wrong for a person when |predicted benefit| ≥ confidentAbove and the
 *     N-of-1 interval lies wholly on the other side of zero.
 * Every figure is computed overall and per subgroup; small-cell visibility follows steps/report/suppression.ts.
 */
import type * as arrow from "apache-arrow";
import { type ColumnData, makeTable } from "../../artifacts/table.js";
import { wilsonInterval } from "../evaluate/wilson.js";
import { OVERALL, type Visibility, columnVisibility, stricter } from "../report/suppression.js";
import { cohenKappa, equalCountBins, leastSquaresLine } from "./hybrid-agreement.js";
import type { HybridDoc, HybridGroup } from "./hybrid-document.js";
import type { HybridRows } from "./hybrid-inputs.js";

export interface HybridCheckParams {
  /** From trial.analyze's summary. */
  readonly reference: string;
  readonly treatment: string;
  readonly better: "higher" | "lower";
  readonly decideBy: "shrunken" | "raw";
  readonly level: number;
  readonly minCell: number;
  readonly confidentAbove: number;
  readonly bins: number;
  readonly listPatients: boolean;
  readonly subgroup?: string | undefined;
}

export const HYBRID_DEFINITIONS = {
  populationRecommends: "The population model recommends the treatment when its predicted benefit P(respond | treatment, x) − P(respond | reference, x) is above 0, else the reference (ours).",
  nof1Recommends: "The N-of-1 result recommends the treatment when the deciding N-of-1 benefit is above 0 (for a normal posterior: P(benefit > 0) > 0.5), else the reference (ours).",
  confirmed: "A person confirms the population model when both recommend the same treatment; the confirmation rate is over people with an N-of-1 result, with a Wilson score interval (ours).",
  confidentWrong: "Confident and wrong: |predicted benefit| ≥ confidentAbove and the N-of-1 interval lies wholly on the other side of zero (ours).",
  calibration: "Calibration: the least-squares line of N-of-1 benefit (outcome scale) on predicted benefit (probability scale), and equal-count bins of predicted benefit; the units differ, so the slope is a scale factor, not 1 when calibrated (ours).",
} as const;

/** Per person, in patients-table order: what decides and what follows. */
interface Decisions {
  readonly benefit: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** 1 where the N-of-1 result exists. */
  readonly analysed: Uint8Array;
  readonly populationTreatment: Uint8Array;
  readonly nof1Treatment: Uint8Array;
  readonly confident: Uint8Array;
  readonly confidentWrong: Uint8Array;
}

const decide = (rows: HybridRows, params: HybridCheckParams): Decisions => {
  const { benefit, lower, upper } = params.decideBy === "shrunken" ? rows.shrunken : rows.raw;
  const n = rows.patients.length;
  const d = {
    benefit,
    lower,
    upper,
    analysed: new Uint8Array(n),
    populationTreatment: new Uint8Array(n),
    nof1Treatment: new Uint8Array(n),
    confident: new Uint8Array(n),
    confidentWrong: new Uint8Array(n),
  };
  for (let r = 0; r < n; r++) {
    const predicted = rows.predicted[r]!;
    d.populationTreatment[r] = predicted > 0 ? 1 : 0;
    if (Number.isNaN(benefit[r]!)) continue;
    d.analysed[r] = 1;
    d.nof1Treatment[r] = benefit[r]! > 0 ? 1 : 0;
    d.confident[r] = Math.abs(predicted) >= params.confidentAbove ? 1 : 0;
    d.confidentWrong[r] = d.confident[r] === 1 && ((predicted > 0 && upper[r]! < 0) || (predicted < 0 && lower[r]! > 0)) ? 1 : 0;
  }
  return d;
};

const finiteOrNull = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);

type GroupFigures = Omit<HybridGroup, "visibility" | "confidentVisibility" | "confidentWrongVisibility" | "bins"> & { readonly bins: Omit<HybridGroup["bins"][number], "visibility">[] };

const groupFigures = (group: string, members: Int32Array, rows: HybridRows, d: Decisions, params: HybridCheckParams): GroupFigures => {
  const counts: [[number, number], [number, number]] = [
    [0, 0],
    [0, 0],
  ];
  let confident = 0;
  let confidentWrong = 0;
  for (const r of members) {
    const row = counts[d.populationTreatment[r]!]!;
    row[d.nof1Treatment[r]!]! += 1;
    confident += d.confident[r]!;
    confidentWrong += d.confidentWrong[r]!;
  }
  const n = members.length;
  const agree = counts[0][0] + counts[1][1];
  const interval = wilsonInterval(agree, n, params.level);
  const kappa = cohenKappa(counts, params.level);
  const line = leastSquaresLine(rows.predicted, d.benefit, members);
  return {
    group,
    n,
    confirmation: { agree, rate: n === 0 ? null : agree / n, lower: interval?.[0] ?? null, upper: interval?.[1] ?? null },
    recommendations: { bothTreatment: counts[1][1], bothReference: counts[0][0], populationOnly: counts[1][0], nof1Only: counts[0][1] },
    kappa: { kappa: finiteOrNull(kappa.kappa), se: finiteOrNull(kappa.se), lower: finiteOrNull(kappa.lower), upper: finiteOrNull(kappa.upper) },
    calibration: { slope: finiteOrNull(line.slope), intercept: finiteOrNull(line.intercept), slopeSe: finiteOrNull(line.slopeSe), correlation: finiteOrNull(line.correlation) },
    bins: equalCountBins(rows.predicted, d.benefit, members, params.bins).map((b) => ({
      bin: b.bin,
      n: b.n,
      predictedMin: b.xMin,
      predictedMax: b.xMax,
      meanPredicted: b.meanX,
      meanBenefit: b.meanY,
      shareBenefit: b.sharePositive,
    })),
    confident,
    confidentWrong,
  };
};

/** Visibility of one column across the groups (overall and the subgroups partition each other). */
const visibilities = (figures: readonly GroupFigures[], basis: (g: GroupFigures) => number, k: number): Visibility[] => columnVisibility(figures.map((g) => ({ group: g.group, basis: basis(g) })), k);

/** The hybrid document and the per-person agreement table. */
export const hybridCheck = (rows: HybridRows, params: HybridCheckParams): { readonly doc: HybridDoc; readonly agreement: arrow.Table } => {
  const d = decide(rows, params);
  const n = rows.patients.length;
  const membersOf = (code: number | null): Int32Array => {
    const out: number[] = [];
    for (let r = 0; r < n; r++) if (d.analysed[r] === 1 && (code === null || rows.subgroup[r] === code)) out.push(r);
    return Int32Array.from(out);
  };
  const figures = [groupFigures(OVERALL, membersOf(null), rows, d, params), ...rows.subgroups.map((g, code) => groupFigures(g, membersOf(code), rows, d, params))];
  const k = params.minCell;
  const group = visibilities(figures, (g) => g.n, k);
  const confident = visibilities(figures, (g) => g.confident, k);
  const confidentWrong = visibilities(figures, (g) => g.confidentWrong, k);
  const groups: HybridGroup[] = figures.map((g, i) => {
    // A group's bins partition it: the group's total stands in for "overall" in each bin column.
    const binVisibility = columnVisibility([{ group: OVERALL, basis: g.n }, ...g.bins.map((b) => ({ group: `bin ${b.bin}`, basis: b.n }))], k).slice(1);
    return {
      ...g,
      visibility: group[i]!,
      bins: g.bins.map((b, j) => ({ ...b, visibility: stricter(binVisibility[j]!, group[i]!) })),
      confidentVisibility: stricter(confident[i]!, group[i]!),
      confidentWrongVisibility: stricter(confidentWrong[i]!, group[i]!),
    };
  });
  const analysed = figures[0]!.n;
  const wrongIds = rows.patients.filter((_, r) => d.confidentWrong[r] === 1);
  const doc: HybridDoc = {
    format: "strata-trial-hybrid/1",
    reference: params.reference,
    treatment: params.treatment,
    params: {
      better: params.better,
      decideBy: params.decideBy,
      level: params.level,
      minCell: params.minCell,
      confidentAbove: params.confidentAbove,
      bins: params.bins,
      listPatients: params.listPatients,
      subgroup: params.subgroup ?? null,
    },
    definitions: HYBRID_DEFINITIONS,
    patients: n,
    analysed,
    excluded: n - analysed,
    groups,
    confidentWrongPatients: params.listPatients ? wrongIds : null,
  };
  return { doc, agreement: agreementTable(rows, d, params) };
};

/** One row per person of the patients table: the prediction, the deciding N-of-1 result and both recommendations. */
const agreementTable = (rows: HybridRows, d: Decisions, params: HybridCheckParams): arrow.Table => {
  const orNull = (v: number) => (Number.isNaN(v) ? null : v);
  const ifAnalysed = (flags: Uint8Array) => Array.from(flags, (v, r) => (d.analysed[r] === 1 ? v : null));
  const columns: ColumnData[] = [{ name: "patient", type: "string", values: rows.patients }];
  if (params.subgroup !== undefined) columns.push({ name: params.subgroup, type: "string", values: Array.from(rows.subgroup, (c) => rows.subgroups[c]!) });
  columns.push(
    { name: "p_reference", type: "float", values: rows.pReference },
    { name: "p_treatment", type: "float", values: rows.pTreatment },
    { name: "predicted_benefit", type: "float", values: rows.predicted },
    { name: "nof1_benefit", type: "float", values: Array.from(d.benefit, orNull) },
    { name: "nof1_lower", type: "float", values: Array.from(d.lower, orNull) },
    { name: "nof1_upper", type: "float", values: Array.from(d.upper, orNull) },
    { name: "population_recommends_treatment", type: "int", values: d.populationTreatment },
    { name: "nof1_recommends_treatment", type: "int", values: ifAnalysed(d.nof1Treatment) },
    { name: "confirmed", type: "int", values: Array.from(d.analysed, (a, r) => (a === 1 ? (d.populationTreatment[r] === d.nof1Treatment[r] ? 1 : 0) : null)) },
    { name: "confident_wrong", type: "int", values: ifAnalysed(d.confidentWrong) },
  );
  return makeTable(columns);
};
