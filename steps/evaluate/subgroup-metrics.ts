/**
 * evaluate.subgroup-metrics: the depth evaluation of one or more models' predictions, overall and per subgroup.
 *
 * For each model × group × replicate (seed × fold) it computes every metric of metric-set.ts on that replicate's
 * test rows of the group. A point estimate is the mean over the replicates, with the sample sd across them (the
 * paper's "mean ± sd over 5 seeds × 5 folds"). Uncertainty about the test sample comes from a seeded bootstrap:
 * each resample draws the evaluated people with replacement within each subgroup × label stratum (so every group
 * keeps its size and class balance), and every replicate of every model is scored on the same resample, so gains
 * are paired. Percentile intervals are taken over the resamples for every metric, gain, group comparison, RCPG and
 * RCCE; proportions also get a Wilson interval.
 *
 * Also: Fairlearn-style differences and ratios between groups (group-comparison.ts), gains per subgroup against a
 * reference model paired by replicate (gain.ts), rare subgroups and RCPG / RCCE under OUR DEFINITIONS
 * (rare-cases.ts), harm tests per candidate model × group with the exact McNemar test and the paired bootstrap
 * sign test of harm.ts (see HARM_RULE for which one decides the flag), and per-cell small-cell suppression flags: every value records its basis (the fewest people it
 * was computed on in any replicate) and is flagged suppressed when that basis is below `minCell`. The artifact
 * keeps the full values; the reports print "< minCell" for flagged cells.
 */
import { Effect, Schema } from "effect";
import type * as arrow from "apache-arrow";
import { tableColumns } from "../../artifacts/table.js";
import type { Columns, MetricsHandle, PredictionsHandle, TableHandle } from "../../dsl/handles.js";
import { type JsonValue, type StepContext, defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { percentileInterval, stratifiedResample } from "./bootstrap.js";
import { type CalibrationBin, binOf, calibration } from "./calibration.js";
import { type GroupComparison, compareGroups } from "./group-comparison.js";
import { gainOf, pairedGain } from "./gain.js";
import { type BootstrapSignResult, type McNemarResult, bootstrapSignTest, discordantPairs, exactMcNemar } from "./harm.js";
import { METRIC_INFO, METRIC_NAMES, type MetricName, type MetricValues } from "./metric-set.js";
import { mean, sampleSd } from "./metrics.js";
import { OUR_DEFINITION, rareGroups } from "./rare-cases.js";
import { type SortedRows, sortRows, weightedMetrics } from "./weighted-metrics.js";
import { wilsonInterval } from "./wilson.js";
import { type Labels, OVERALL, readLabels } from "./labelled-predictions.js";


const Probability = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }));
const Params = Schema.Struct({
  /** One label per entry of the predictions list, in the same order. */
  models: Schema.Array(Schema.String.check(Schema.isMinLength(1))).check(Schema.isMinLength(1), Schema.isUnique()),
  /** The model gains are measured against (e.g. the generic model); one of `models`. Without it: no gains. */
  reference: Schema.optional(Schema.String),
  target: Schema.String,
  subgroup: Schema.String,
  /** A prediction is positive when prob ≥ threshold. */
  threshold: Probability.pipe(Schema.withDecodingDefaultKey(Effect.succeed(0.5))),
  /** Bootstrap resamples; 0 turns intervals off. */
  resamples: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 100_000 })).pipe(Schema.withDecodingDefaultKey(Effect.succeed(1000))),
  /** Confidence level of the bootstrap and Wilson intervals. */
  level: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(0.95)),
  ),
  /** Cells computed on fewer people than this are flagged suppressed (reports show "< minCell"). */
  minCell: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(10))),
  /** A subgroup whose share of the cohort is below this is rare (our definition, see rare-cases.ts). */
  rareBelow: Probability.pipe(Schema.withDecodingDefaultKey(Effect.succeed(0.1))),
  /** Significance level of the harm tests. */
  alpha: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(0.05)),
  ),
});
export type SubgroupMetricsParams = typeof Params.Type;

type Interval = readonly [number, number] | null;

/** One reported number: the mean over replicates with its spread, intervals and suppression flag. */
export interface Estimate {
  readonly estimate: number | null;
  /** Sample sd across replicates; null for fewer than two. */
  readonly sd: number | null;
  /** Replicates with a value. */
  readonly replicates: number;
  /** Bootstrap percentile interval. */
  readonly interval: Interval;
  /** Wilson interval for proportions, at the mean per-replicate denominator. */
  readonly wilson?: Interval;
  /** The fewest people the value was computed on in any replicate. */
  readonly basis: number;
  readonly suppressed: boolean;
}

export interface GroupSize {
  readonly group: string;
  /** People in the cohort (the input table) and positives among them. */
  readonly cohortN: number;
  readonly cohortPositives: number;
  /** cohortN / everyone: the subgroup's prevalence in the cohort, with its Wilson interval. */
  readonly share: number;
  readonly shareInterval: Interval;
  /** Distinct people evaluated (predicted by some replicate), positives among them, and the label prevalence. */
  readonly testN: number;
  readonly testPositives: number;
  readonly testPrevalence: number | null;
  readonly testPrevalenceInterval: Interval;
  readonly rare: boolean;
  /** Per count: true when the count, or for positives the count or its complement, is below minCell. */
  readonly suppressed: { readonly cohortN: boolean; readonly cohortPositives: boolean; readonly testN: boolean; readonly testPositives: boolean };
}

export interface ModelGroupMetrics {
  readonly model: string;
  readonly group: string;
  readonly testN: number;
  readonly metrics: { readonly [M in MetricName]: Estimate };
}

export interface CalibrationPoint extends CalibrationBin {
  /** Distinct people behind the point (n counts predictions, pooled over replicates). */
  readonly people: number;
  readonly suppressed: boolean;
}

export interface CalibrationCurve {
  readonly model: string;
  readonly group: string;
  /** The group has fewer than minCell test people. */
  readonly suppressed: boolean;
  /** Pooled over all replicates' predictions; bins with fewer than minCell people are flagged. */
  readonly points: readonly CalibrationPoint[];
}

export interface ComparisonEntry {
  readonly model: string;
  readonly metric: MetricName;
  /** Over every subgroup (Fairlearn's MetricFrame on these groups), with bootstrap intervals. */
  readonly all: GroupComparison & {
    readonly intervals: { readonly differenceBetweenGroups: Interval; readonly differenceToOverall: Interval; readonly ratioBetweenGroups: Interval; readonly ratioToOverall: Interval };
  };
  /** True when a group in `all` has a suppressed cell: its extremes could reveal a small group's value. */
  readonly suppressed: boolean;
  /** Over the subgroups whose cell is not suppressed only: what reports may print. */
  readonly reportable: GroupComparison;
}

export interface GainEntry extends Estimate {
  readonly model: string;
  readonly reference: string;
  readonly group: string;
  readonly metric: MetricName;
  /** Share of paired replicates in which the model did worse than the reference. */
  readonly fractionNegative: number | null;
}

export const HARM_RULE =
  "A group is flagged harmed when the exact McNemar test (one-sided, harm direction) on its people is significant at alpha; " +
  "each person's outcome per model is the majority over the replicates that scored them (people are the independent units). " +
  "The paired bootstrap sign test (resamples stratified by group × label, accuracy averaged over replicates) is reported beside it; " +
  "its p-value shrinks as the number of resamples grows, so it describes the bootstrap distribution rather than deciding.";

export interface HarmEntry {
  readonly model: string;
  readonly reference: string;
  readonly group: string;
  readonly metric: "accuracy";
  /** The flag: exactMcNemar's harmed (p < alpha). */
  readonly harmed: boolean;
  readonly mcnemar: McNemarResult;
  /** null without resamples. NaN differences are stored as null. */
  readonly signTest: (Omit<BootstrapSignResult, "meanDifference" | "observedDifference"> & { readonly meanDifference: number | null; readonly observedDifference: number | null }) | null;
  readonly basis: number;
  readonly suppressed: boolean;
}

export interface RareCaseEntry {
  readonly model: string;
  readonly metric: MetricName;
  readonly common: number | null;
  readonly rare: number | null;
  /** RCPG (our definition) = M(common) − M(rare). */
  readonly gap: Estimate;
}

export interface RareCases {
  readonly definition: typeof OUR_DEFINITION;
  readonly note: string;
  readonly threshold: number;
  readonly groups: readonly string[];
  readonly rareTestN: number;
  readonly commonTestN: number;
  /** RCPG per model × metric; empty when no subgroup is rare. */
  readonly rcpg: readonly RareCaseEntry[];
  /** RCCE (our definition): ECE on the rare cases only, per model. */
  readonly rcce: readonly (Estimate & { readonly model: string })[];
}

export interface ReplicateEntry {
  readonly model: string;
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly group: string;
  readonly n: number;
  readonly values: MetricValues;
}

export interface SubgroupMetricsDoc {
  readonly format: "strata-metrics/1";
  readonly metric: "subgroup-metrics";
  readonly params: {
    readonly threshold: number;
    readonly resamples: number;
    readonly level: number;
    readonly minCell: number;
    readonly rareBelow: number;
    readonly alpha: number;
    readonly reference: string | null;
  };
  /** Digests of the artifacts evaluated: the data the report's provenance footer cites. */
  readonly inputs: { readonly table: string; readonly predictions: { readonly [model: string]: string } };
  readonly metricInfo: typeof METRIC_INFO;
  readonly models: readonly string[];
  /** "overall" then the subgroups in code-unit order. */
  readonly groups: readonly string[];
  readonly replicates: number;
  readonly sizes: readonly GroupSize[];
  readonly results: readonly ModelGroupMetrics[];
  readonly calibration: readonly CalibrationCurve[];
  readonly comparisons: readonly ComparisonEntry[];
  readonly gains: readonly GainEntry[];
  /** Harm tests per candidate model × group (empty without a reference). */
  readonly harm: readonly HarmEntry[];
  /** How `harmed` is decided, in words for the reports. */
  readonly harmRule: string;
  readonly rareCases: RareCases;
  readonly perReplicate: readonly ReplicateEntry[];
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the inputs

/** One replicate of one model: P(y = 1) per table row, NaN where the replicate did not predict the row. */
export interface ReplicatePredictions {
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly prob: Float64Array;
}

export interface ModelPredictions {
  readonly label: string;
  /** Ascending replicate ids. */
  readonly replicates: readonly ReplicatePredictions[];
}

const readPredictions = (table: arrow.Table, tableRows: number, field: string, ctx: StepContext): ReplicatePredictions[] => {
  const columns = new Map(tableColumns(table).map((c) => [c.name, c]));
  const need = (name: string, type: "int" | "float") => {
    const col = columns.get(name);
    if (col === undefined || col.type !== type) {
      ctx.fail(field, `expected predictions with int replicate, seed, fold, row and float prob columns; column ${JSON.stringify(name)} is ${col === undefined ? "missing" : col.type}`);
    }
    return col.values;
  };
  const [replicate, seed, fold, row, prob] = [need("replicate", "int"), need("seed", "int"), need("fold", "int"), need("row", "int"), need("prob", "float")];
  const byReplicate = new Map<number, { seed: number; fold: number; prob: Float64Array }>();
  for (let i = 0; i < table.numRows; i++) {
    const [rep, s, f, r, p] = [replicate[i], seed[i], fold[i], row[i], prob[i]];
    if (typeof rep !== "number" || typeof s !== "number" || typeof f !== "number" || typeof r !== "number" || typeof p !== "number") {
      ctx.fail(field, `prediction line ${i} has a null cell`);
    }
    if (r < 0 || r >= tableRows) ctx.fail(field, `prediction line ${i} names row ${r}, but the table has ${tableRows} rows; were the predictions made on this table?`);
    if (!(p >= 0 && p <= 1)) ctx.fail(field, `prediction line ${i} has prob ${p}; expected a probability in [0, 1]`);
    let entry = byReplicate.get(rep);
    if (entry === undefined) {
      entry = { seed: s, fold: f, prob: new Float64Array(tableRows).fill(Number.NaN) };
      byReplicate.set(rep, entry);
    } else if (entry.seed !== s || entry.fold !== f) {
      ctx.fail(field, `replicate ${rep} has lines with seed ${entry.seed}, fold ${entry.fold} and with seed ${s}, fold ${f}; a replicate is one seed and one fold`);
    }
    if (!Number.isNaN(entry.prob[r]!)) ctx.fail(field, `replicate ${rep} predicts row ${r} twice`);
    entry.prob[r] = p;
  }
  if (byReplicate.size === 0) ctx.fail(field, "the predictions table is empty");
  return [...byReplicate.entries()].sort(([a], [b]) => a - b).map(([id, e]) => ({ replicate: id, ...e }));
};

// ---------------------------------------------------------------------------------------------------------------
// Scoring one sample of people (the evaluated people themselves, or a bootstrap resample of them)

/** Internal keys of the rare / common pseudo-groups; they never reach the artifact as group names. */
const RARE = "\u0000rare";
const COMMON = "\u0000common";

interface Scored {
  /** [model][group][replicate]: the metric values, or null when the replicate has no rows of the group. */
  readonly values: (MetricValues | null)[][][];
  /** [model][group][replicate]: people behind each basis. */
  readonly basis: ({ n: number; positives: number; negatives: number; predictedPositives: number; predictedNegatives: number } | null)[][][];
}

/** [model][group key][replicate]: that replicate's evaluated rows of the group, sorted once for the fast path. */
type Prepared = (SortedRows | null)[][][];

const prepare = (
  population: readonly number[],
  labels: Labels,
  groupKeys: readonly string[],
  groupOfRow: (row: number) => readonly number[],
  models: readonly ModelPredictions[],
): Prepared =>
  models.map((model) =>
    groupKeys.map((_, gi) =>
      model.replicates.map((rep) => {
        const person: number[] = [];
        const y: number[] = [];
        const p: number[] = [];
        population.forEach((r, i) => {
          const prob = rep.prob[r]!;
          if (Number.isNaN(prob) || !groupOfRow(r).includes(gi)) return;
          person.push(i);
          y.push(labels.y[r]!);
          p.push(prob);
        });
        return person.length === 0 ? null : sortRows(person, y, p);
      }),
    ),
  );

/** Scores every model × group × replicate on one sample, given as a weight (draw count) per evaluated person. */
const scoreSample = (prepared: Prepared, weights: ArrayLike<number>, threshold: number): Scored => {
  const values: Scored["values"] = [];
  const basis: Scored["basis"] = [];
  for (const model of prepared) {
    const mv: Scored["values"][number] = [];
    const mb: Scored["basis"][number] = [];
    for (const group of model) {
      const gv: Scored["values"][number][number] = [];
      const gb: Scored["basis"][number][number] = [];
      for (const rows of group) {
        const m = rows === null ? null : weightedMetrics(rows, weights, threshold);
        gv.push(m === null ? null : m.values);
        gb.push(m === null ? null : m.basis);
      }
      mv.push(gv);
      mb.push(gb);
    }
    values.push(mv);
    basis.push(mb);
  }
  return { values, basis };
};

const meanOver = (entries: readonly (MetricValues | null)[], metric: MetricName): number | null => {
  let sum = 0;
  let count = 0;
  for (const e of entries) {
    const v = e === null ? null : e[metric];
    if (v === null) continue;
    sum += v;
    count++;
  }
  return count === 0 ? null : sum / count;
};

/** Mean over replicate pairs (same replicate id) of the model's gain over the reference. */
const meanGain = (model: readonly (MetricValues | null)[], reference: readonly (MetricValues | null)[], pairs: readonly (readonly [number, number])[], metric: MetricName): number | null => {
  const gains: number[] = [];
  for (const [i, j] of pairs) {
    const v = model[i]?.[metric];
    const r = reference[j]?.[metric];
    if (v === null || v === undefined || r === null || r === undefined) continue;
    gains.push(gainOf(v, r, METRIC_INFO[metric].higherIsBetter));
  }
  return mean(gains);
};

// ---------------------------------------------------------------------------------------------------------------
// The evaluation

export interface EvaluationInput {
  readonly labels: Labels;
  readonly models: readonly ModelPredictions[];
  readonly digests: SubgroupMetricsDoc["inputs"];
}

export const computeSubgroupMetrics = (
  input: EvaluationInput,
  params: SubgroupMetricsParams,
  /** A seeded stream by name (ctx.random in the step). */
  randomStream: (stream: string) => () => number,
  progress: (done: number, total: number) => void = () => {},
): SubgroupMetricsDoc => {
  const { labels, models } = input;
  const { minCell, level } = params;
  const groups = [OVERALL, ...labels.groups];
  const cohortN = labels.y.length;

  // Rare subgroups (our definition): share of the cohort below the threshold.
  const cohortCounts = new Map(labels.groups.map((g) => [g, { n: 0, positives: 0 }]));
  labels.group.forEach((g, r) => {
    const c = cohortCounts.get(g)!;
    c.n++;
    c.positives += labels.y[r]!;
  });
  const rare = new Set(rareGroups(labels.groups.map((g) => ({ group: g, share: cohortCounts.get(g)!.n / cohortN })), params.rareBelow));
  const withRare = rare.size > 0 && rare.size < labels.groups.length;
  const groupKeys = withRare ? [...groups, RARE, COMMON] : groups;
  const groupIndex = new Map(labels.groups.map((g) => [g, groupKeys.indexOf(g)]));
  const groupOfRow = (r: number): readonly number[] => {
    const g = labels.group[r]!;
    const own = groupIndex.get(g)!;
    return withRare ? [0, own, rare.has(g) ? groupKeys.length - 2 : groupKeys.length - 1] : [0, own];
  };

  // The evaluated people: every row some replicate of some model predicted, ascending.
  const evaluated = new Set<number>();
  for (const m of models) for (const rep of m.replicates) rep.prob.forEach((p, r) => void (Number.isNaN(p) ? 0 : evaluated.add(r)));
  const population = [...evaluated].sort((a, b) => a - b);

  // Replicate pairs for gains: same replicate id (checked to be the same seed and fold).
  const referenceIndex = params.reference === undefined ? -1 : models.findIndex((m) => m.label === params.reference);
  const pairsOf = (mi: number): (readonly [number, number])[] => {
    if (referenceIndex < 0) return [];
    const ref = models[referenceIndex]!;
    const byId = new Map(ref.replicates.map((r, j) => [r.replicate, j]));
    return models[mi]!.replicates.flatMap((r, i) => {
      const j = byId.get(r.replicate);
      return j === undefined ? [] : [[i, j] as const];
    });
  };
  const pairs = models.map((_, mi) => pairsOf(mi));
  const gainModels = referenceIndex < 0 ? [] : models.map((_, mi) => mi).filter((mi) => mi !== referenceIndex);

  // Point estimates.
  const prepared = prepare(population, labels, groupKeys, groupOfRow, models);
  const point = scoreSample(prepared, new Int32Array(population.length).fill(1), params.threshold);

  // Bootstrap: resample people within subgroup × label strata; store each resample's means and gains.
  const B = params.resamples;
  const random = randomStream("bootstrap");
  const strata = population.map((r) => `${labels.group[r]}\u0000${labels.y[r]}`);
  const G = groupKeys.length;
  const M = METRIC_NAMES.length;
  const slot = (mi: number, gi: number, k: number) => (mi * G + gi) * M + k;
  const bootMeans: Float64Array[] = [];
  const bootGains: Float64Array[] = [];
  for (let b = 0; b < B; b++) {
    const weights = new Int32Array(population.length);
    for (const i of stratifiedResample(strata, random)) weights[i]!++;
    const scored = scoreSample(prepared, weights, params.threshold);
    const means = new Float64Array(models.length * G * M).fill(Number.NaN);
    const gains = new Float64Array(models.length * G * M).fill(Number.NaN);
    for (let mi = 0; mi < models.length; mi++) {
      for (let gi = 0; gi < G; gi++) {
        METRIC_NAMES.forEach((metric, k) => {
          means[slot(mi, gi, k)] = meanOver(scored.values[mi]![gi]!, metric) ?? Number.NaN;
          if (gainModels.includes(mi)) {
            gains[slot(mi, gi, k)] = meanGain(scored.values[mi]![gi]!, scored.values[referenceIndex]![gi]!, pairs[mi]!, metric) ?? Number.NaN;
          }
        });
      }
    }
    bootMeans.push(means);
    bootGains.push(gains);
    progress(b + 1, B);
  }
  const intervalOf = (series: readonly number[]): Interval => (B === 0 ? null : percentileInterval(series.map((v) => (Number.isNaN(v) ? null : v)), level));
  const bootSeries = (source: readonly Float64Array[], mi: number, gi: number, k: number): number[] => source.map((a) => a[slot(mi, gi, k)]!);

  // Basis of a cell: the fewest people behind it in any replicate that had rows of the group.
  const basisOf = (mi: number, gi: number, metric: MetricName): number => {
    const present = point.basis[mi]![gi]!.filter((b) => b !== null);
    return present.length === 0 ? 0 : Math.min(...present.map((b) => b![METRIC_INFO[metric].basis]));
  };
  const meanBasisOf = (mi: number, gi: number, metric: MetricName): number =>
    mean(point.basis[mi]![gi]!.filter((b) => b !== null).map((b) => b![METRIC_INFO[metric].basis])) ?? 0;

  const estimateOf = (mi: number, gi: number, metric: MetricName): Estimate => {
    const k = METRIC_NAMES.indexOf(metric);
    const perRep = point.values[mi]![gi]!.flatMap((v) => (v === null || v[metric] === null ? [] : [v[metric]!]));
    const estimate = mean(perRep);
    const basis = basisOf(mi, gi, metric);
    const e: Estimate = {
      estimate,
      sd: sampleSd(perRep),
      replicates: perRep.length,
      interval: intervalOf(bootSeries(bootMeans, mi, gi, k)),
      basis,
      suppressed: basis < minCell,
    };
    if (!METRIC_INFO[metric].proportion) return e;
    const denominator = meanBasisOf(mi, gi, metric);
    return { ...e, wilson: estimate === null ? null : wilsonInterval(estimate * denominator, denominator, level) };
  };

  // Distinct evaluated people per group key.
  const testPeople = groupKeys.map(() => 0);
  const testPositives = groupKeys.map(() => 0);
  for (const r of population) {
    for (const gi of groupOfRow(r)) {
      testPeople[gi]!++;
      testPositives[gi]! += labels.y[r]!;
    }
  }

  const sizes: GroupSize[] = groups.map((group, gi) => {
    const c = group === OVERALL ? { n: cohortN, positives: labels.y.reduce((s, v) => s + v, 0) } : cohortCounts.get(group)!;
    const tn = testPeople[gi]!;
    const tp = testPositives[gi]!;
    return {
      group,
      cohortN: c.n,
      cohortPositives: c.positives,
      share: c.n / cohortN,
      shareInterval: wilsonInterval(c.n, cohortN, level),
      testN: tn,
      testPositives: tp,
      testPrevalence: tn === 0 ? null : tp / tn,
      testPrevalenceInterval: wilsonInterval(tp, tn, level),
      rare: rare.has(group),
      suppressed: {
        cohortN: c.n < minCell,
        cohortPositives: c.positives < minCell || c.n - c.positives < minCell,
        testN: tn < minCell,
        testPositives: tp < minCell || tn - tp < minCell,
      },
    };
  });

  const results: ModelGroupMetrics[] = [];
  models.forEach((m, mi) =>
    groups.forEach((group, gi) => {
      const metrics = Object.fromEntries(METRIC_NAMES.map((metric) => [metric, estimateOf(mi, gi, metric)])) as { [K in MetricName]: Estimate };
      results.push({ model: m.label, group, testN: testPeople[gi]!, metrics });
    }),
  );

  // Calibration curves pooled over replicates, with the distinct people behind each bin.
  const calibrationCurves: CalibrationCurve[] = [];
  models.forEach((m) =>
    groups.forEach((group, gi) => {
      const y: number[] = [];
      const p: number[] = [];
      const people = new Map<number, Set<number>>();
      for (const rep of m.replicates) {
        for (const r of population) {
          if (gi !== 0 && labels.group[r] !== group) continue;
          const prob = rep.prob[r]!;
          if (Number.isNaN(prob)) continue;
          y.push(labels.y[r]!);
          p.push(prob);
          const bin = binOf(prob, 10);
          (people.get(bin) ?? people.set(bin, new Set()).get(bin)!).add(r);
        }
      }
      const curve = calibration(y, p, 10);
      calibrationCurves.push({
        model: m.label,
        group,
        suppressed: testPeople[gi]! < minCell,
        points: curve.bins.map((b) => {
          const count = people.get(b.bin)?.size ?? 0;
          return { ...b, people: count, suppressed: count < minCell };
        }),
      });
    }),
  );

  // Fairlearn-style comparisons over the subgroups (not "overall"), per model × metric.
  const subgroupIndices = labels.groups.map((g) => groupIndex.get(g)!);
  const comparisons: ComparisonEntry[] = [];
  models.forEach((m, mi) =>
    METRIC_NAMES.forEach((metric, k) => {
      const cells = subgroupIndices.map((gi) => ({ group: groupKeys[gi]!, estimate: estimateOf(mi, gi, metric) }));
      const overall = estimateOf(mi, 0, metric).estimate;
      const all = compareGroups(cells.map((c) => ({ group: c.group, value: c.estimate.estimate })), overall);
      const boot = bootMeans.map((a) =>
        compareGroups(
          subgroupIndices.map((gi) => ({ group: groupKeys[gi]!, value: Number.isNaN(a[slot(mi, gi, k)]!) ? null : a[slot(mi, gi, k)]! })),
          Number.isNaN(a[slot(mi, 0, k)]!) ? null : a[slot(mi, 0, k)]!,
        ),
      );
      const iv = (pick: (c: GroupComparison) => number | null): Interval => (B === 0 ? null : percentileInterval(boot.map(pick), level));
      const visible = cells.filter((c) => !c.estimate.suppressed);
      comparisons.push({
        model: m.label,
        metric,
        all: {
          ...all,
          intervals: {
            differenceBetweenGroups: iv((c) => c.differenceBetweenGroups),
            differenceToOverall: iv((c) => c.differenceToOverall),
            ratioBetweenGroups: iv((c) => c.ratioBetweenGroups),
            ratioToOverall: iv((c) => c.ratioToOverall),
          },
        },
        suppressed: cells.some((c) => c.estimate.suppressed && c.estimate.estimate !== null),
        reportable: compareGroups(visible.map((c) => ({ group: c.group, value: c.estimate.estimate })), overall),
      });
    }),
  );

  // Gains against the reference, per model × group × metric, paired by replicate.
  const gains: GainEntry[] = [];
  for (const mi of gainModels) {
    const ref = models[referenceIndex]!;
    groups.forEach((group, gi) =>
      METRIC_NAMES.forEach((metric, k) => {
        const toMap = (model: ModelPredictions, m: number) =>
          new Map(model.replicates.map((rep, i) => [rep.replicate, point.values[m]![gi]![i]?.[metric] ?? null]));
        const g = pairedGain(toMap(models[mi]!, mi), toMap(ref, referenceIndex), METRIC_INFO[metric].higherIsBetter);
        const basis = Math.min(basisOf(mi, gi, metric), basisOf(referenceIndex, gi, metric));
        gains.push({
          model: models[mi]!.label,
          reference: ref.label,
          group,
          metric,
          estimate: g.mean,
          sd: g.sd,
          replicates: g.perReplicate.length,
          interval: intervalOf(bootSeries(bootGains, mi, gi, k)),
          basis,
          suppressed: basis < minCell,
          fractionNegative: g.fractionNegative,
        });
      }),
    );
  }

  // Rare cases (our definitions): RCPG per model × metric, RCCE per model.
  const rareIndex = groupKeys.length - 2;
  const commonIndex = groupKeys.length - 1;
  const rcpg: RareCaseEntry[] = [];
  const rcce: (Estimate & { model: string })[] = [];
  if (withRare) {
    models.forEach((m, mi) => {
      METRIC_NAMES.forEach((metric, k) => {
        const common = estimateOf(mi, commonIndex, metric);
        const rareEstimate = estimateOf(mi, rareIndex, metric);
        const perRep = point.values[mi]![commonIndex]!.flatMap((c, i) => {
          const r = point.values[mi]![rareIndex]![i];
          return c === null || r === null || r === undefined || c[metric] === null || r[metric] === null ? [] : [c[metric]! - r[metric]!];
        });
        const basis = Math.min(common.basis, rareEstimate.basis);
        rcpg.push({
          model: m.label,
          metric,
          common: common.estimate,
          rare: rareEstimate.estimate,
          gap: {
            estimate: common.estimate === null || rareEstimate.estimate === null ? null : common.estimate - rareEstimate.estimate,
            sd: sampleSd(perRep),
            replicates: perRep.length,
            interval: intervalOf(bootMeans.map((a) => a[slot(mi, commonIndex, k)]! - a[slot(mi, rareIndex, k)]!)),
            basis,
            suppressed: basis < minCell,
          },
        });
      });
      rcce.push({ model: m.label, ...estimateOf(mi, rareIndex, "ece") });
    });
  }
  const rareCases: RareCases = {
    definition: OUR_DEFINITION,
    note:
      "Our definitions (the paper names these measures without formulas we could retrieve): a subgroup is rare when its share of the cohort is below the threshold; " +
      "RCPG = M(common cases) − M(rare cases) for a metric M; RCCE = expected calibration error (10 equal-width bins) on the rare cases only.",
    threshold: params.rareBelow,
    groups: labels.groups.filter((g) => rare.has(g)),
    rareTestN: withRare ? testPeople[rareIndex]! : 0,
    commonTestN: withRare ? testPeople[commonIndex]! : 0,
    rcpg,
    rcce,
  };

  // Harm tests (harm.ts, from the issue-3 work) per candidate model × group, on accuracy, against the reference.
  const harm: HarmEntry[] = [];
  for (const mi of gainModels) {
    const ref = models[referenceIndex]!;
    groups.forEach((group, gi) => {
      const people = population.filter((r) => gi === 0 || labels.group[r] === group);
      const correctness = (model: ModelPredictions): Float64Array[] =>
        model.replicates.map((rep) => Float64Array.from(people, (r) => (Number.isNaN(rep.prob[r]!) ? Number.NaN : (rep.prob[r]! >= params.threshold ? 1 : 0) === labels.y[r] ? 1 : 0)));
      const candidateCorrect = correctness(models[mi]!);
      const referenceCorrect = correctness(ref);
      // Accuracy on a set of units (with repeats): per replicate over the units it predicted, then the mean.
      const accuracyOn = (correct: readonly Float64Array[]) => (units: readonly number[]): number => {
        let total = 0;
        let replicatesUsed = 0;
        for (const c of correct) {
          let sum = 0;
          let count = 0;
          for (const u of units) {
            const v = c[u]!;
            if (Number.isNaN(v)) continue;
            sum += v;
            count++;
          }
          if (count === 0) continue;
          total += sum / count;
          replicatesUsed++;
        }
        return replicatesUsed === 0 ? Number.NaN : total / replicatesUsed;
      };
      // McNemar's units are people: each person's outcome is the majority over the replicates that scored them.
      const majority = (correct: readonly Float64Array[], u: number): boolean => {
        let right = 0;
        let scored = 0;
        for (const c of correct) {
          if (Number.isNaN(c[u]!)) continue;
          scored++;
          right += c[u]!;
        }
        return scored > 0 && right / scored > 0.5;
      };
      const units = people.map((_, u) => u);
      const pairs = discordantPairs(
        units.map((u) => majority(candidateCorrect, u)),
        units.map((u) => majority(referenceCorrect, u)),
      );
      const mcnemar = exactMcNemar(pairs.b, pairs.c, params.alpha);
      const sign =
        B === 0 || people.length === 0
          ? null
          : bootstrapSignTest({
              strata: people.map((r) => `${labels.group[r]}\u0000${labels.y[r]}`),
              candidate: accuracyOn(candidateCorrect),
              reference: accuracyOn(referenceCorrect),
              resamples: B,
              rng: randomStream(`harm/${models[mi]!.label}/${group}`),
              alpha: params.alpha,
            });
      const basis = testPeople[gi]!;
      harm.push({
        model: models[mi]!.label,
        reference: ref.label,
        group,
        metric: "accuracy",
        harmed: mcnemar.harmed,
        mcnemar,
        signTest: sign === null ? null : { ...sign, meanDifference: Number.isNaN(sign.meanDifference) ? null : sign.meanDifference, observedDifference: Number.isNaN(sign.observedDifference) ? null : sign.observedDifference },
        basis,
        suppressed: basis < minCell,
      });
    });
  }

  const perReplicate: ReplicateEntry[] = [];
  models.forEach((m, mi) =>
    m.replicates.forEach((rep, ri) =>
      groups.forEach((group, gi) => {
        const v = point.values[mi]![gi]![ri];
        if (v === null || v === undefined) return;
        perReplicate.push({ model: m.label, replicate: rep.replicate, seed: rep.seed, fold: rep.fold, group, n: point.basis[mi]![gi]![ri]!.n, values: v });
      }),
    ),
  );

  return {
    format: "strata-metrics/1",
    metric: "subgroup-metrics",
    params: {
      threshold: params.threshold,
      resamples: params.resamples,
      level,
      minCell,
      rareBelow: params.rareBelow,
      alpha: params.alpha,
      reference: params.reference ?? null,
    },
    inputs: input.digests,
    metricInfo: METRIC_INFO,
    models: models.map((m) => m.label),
    groups,
    replicates: Math.max(...models.map((m) => m.replicates.length)),
    sizes,
    results,
    calibration: calibrationCurves,
    comparisons,
    gains,
    harm,
    harmRule: HARM_RULE,
    rareCases,
    perReplicate,
  };
};

export const subgroupMetrics = defineStep({
  kind: "evaluate.subgroup-metrics",
  module: import.meta.url,
  params: Params,
  inputs: { table: "table", predictions: { list: "predictions" } },
  outputs: { metrics: "metrics" },
  run: (inputs, params, ctx) => {
    if (inputs.predictions.length !== params.models.length) {
      ctx.fail("params.models", `${params.models.length} model labels for ${inputs.predictions.length} predictions inputs; give one label per input, in the same order`);
    }
    if (params.reference !== undefined && !params.models.includes(params.reference)) {
      ctx.fail("params.reference", `${JSON.stringify(params.reference)} is not one of the models (${params.models.join(", ")})`);
    }
    const table = inputs.table.table();
    const labels = readLabels(table, params, ctx);
    const models = inputs.predictions.map((input, i) => ({
      label: params.models[i]!,
      replicates: readPredictions(input.table(), table.numRows, `inputs.predictions[${i}]`, ctx),
    }));
    if (params.reference !== undefined) {
      const ref = models.find((m) => m.label === params.reference)!;
      const byId = new Map(ref.replicates.map((r) => [r.replicate, r]));
      models.forEach((m, i) => {
        for (const rep of m.replicates) {
          const other = byId.get(rep.replicate);
          if (other !== undefined && (other.seed !== rep.seed || other.fold !== rep.fold)) {
            ctx.fail(`inputs.predictions[${i}]`, `replicate ${rep.replicate} is seed ${rep.seed}, fold ${rep.fold} here but seed ${other.seed}, fold ${other.fold} in the reference ${JSON.stringify(ref.label)}; gains pair replicates by id, so both models need the same split`);
          }
        }
      });
    }
    const digests = {
      table: inputs.table.digest,
      predictions: Object.fromEntries(params.models.map((label, i) => [label, inputs.predictions[i]!.digest])),
    };
    const doc = computeSubgroupMetrics({ labels, models, digests }, params, (stream) => ctx.random(stream), (d, t) => ctx.progress(d, t));
    if (params.resamples === 0) ctx.progress(1, 1);
    return { metrics: doc as unknown as JsonValue };
  },
});

export interface SubgroupMetricsOptions<C extends Columns> {
  readonly target: keyof C & string;
  readonly subgroup: keyof C & string;
  /** Label (a key of `predictions`) of the model gains are measured against. */
  readonly reference?: string;
  readonly threshold?: number;
  readonly resamples?: number;
  readonly level?: number;
  readonly minCell?: number;
  readonly rareBelow?: number;
  readonly alpha?: number;
}

/**
 * Pipeline builder. `predictions` maps a model label to its predictions; the labels are sorted (code-unit order)
 * so the node's params and inputs do not depend on how the record was written. For example:
 *
 *   const depth = evaluateSubgroupMetrics(groups.table, { generic: g.predictions, dcp: d.predictions },
 *     { target: "target", subgroup: "subgroup", reference: "generic", rareBelow: 0.15 }, { id: "evaluate-depth" });
 *   reportEvaluation(depth, { title: "…" }, { id: "report-depth" }); // last, so the plan graph is complete
 */
export const evaluateSubgroupMetrics = <C extends Columns>(
  table: TableHandle<C>,
  predictions: { readonly [label: string]: PredictionsHandle },
  params: SubgroupMetricsOptions<C>,
  options: NodeOptions = {},
): MetricsHandle => {
  const labels = Object.keys(predictions).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const node = addNode(table.study, subgroupMetrics, { table, predictions: labels.map((l) => predictions[l]!) }, { ...params, models: labels }, options);
  node.requireColumns(table, [params.target], "params.target");
  node.requireColumns(table, [params.subgroup], "params.subgroup");
  if (params.reference !== undefined && !labels.includes(params.reference)) {
    node.fail("params.reference", `${JSON.stringify(params.reference)} is not one of the models (${labels.join(", ")})`);
  }
  return node.metrics("metrics");
};
