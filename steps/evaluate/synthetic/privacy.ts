/**
 * The privacy section of evaluate.synthetic (docs/references.md, "Synthetic data evaluation"), on the DCR distance
 * of privacy-distances.ts. SDMetrics 0.32's names where it has the measure: the DCR values (calculate_dcr) and
 * DCROverfittingProtection. OUR DEFINITIONS: the holdout baseline (median DCR of holdout rows to the training
 * rows, which a generator that learned the distribution and not the rows should match), NNDR, the exact-copy
 * rates, the distance-based membership-inference AUC and the flags.
 * Tables with more than maxRows rows are compared on a seeded sample of maxRows of their rows (stream
 * "privacy:<table>"): nearest neighbours are exact on the sample, so cost is maxRows² × columns.
 */
import { auroc } from "../metrics/auroc.js";
import type { ColumnSpec, EncodedTable, TableSlot } from "./encoded-tables.js";
import { takeEncodedRows } from "./encoded-tables.js";
import { median, nearestDistances } from "./privacy-distances.js";

/** Thresholds of our flags. */
export const FLAG_RULES = {
  /** Exact copies of training rows above the holdout's own rate by more than this share of rows. */
  exactCopyExcess: 0.01,
  /** Median synthetic DCR below this fraction of the holdout baseline. */
  dcrRatio: 0.5,
  /** Membership-inference AUC above this. */
  membershipAuc: 0.6,
} as const;

export interface PrivacyMeasures {
  readonly rowsCompared: Readonly<Record<TableSlot, number>>;
  readonly sampled: boolean;
  readonly dcr: {
    readonly medianSyntheticToTrain: number | null;
    readonly medianHoldoutToTrain: number | null;
    readonly medianSyntheticToHoldout: number | null;
    /** min(1, median synthetic→train / median holdout→train); null when the baseline is 0. */
    readonly baselineRatio: number | null;
  };
  readonly overfittingProtection: { readonly score: number | null; readonly closerToTraining: number | null };
  readonly nndr: { readonly median: number | null };
  readonly exactCopyRate: number | null;
  readonly holdoutExactCopyRate: number | null;
  readonly membershipInferenceAuc: number | null;
  readonly flags: readonly string[];
}

/** At most maxRows rows of a table, a seeded sample kept in row order. */
const sampleRows = (table: EncodedTable, maxRows: number, random: () => number): EncodedTable => {
  if (table.rows <= maxRows) return table;
  const rows = Int32Array.from({ length: table.rows }, (_, r) => r);
  for (let i = 0; i < maxRows; i++) {
    const j = i + Math.floor(random() * (table.rows - i));
    const t = rows[i]!;
    rows[i] = rows[j]!;
    rows[j] = t;
  }
  return takeEncodedRows(table, rows.subarray(0, maxRows).sort());
};

const shareZero = (values: Float64Array): number | null => {
  if (values.length === 0) return null;
  let zeros = 0;
  for (const v of values) if (v === 0) zeros++;
  return zeros / values.length;
};

/** d1 / d2 per row; a row whose two nearest are both at distance 0 has ratio 1 (our convention: not unique). */
const distanceRatios = (first: Float64Array, second: Float64Array): Float64Array =>
  Float64Array.from(first, (d1, i) => (second[i]! === 0 ? 1 : d1 / second[i]!));

export const privacyMeasures = (
  specs: readonly ColumnSpec[],
  tables: Readonly<Record<TableSlot, EncodedTable>>,
  maxRows: number,
  random: (stream: string) => () => number,
): PrivacyMeasures => {
  const train = sampleRows(tables.real, maxRows, random("privacy:real"));
  const synthetic = sampleRows(tables.synthetic, maxRows, random("privacy:synthetic"));
  const holdout = sampleRows(tables.holdout, maxRows, random("privacy:holdout"));
  const synToTrain = nearestDistances(specs, synthetic, train);
  const synToHoldout = nearestDistances(specs, synthetic, holdout).first;
  const holdoutToTrain = nearestDistances(specs, holdout, train).first;
  const trainToSyn = nearestDistances(specs, train, synthetic).first;
  const holdoutToSyn = nearestDistances(specs, holdout, synthetic).first;

  const medianSyn = median(synToTrain.first);
  const medianHoldout = median(holdoutToTrain);
  const baselineRatio = medianSyn === null || medianHoldout === null || medianHoldout === 0 ? null : Math.min(1, medianSyn / medianHoldout);
  let closer = 0;
  for (let i = 0; i < synthetic.rows; i++) if (synToTrain.first[i]! < synToHoldout[i]!) closer++;
  const closerToTraining = synthetic.rows === 0 ? null : closer / synthetic.rows;
  const labels = [...new Array<number>(train.rows).fill(1), ...new Array<number>(holdout.rows).fill(0)];
  const scores = [...Array.from(trainToSyn, (d) => -d), ...Array.from(holdoutToSyn, (d) => -d)];
  const membershipInferenceAuc = auroc.compute(labels, scores, 0.5);
  const exactCopyRate = shareZero(synToTrain.first);
  const holdoutExactCopyRate = shareZero(holdoutToTrain);

  const flags: string[] = [];
  if (exactCopyRate !== null && exactCopyRate > (holdoutExactCopyRate ?? 0) + FLAG_RULES.exactCopyExcess) flags.push("exact copies of training rows");
  if (baselineRatio !== null && baselineRatio < FLAG_RULES.dcrRatio) flags.push("synthetic rows closer to the training rows than the holdout is");
  if (membershipInferenceAuc !== null && membershipInferenceAuc > FLAG_RULES.membershipAuc) flags.push("membership inference above chance");
  return {
    rowsCompared: { real: train.rows, synthetic: synthetic.rows, holdout: holdout.rows },
    sampled: train !== tables.real || synthetic !== tables.synthetic || holdout !== tables.holdout,
    dcr: { medianSyntheticToTrain: medianSyn, medianHoldoutToTrain: medianHoldout, medianSyntheticToHoldout: median(synToHoldout), baselineRatio },
    overfittingProtection: { score: closerToTraining === null ? null : Math.min((1 - closerToTraining) * 2, 1), closerToTraining },
    nndr: { median: median(distanceRatios(synToTrain.first, synToTrain.second)) },
    exactCopyRate,
    holdoutExactCopyRate,
    membershipInferenceAuc,
    flags,
  };
};
