/**
 * The per-group parts of the document: subgroup sizes, every metric per model × group, pooled calibration
 * curves, Fairlearn-style comparisons between the subgroups, and gains over the reference paired by replicate.
 */
import { binOf, calibration } from "../calibration.js";
import { pairedGain } from "../gain.js";
import { type GroupComparison, compareGroups } from "../group-comparison.js";
import { type Labels, OVERALL } from "../labels.js";
import { METRIC_BY_NAME, METRIC_NAMES, type MetricName } from "../metrics/registry.js";
import { wilsonInterval } from "../wilson.js";
import type { CalibrationCurve, ComparisonEntry, Estimate, GainEntry, GroupSize, Interval, ModelGroupMetrics, ModelPredictions } from "./document.js";
import type { GroupLayout } from "./groups.js";
import { forEachScored } from "./replicate-scores.js";
import type { Pairing, Scores } from "./scoring.js";

export const groupSizes = (layout: GroupLayout, labels: Labels, params: { readonly level: number; readonly minCell: number }): GroupSize[] => {
  const { level, minCell } = params;
  const cohortN = labels.y.length;
  return layout.groups.map((group, gi) => {
    const c = group === OVERALL ? { n: cohortN, positives: labels.y.reduce((s, v) => s + v, 0) } : layout.cohortCounts.get(group)!;
    const tn = layout.testPeople[gi]!;
    const tp = layout.testPositives[gi]!;
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
      rare: layout.rare.has(group),
      suppressed: {
        cohortN: c.n < minCell,
        cohortPositives: c.positives < minCell || c.n - c.positives < minCell,
        testN: tn < minCell,
        testPositives: tp < minCell || tn - tp < minCell,
      },
    };
  });
};

export const metricResults = (layout: GroupLayout, models: readonly ModelPredictions[], scores: Scores): ModelGroupMetrics[] =>
  models.flatMap((m, mi) =>
    layout.groups.map((group, gi) => {
      const metrics = Object.fromEntries(METRIC_NAMES.map((metric) => [metric, scores.estimateOf(mi, gi, metric)])) as { [K in MetricName]: Estimate };
      return { model: m.label, group, testN: layout.testPeople[gi]!, metrics };
    }),
  );

/**
 * Calibration curves pooled over replicates, with the distinct people behind each bin. One pass per model over
 * its replicates' rows fills every group's labels and probabilities in the same order as one pass per group.
 */
export const calibrationCurves = (layout: GroupLayout, labels: Labels, models: readonly ModelPredictions[], minCell: number): CalibrationCurve[] => {
  const { population, groups, subgroupOfRow } = layout;
  return models.flatMap((m) => {
    // Every group's labels and probabilities as typed columns, sized by a first pass (at 10^6 rows, 25 replicates
    // put millions of lines in each), then filled in the order one list per group would be pushed.
    const lines = new Int32Array(groups.length);
    for (const rep of m.replicates) {
      lines[0]! += rep.rows.length;
      for (let k = 0; k < rep.rows.length; k++) lines[subgroupOfRow[rep.rows[k]!]!]!++;
    }
    const y = Array.from(lines, (count) => new Uint8Array(count));
    const p = Array.from(lines, (count) => new Float64Array(count));
    const filled = new Int32Array(groups.length);
    // Per person, the calibration bins (bit b for bin b) any replicate put them in.
    const binsOfPerson = new Uint16Array(population.length);
    for (const rep of m.replicates) {
      forEachScored(rep, population, (i, r, prob) => {
        const label = labels.y[r]!;
        const own = subgroupOfRow[r]!;
        y[0]![filled[0]!] = label;
        p[0]![filled[0]!++] = prob;
        y[own]![filled[own]!] = label;
        p[own]![filled[own]!++] = prob;
        binsOfPerson[i]! |= 1 << binOf(prob, 10);
      });
    }
    const people = groups.map(() => new Int32Array(10));
    for (let i = 0; i < population.length; i++) {
      const own = subgroupOfRow[population[i]!]!;
      for (let b = 0; b < 10; b++) {
        if ((binsOfPerson[i]! & (1 << b)) === 0) continue;
        people[0]![b]!++;
        people[own]![b]!++;
      }
    }
    return groups.map((group, gi) => {
      const curve = calibration(y[gi]!, p[gi]!, 10);
      return {
        model: m.label,
        group,
        suppressed: layout.testPeople[gi]! < minCell,
        points: curve.bins.map((b) => {
          const count = people[gi]![b.bin]!;
          return { ...b, people: count, suppressed: count < minCell };
        }),
      };
    });
  });
};

/** Fairlearn-style comparisons over the subgroups (not "overall"), per model × metric. */
export const groupComparisons = (layout: GroupLayout, labels: Labels, models: readonly ModelPredictions[], scores: Scores): ComparisonEntry[] => {
  const { groupKeys } = layout;
  const { bootMeans, slot } = scores;
  const subgroupIndices = labels.groups.map((g) => layout.groupIndex.get(g)!);
  const valueAt = (a: Float64Array, i: number): number | null => (Number.isNaN(a[i]!) ? null : a[i]!);
  return models.flatMap((m, mi) =>
    METRIC_NAMES.map((metric, k): ComparisonEntry => {
      const options = { ratios: METRIC_BY_NAME[metric].ratios };
      const cells = subgroupIndices.map((gi) => ({ group: groupKeys[gi]!, estimate: scores.estimateOf(mi, gi, metric) }));
      const overall = scores.estimateOf(mi, 0, metric).estimate;
      const all = compareGroups(cells.map((c) => ({ group: c.group, value: c.estimate.estimate })), overall, options);
      const boot = bootMeans.map((a) =>
        compareGroups(
          subgroupIndices.map((gi) => ({ group: groupKeys[gi]!, value: valueAt(a, slot(mi, gi, k)) })),
          valueAt(a, slot(mi, 0, k)),
          options,
        ),
      );
      const iv = (pick: (c: GroupComparison) => number | null): Interval => scores.intervalOf(boot.map((c) => pick(c) ?? Number.NaN));
      const visible = cells.filter((c) => !c.estimate.suppressed);
      return {
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
        reportable: compareGroups(visible.map((c) => ({ group: c.group, value: c.estimate.estimate })), overall, options),
      };
    }),
  );
};

/** Gains against the reference, per candidate model × group × metric, paired by replicate. */
export const referenceGains = (layout: GroupLayout, models: readonly ModelPredictions[], pairing: Pairing, scores: Scores, minCell: number): GainEntry[] => {
  const { referenceIndex } = pairing;
  return pairing.gainModels.flatMap((mi) => {
    const ref = models[referenceIndex]!;
    return layout.groups.flatMap((group, gi) =>
      METRIC_NAMES.map((metric, k): GainEntry => {
        const toMap = (model: ModelPredictions, m: number) =>
          new Map(model.replicates.map((rep, i) => [rep.replicate, scores.point.values[m]![gi]![i]?.[metric] ?? null]));
        const g = pairedGain(toMap(models[mi]!, mi), toMap(ref, referenceIndex), METRIC_BY_NAME[metric].higherIsBetter);
        const basis = Math.min(scores.basisOf(mi, gi, metric), scores.basisOf(referenceIndex, gi, metric));
        return {
          model: models[mi]!.label,
          reference: ref.label,
          group,
          metric,
          estimate: g.mean,
          sd: g.sd,
          replicates: g.perReplicate.length,
          interval: scores.intervalOf(scores.bootSeries(scores.bootGains, mi, gi, k)),
          basis,
          suppressed: basis < minCell,
          fractionNegative: g.fractionNegative,
        };
      }),
    );
  });
};
