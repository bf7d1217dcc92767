/**
 * Strata's metrics against scikit-learn, numpy and scipy on fixed predictions. The expected values come from
 * test/fixtures/golden/metrics.py (run once, output committed as metrics.json; rerun it with the command at its top).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { quantile } from "../../steps/evaluate/bootstrap.js";
import { calibration } from "../../steps/evaluate/calibration.js";
import { mcc } from "../../steps/evaluate/metrics/mcc.js";
import { METRIC_NAMES, computeMetrics, weightedMetrics } from "../../steps/evaluate/metrics/registry.js";
import { sortRows } from "../../steps/evaluate/metrics/sufficient-statistics.js";
import { normalQuantile, wilsonInterval } from "../../steps/evaluate/wilson.js";
import { repoRoot } from "../support/cli.js";

interface GoldenCase {
  readonly name: string;
  readonly labels: number[];
  readonly probs: number[];
  readonly expected: Record<string, number> & {
    readonly calibration: { bins: number[]; n: number[]; observed: number[]; meanPredicted: number[] };
  };
}
interface Golden {
  readonly threshold: number;
  readonly cases: GoldenCase[];
  readonly wilson: { successes: number; n: number; level: number; low: number; high: number }[];
  readonly normalQuantile: { p: number; z: number }[];
  readonly mccDegenerate: { labels: number[]; probs: number[]; mcc: number }[];
  readonly quantile: { values: number[]; q: number[]; expected: number[] };
}

const golden = JSON.parse(fs.readFileSync(path.join(repoRoot, "test/fixtures/golden/metrics.json"), "utf8")) as Golden;
const TOLERANCE = 1e-9;

describe("metrics against scikit-learn (golden values)", () => {
  // The scikit-learn names: accuracy_score, balanced_accuracy_score, recall_score (sensitivity, and specificity as
  // the recall of class 0), precision_score (PPV), roc_auc_score, average_precision_score, brier_score_loss,
  // log_loss, matthews_corrcoef (MCC); NPV from the confusion counts; ECE from calibration_curve's points.
  for (const c of golden.cases) {
    it(`${c.name}: every metric within 1e-9`, () => {
      const { values } = computeMetrics(c.labels, c.probs, golden.threshold);
      for (const name of METRIC_NAMES) {
        const ours = values[name];
        expect(ours, name).not.toBeNull();
        expect(Math.abs(ours! - c.expected[name]!), `${name}: ours ${ours}, scikit-learn ${c.expected[name]}`).toBeLessThanOrEqual(TOLERANCE);
      }
    });

    it(`${c.name}: the bootstrap's fast path (unit weights) within 1e-9 too`, () => {
      const rows = sortRows(c.labels.map((_, i) => i), c.labels, c.probs);
      const { values } = weightedMetrics(rows, new Int32Array(c.labels.length).fill(1), golden.threshold)!;
      for (const name of METRIC_NAMES) expect(Math.abs(values[name]! - c.expected[name]!), name).toBeLessThanOrEqual(TOLERANCE);
    });

    it(`${c.name}: calibration-curve points match calibration_curve`, () => {
      const { bins } = calibration(c.labels, c.probs, 10);
      const e = c.expected.calibration;
      expect(bins.map((b) => b.bin)).toEqual(e.bins);
      expect(bins.map((b) => b.n)).toEqual(e.n);
      bins.forEach((b, i) => {
        expect(Math.abs(b.observed - e.observed[i]!)).toBeLessThanOrEqual(TOLERANCE);
        expect(Math.abs(b.meanPredicted - e.meanPredicted[i]!)).toBeLessThanOrEqual(TOLERANCE);
      });
    });
  }

  it("Wilson intervals match scipy's binomtest(...).proportion_ci(method='wilson')", () => {
    for (const w of golden.wilson) {
      const [lo, hi] = wilsonInterval(w.successes, w.n, w.level)!;
      expect(Math.abs(lo - w.low), JSON.stringify(w)).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(hi - w.high), JSON.stringify(w)).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it("MCC is 0 where a factor of its denominator is 0, as matthews_corrcoef defines it", () => {
    expect(golden.mccDegenerate.length).toBeGreaterThan(0);
    for (const d of golden.mccDegenerate) expect(mcc.compute(d.labels, d.probs, golden.threshold), JSON.stringify(d)).toBe(d.mcc);
  });

  it("the normal quantile matches scipy.stats.norm.ppf", () => {
    for (const { p, z } of golden.normalQuantile) expect(Math.abs(normalQuantile(p) - z), `p = ${p}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(z)));
  });

  it("bootstrap percentiles match numpy.percentile (linear interpolation)", () => {
    golden.quantile.q.forEach((q, i) => expect(Math.abs(quantile(golden.quantile.values, q)! - golden.quantile.expected[i]!)).toBeLessThanOrEqual(TOLERANCE));
  });
});
