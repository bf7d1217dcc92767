/**
 * The few-shot summary (format `strata-few-shot-summary/1`): per held-out site, shot count k and method, each
 * metric's mean over seeds with a t interval, and the paired gain over the reference method (pooled) with a t
 * interval over seeds and a one-sided paired t-test for harm. Paired over seeds because every method of a cell sees
 * the same support set and query rows; seeds, not sampled query tasks, are the replicates, since all of a site's
 * tasks share its patients (resampling tasks from one site gives intervals that are too narrow; ours).
 *   beats   the decision metric's gain interval lies above 0 (ours);
 *   harmed  the harm test's Holm-adjusted p-value (one family per method: every site × k) is below α;
 *   smallest k  per site and method, the smallest k at which the method beats the reference, if any.
 * Beside the seeds' interval, the decision metric's gain gets an interval that resamples the test patients too
 * (crossed-bootstrap.ts), since the seeds treat the query set as fixed.
 */
import { Schema } from "effect";
import { METRIC_BY_NAME, type MetricName } from "../metrics/registry.js";
import { adjustPValues } from "../harm-multiplicity.js";
import { gainOf } from "../gain.js";
import type { CellDocument } from "./cell-document.js";
import { crossedGainInterval } from "./crossed-bootstrap.js";
import { pairedT } from "./paired-t.js";

export const SUMMARY_FORMAT = "strata-few-shot-summary/1";
export const SUMMARY_METRICS = ["accuracy", "auroc", "brier", "ece"] as const satisfies readonly MetricName[];
export type SummaryMetric = (typeof SUMMARY_METRICS)[number];

const Interval = Schema.NullOr(Schema.Tuple([Schema.Number, Schema.Number]));

const EstimateSchema = Schema.Struct({
  /** Seeds where the value is defined. */
  n: Schema.Number,
  mean: Schema.NullOr(Schema.Number),
  /** Two-sided t interval over seeds; null with fewer than two seeds or when the seeds do not vary (k = 0). */
  interval: Interval,
});
export type Estimate = typeof EstimateSchema.Type;

const GainEstimateSchema = Schema.Struct({
  ...EstimateSchema.fields,
  /** One-sided paired t-test p-value of harm (mean gain < 0); null with fewer than two seeds or no variation. */
  pHarm: Schema.NullOr(Schema.Number),
});
export type GainEstimate = typeof GainEstimateSchema.Type;

const perMetric = <S extends Schema.Top>(schema: S) => Schema.Struct({ accuracy: schema, auroc: schema, brier: schema, ece: schema });

const MethodRowSchema = Schema.Struct({
  method: Schema.String,
  metrics: perMetric(EstimateSchema),
  /** Absent for the reference itself. */
  gains: Schema.optionalKey(perMetric(GainEstimateSchema)),
  pHarmAdjusted: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  beats: Schema.optionalKey(Schema.Boolean),
  harmed: Schema.optionalKey(Schema.Boolean),
  /**
   * The decision metric's gain interval with the test patients resampled too (crossed-bootstrap.ts); null where the
   * metric is not a mean over patients or fewer than two seeds have values.
   */
  gainWithPatients: Schema.optionalKey(Interval),
  /** Why the method has no value in some seeds (e.g. local-lr at k = 0). */
  undefinedBecause: Schema.optionalKey(Schema.Array(Schema.String)),
});
export type MethodRow = typeof MethodRowSchema.Type;

const ShotRowSchema = Schema.Struct({
  shots: Schema.Number,
  seeds: Schema.Array(Schema.Number),
  /** Support sizes drawn (equal to k unless the site's training part is smaller: then `capped`). */
  supportSize: Schema.Number,
  capped: Schema.Boolean,
  querySize: Schema.Number,
  queryPositives: Schema.Number,
  methods: Schema.Array(MethodRowSchema),
});
export type ShotRow = typeof ShotRowSchema.Type;

const SiteSummarySchema = Schema.Struct({
  site: Schema.String,
  available: Schema.Number,
  shots: Schema.Array(ShotRowSchema),
  /** Method → the smallest k at which it beats the reference (null: at no k tried). */
  smallestBeatingShots: Schema.Record(Schema.String, Schema.NullOr(Schema.Number)),
  /** Method → the k at which it is flagged as harming the site. */
  harmedAtShots: Schema.Record(Schema.String, Schema.Array(Schema.Number)),
});
export type SiteSummary = typeof SiteSummarySchema.Type;

export const SummaryDocumentSchema = Schema.Struct({
  format: Schema.Literal(SUMMARY_FORMAT),
  reference: Schema.String,
  decisionMetric: Schema.Literals(SUMMARY_METRICS),
  alpha: Schema.Number,
  threshold: Schema.Number,
  /** Resamples of the crossed bootstrap. */
  resamples: Schema.Number,
  methods: Schema.Array(Schema.String),
  sites: Schema.Array(SiteSummarySchema),
});
export type SummaryDocument = typeof SummaryDocumentSchema.Type;

export interface SummaryOptions {
  readonly reference: string;
  readonly decisionMetric: SummaryMetric;
  readonly alpha: number;
  readonly threshold: number;
  readonly resamples: number;
}

const estimate = (values: readonly number[], alpha: number): Estimate => {
  const t = pairedT(values, alpha);
  if (t !== null) return { n: t.n, mean: t.mean, interval: t.interval };
  return { n: values.length, mean: values.length === 1 ? values[0]! : null, interval: null };
};

const byKey = <T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
};

type Fail = (problem: string) => never;

/** Cells in the order given; sites keep their first appearance, shots and seeds are sorted. */
export const summarizeCells = (cells: readonly CellDocument[], options: SummaryOptions, random: (stream: string) => () => number, fail: Fail): SummaryDocument => {
  const methods = cells[0]!.methods.map((m) => m.method);
  if (!methods.includes(options.reference)) fail(`the reference method ${JSON.stringify(options.reference)} is not among the cells' methods (${methods.join(", ")})`);
  for (const c of cells) {
    if (c.methods.map((m) => m.method).join("\u0000") !== methods.join("\u0000")) {
      fail(`the cell ${c.site} k = ${c.shots} seed ${c.seed} has the methods ${c.methods.map((m) => m.method).join(", ")}, the first cell ${methods.join(", ")}; give every cell the same meta-initializations`);
    }
  }
  // Per (site, k, seed, method): every summary metric, null where undefined.
  const values = (cell: CellDocument, method: string): { readonly [M in SummaryMetric]: number | null } | null => {
    const scores = cell.methods.find((m) => m.method === method)!;
    if (scores.probabilities === null) return null;
    return Object.fromEntries(SUMMARY_METRICS.map((name) => [name, METRIC_BY_NAME[name].compute(cell.query.labels, scores.probabilities!, options.threshold)])) as never;
  };

  const draft = [...byKey(cells, (c) => c.site)].map(([site, siteCells]) => {
    const shots = [...byKey(siteCells, (c) => String(c.shots))].map(([, group]) => group).sort((a, b) => a[0]!.shots - b[0]!.shots);
    return {
      site,
      available: siteCells[0]!.support.available,
      shots: shots.map((group) => {
        const sorted = [...group].sort((a, b) => a.seed - b.seed);
        const seeds = sorted.map((c) => c.seed);
        const duplicate = seeds.find((s, i) => seeds.indexOf(s) !== i);
        if (duplicate !== undefined) fail(`two cells for ${site} k = ${sorted[0]!.shots} have seed ${duplicate}; give each cell its own seed`);
        const reference = sorted.map((c) => values(c, options.reference));
        const rows = methods.map((method) => {
          const perSeed = sorted.map((c) => values(c, method));
          const reasons = [...new Set(sorted.flatMap((c) => c.methods.find((m) => m.method === method)!.undefinedBecause ?? []))];
          const metrics = Object.fromEntries(
            SUMMARY_METRICS.map((name) => [name, estimate(perSeed.flatMap((v) => (v === null || v[name] === null ? [] : [v[name]!])), options.alpha)]),
          ) as { [M in SummaryMetric]: Estimate };
          if (method === options.reference) return { method, metrics, ...(reasons.length > 0 ? { undefinedBecause: reasons } : {}) };
          const gains = Object.fromEntries(
            SUMMARY_METRICS.map((name) => {
              const diffs = perSeed.flatMap((v, i) => {
                const r = reference[i];
                return v === null || r === null || r === undefined || v[name] === null || r[name] === null ? [] : [gainOf(v[name]!, r[name]!, METRIC_BY_NAME[name].higherIsBetter)];
              });
              const t = pairedT(diffs, options.alpha);
              const e: GainEstimate = t === null ? { ...estimate(diffs, options.alpha), pHarm: null } : { n: t.n, mean: t.mean, interval: t.interval, pHarm: t.pBelowZero };
              return [name, e];
            }),
          ) as { [M in SummaryMetric]: GainEstimate };
          const probabilities = (method: string) => sorted.map((c) => c.methods.find((m) => m.method === method)!.probabilities);
          const gainWithPatients = crossedGainInterval(
            options.decisionMetric,
            sorted[0]!.query.labels,
            probabilities(method),
            probabilities(options.reference),
            { threshold: options.threshold, level: 1 - options.alpha, resamples: options.resamples },
            random(`crossed/${site}/${sorted[0]!.shots}/${method}`),
          );
          return { method, metrics, gains, gainWithPatients, ...(reasons.length > 0 ? { undefinedBecause: reasons } : {}) };
        });
        return {
          shots: sorted[0]!.shots,
          seeds,
          supportSize: sorted[0]!.support.size,
          capped: sorted[0]!.support.capped,
          querySize: sorted[0]!.query.labels.length,
          queryPositives: sorted[0]!.query.labels.reduce((a, v) => a + v, 0),
          methods: rows as MethodRow[],
        };
      }),
    };
  });

  // Holm across every site × k, one family per method, on the decision metric's harm p-values.
  const adjusted = new Map<string, (number | null)[]>();
  for (const method of methods) {
    if (method === options.reference) continue;
    const raw = draft.flatMap((s) => s.shots.map((k) => k.methods.find((m) => m.method === method)!.gains![options.decisionMetric].pHarm));
    const tested = raw.flatMap((p) => (p === null ? [] : [p]));
    const adj = adjustPValues(tested, "holm");
    let next = 0;
    adjusted.set(method, raw.map((p) => (p === null ? null : adj[next++]!)));
  }
  let position = 0;
  const sites: SiteSummary[] = draft.map((s) => {
    const shots: ShotRow[] = s.shots.map((k) => {
      const at = position++;
      return {
        ...k,
        methods: k.methods.map((m) => {
          if (m.gains === undefined) return m;
          const p = adjusted.get(m.method)![at]!;
          const interval = m.gains[options.decisionMetric].interval;
          return { ...m, pHarmAdjusted: p, beats: interval !== null && interval[0] > 0, harmed: p !== null && p < options.alpha };
        }),
      };
    });
    const others = methods.filter((m) => m !== options.reference);
    return {
      site: s.site,
      available: s.available,
      shots,
      smallestBeatingShots: Object.fromEntries(others.map((m) => [m, shots.find((k) => k.methods.find((r) => r.method === m)!.beats)?.shots ?? null])),
      harmedAtShots: Object.fromEntries(others.map((m) => [m, shots.filter((k) => k.methods.find((r) => r.method === m)!.harmed).map((k) => k.shots)])),
    };
  });
  return { format: SUMMARY_FORMAT, reference: options.reference, decisionMetric: options.decisionMetric, alpha: options.alpha, threshold: options.threshold, resamples: options.resamples, methods, sites };
};
