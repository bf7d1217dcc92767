/**
 * Scoring samples of the evaluated people: every model × group key × replicate, once on the people themselves
 * (the point estimates) and once per bootstrap resample. Each resample draws the evaluated people with
 * replacement within each subgroup × label stratum (so every group keeps its size and class balance) and scores
 * every replicate of every model on the same draw, so gains are paired. A sample is a weight (draw count) per
 * person over rows sorted once, the fast path of metrics/sufficient-statistics.ts.
 */
import { percentileInterval, skipResamples, stratifiedSamplerOfCodes } from "../bootstrap.js";
import { gainOf } from "../gain.js";
import type { Labels } from "../labels.js";
import { type BasisCounts, METRIC_BY_NAME, METRIC_NAMES, type MetricName, type MetricValues, weightedMetrics } from "../metrics/registry.js";
import { type SortedRows, gatherWeights, probabilityOrder, rowsAt, subsetRows } from "../metrics/sufficient-statistics.js";
import { mean, sampleSd } from "../statistics.js";
import { wilsonInterval } from "../wilson.js";
import type { Estimate, Interval, ModelPredictions } from "./document.js";
import { type GroupLayout, populationStrata } from "./groups.js";
import { forEachScored } from "./replicate-scores.js";

interface Scored {
  /** [model][group][replicate]: the metric values, or null when the replicate has no rows of the group. */
  readonly values: (MetricValues | null)[][][];
  /** [model][group][replicate]: people behind each basis. */
  readonly basis: (BasisCounts | null)[][][];
}

/**
 * One replicate's evaluated rows, sorted once (`all`, person = index into the population), and each group key's
 * subset of them in the same order (person = position in `all`, null without rows), so a group needs no sort of
 * its own and a pass reads the replicate's gathered weights (`local`) almost in order.
 */
interface PreparedReplicate {
  readonly all: SortedRows;
  readonly groups: readonly (SortedRows | null)[];
  readonly local: Int32Array;
}

/** [model][replicate]; null for a replicate that predicted nobody. */
type Prepared = (PreparedReplicate | null)[][];

const prepare = (layout: GroupLayout, labels: Labels, models: readonly ModelPredictions[]): Prepared => {
  const { population, groupKeys, subgroupOfRow, pseudoGroupOfRow } = layout;
  const n = population.length;
  const person = new Int32Array(n);
  const y = new Uint8Array(n);
  const p = new Float64Array(n);
  const subgroup = new Int32Array(n);
  const pseudoGroup = new Int32Array(n);
  // The scratch per run of ties, shared: a pass fills and reads it within one call (sufficient-statistics.ts) and
  // passes run one after another, so every set of rows uses the front of one pair of buffers (a set has at most n
  // runs) instead of 16 bytes per row of its own, which were most of a thread's memory.
  const runPositives = new Float64Array(n);
  const runNegatives = new Float64Array(n);
  const sharingScratch = (rows: SortedRows): SortedRows => ({
    ...rows,
    runPositives: runPositives.subarray(0, rows.runPositives.length),
    runNegatives: runNegatives.subarray(0, rows.runNegatives.length),
  });
  return models.map((model) =>
    model.replicates.map((rep) => {
      let count = 0;
      forEachScored(rep, population, (i, r, prob) => {
        person[count] = i;
        y[count] = labels.y[r]!;
        p[count] = prob;
        subgroup[count] = subgroupOfRow[r]!;
        pseudoGroup[count] = pseudoGroupOfRow[r]!;
        count++;
      });
      if (count === 0) return null;
      const order = probabilityOrder(person.subarray(0, count), p.subarray(0, count));
      const all = sharingScratch(rowsAt(order, person, y, p));
      // "overall" is every row of the replicate: `all` itself, weighed by position (what subsetRows would copy).
      const overall: SortedRows = { ...all, person: Int32Array.from({ length: count }, (_, k) => k) };
      const groups = groupKeys.map((_, gi) => {
        if (gi === 0) return overall;
        const rows = subsetRows(all, (k) => subgroup[order[k]!] === gi || pseudoGroup[order[k]!] === gi);
        return rows.person.length === 0 ? null : sharingScratch(rows);
      });
      return { all, groups, local: new Int32Array(count) };
    }),
  );
};

/** Scores every model × group × replicate on one sample, given as a weight (draw count) per evaluated person. */
const scoreSample = (prepared: Prepared, groupCount: number, weights: ArrayLike<number>, threshold: number): Scored => {
  const values: Scored["values"] = [];
  const basis: Scored["basis"] = [];
  for (const model of prepared) {
    for (const rep of model) if (rep !== null) gatherWeights(rep.all, weights, rep.local);
    const mv: Scored["values"][number] = [];
    const mb: Scored["basis"][number] = [];
    for (let gi = 0; gi < groupCount; gi++) {
      const gv: Scored["values"][number][number] = [];
      const gb: Scored["basis"][number][number] = [];
      for (const rep of model) {
        const rows = rep === null ? null : rep.groups[gi]!;
        const m = rows === null ? null : weightedMetrics(rows, rep!.local, threshold);
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
    gains.push(gainOf(v, r, METRIC_BY_NAME[metric].higherIsBetter));
  }
  return mean(gains);
};

/** Which models are compared with the reference, and their replicates paired by id (checked to be the same seed and fold). */
export interface Pairing {
  /** -1 without a reference. */
  readonly referenceIndex: number;
  readonly gainModels: readonly number[];
  /** [model]: (replicate index in the model, replicate index in the reference). */
  readonly pairs: readonly (readonly (readonly [number, number])[])[];
}

export const pairWithReference = (models: readonly ModelPredictions[], reference: string | undefined): Pairing => {
  const referenceIndex = reference === undefined ? -1 : models.findIndex((m) => m.label === reference);
  const pairsOf = (mi: number): (readonly [number, number])[] => {
    if (referenceIndex < 0) return [];
    const byId = new Map(models[referenceIndex]!.replicates.map((r, j) => [r.replicate, j]));
    return models[mi]!.replicates.flatMap((r, i) => {
      const j = byId.get(r.replicate);
      return j === undefined ? [] : [[i, j] as const];
    });
  };
  return {
    referenceIndex,
    gainModels: referenceIndex < 0 ? [] : models.map((_, mi) => mi).filter((mi) => mi !== referenceIndex),
    pairs: models.map((_, mi) => pairsOf(mi)),
  };
};

/** The point scores, the bootstrap series, and the estimates built from them. */
export interface Scores {
  readonly point: Scored;
  readonly resamples: number;
  /** Per resample: [slot(model, group key, metric)] the mean over replicates, and the mean gain (NaN where undefined). */
  readonly bootMeans: readonly Float64Array[];
  readonly bootGains: readonly Float64Array[];
  readonly slot: (mi: number, gi: number, k: number) => number;
  /** The percentile interval of a bootstrap series (NaN left out); null without resamples. */
  readonly intervalOf: (series: readonly number[]) => Interval;
  readonly bootSeries: (source: readonly Float64Array[], mi: number, gi: number, k: number) => number[];
  /** Basis of a cell: the fewest people behind it in any replicate that had rows of the group. */
  readonly basisOf: (mi: number, gi: number, metric: MetricName) => number;
  readonly estimateOf: (mi: number, gi: number, metric: MetricName) => Estimate;
}

/** What scoring needs, prepared once per thread: the sorted rows of every replicate and the resampler. */
export interface Scoring {
  readonly prepared: Prepared;
  readonly people: number;
  readonly groupCount: number;
  readonly models: number;
  readonly pairing: Pairing;
  readonly params: { readonly threshold: number; readonly resamples: number; readonly level: number; readonly minCell: number };
  readonly draw: (random: () => number, counts: Int32Array) => void;
}

const samplerOf = (strata: ReturnType<typeof populationStrata>): Scoring["draw"] => stratifiedSamplerOfCodes(strata.codes, strata.codeCount);

export const prepareScoring = (layout: GroupLayout, labels: Labels, models: readonly ModelPredictions[], pairing: Pairing, params: Scoring["params"]): Scoring => ({
  prepared: prepare(layout, labels, models),
  people: layout.population.length,
  groupCount: layout.groupKeys.length,
  models: models.length,
  pairing,
  params,
  draw: samplerOf(populationStrata(layout, labels)),
});

/** Where (model, group key, metric) is in a resample's means or gains, with G group keys. */
const slotOf = (G: number) => (mi: number, gi: number, k: number): number => (mi * G + gi) * METRIC_NAMES.length + k;

/** Numbers per resample in a bootstrap series: the means, then the gains, per slot(model, group key, metric). */
export const seriesWidth = (scoring: Scoring): number => 2 * scoring.models * scoring.groupCount * METRIC_NAMES.length;

/**
 * Resamples from..to of the bootstrap, each scored on every model × group key × replicate and reduced to its mean
 * over replicates and mean gain (NaN where undefined), seriesWidth numbers per resample. The stream is the one the
 * whole bootstrap draws from, fresh: the resamples before `from` are skipped, so any chunking gives the same draws.
 */
export const bootstrapResamples = (scoring: Scoring, from: number, to: number, random: () => number): Float64Array => {
  const { prepared, people, groupCount: G, pairing } = scoring;
  const slots = scoring.models * G * METRIC_NAMES.length;
  const slot = slotOf(G);
  skipResamples(random, people, from);
  const weights = new Int32Array(people);
  const out = new Float64Array((to - from) * 2 * slots).fill(Number.NaN);
  for (let b = from; b < to; b++) {
    scoring.draw(random, weights);
    const scored = scoreSample(prepared, G, weights, scoring.params.threshold);
    const means = (b - from) * 2 * slots;
    const gains = means + slots;
    for (let mi = 0; mi < scoring.models; mi++) {
      for (let gi = 0; gi < G; gi++) {
        METRIC_NAMES.forEach((metric, k) => {
          out[means + slot(mi, gi, k)] = meanOver(scored.values[mi]![gi]!, metric) ?? Number.NaN;
          if (pairing.gainModels.includes(mi)) {
            out[gains + slot(mi, gi, k)] = meanGain(scored.values[mi]![gi]!, scored.values[pairing.referenceIndex]![gi]!, pairing.pairs[mi]!, metric) ?? Number.NaN;
          }
        });
      }
    }
  }
  return out;
};

/** The percentile interval of a bootstrap series over `resamples` resamples (NaN: a resample without the cell); null without resamples. */
export const bootstrapInterval = (series: readonly number[], resamples: number, level: number): Interval =>
  resamples === 0 ? null : percentileInterval(series.map((v) => (Number.isNaN(v) ? null : v)), level);

/** The point scores and the estimates, from the whole bootstrap series (every resample in order, bootstrapResamples' layout). */
export const scoresOf = (scoring: Scoring, bootstrap: Float64Array): Scores => {
  const { prepared, people, groupCount: G, params } = scoring;
  const { level, minCell } = params;
  const point = scoreSample(prepared, G, new Int32Array(people).fill(1), params.threshold);
  const B = params.resamples;
  const slots = scoring.models * G * METRIC_NAMES.length;
  const slot = slotOf(G);
  const bootMeans = Array.from({ length: B }, (_, b) => bootstrap.subarray(2 * b * slots, (2 * b + 1) * slots));
  const bootGains = Array.from({ length: B }, (_, b) => bootstrap.subarray((2 * b + 1) * slots, (2 * b + 2) * slots));
  const intervalOf = (series: readonly number[]): Interval => bootstrapInterval(series, B, level);
  const bootSeries = (source: readonly Float64Array[], mi: number, gi: number, k: number): number[] => source.map((a) => a[slot(mi, gi, k)]!);

  const basisOf = (mi: number, gi: number, metric: MetricName): number => {
    const present = point.basis[mi]![gi]!.filter((b) => b !== null);
    return present.length === 0 ? 0 : Math.min(...present.map((b) => b![METRIC_BY_NAME[metric].basis]));
  };
  const meanBasisOf = (mi: number, gi: number, metric: MetricName): number =>
    mean(point.basis[mi]![gi]!.filter((b) => b !== null).map((b) => b![METRIC_BY_NAME[metric].basis])) ?? 0;

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
    if (!METRIC_BY_NAME[metric].proportion) return e;
    const denominator = meanBasisOf(mi, gi, metric);
    return { ...e, wilson: estimate === null ? null : wilsonInterval(estimate * denominator, denominator, level) };
  };

  return { point, resamples: B, bootMeans, bootGains, slot, intervalOf, bootSeries, basisOf, estimateOf };
};
