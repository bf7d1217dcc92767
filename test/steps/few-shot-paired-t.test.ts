/** Student's t CDF and quantile (steps/evaluate/distributions.ts) against scipy.stats.t, and the few-shot paired t summary. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { studentTCdf, studentTQuantile } from "../../steps/evaluate/distributions.js";
import { pairedT } from "../../steps/evaluate/few-shot/paired-t.js";
import { repoRoot } from "../support/cli.js";

const golden = JSON.parse(fs.readFileSync(path.join(repoRoot, "test/fixtures/heart-sites/student-t.json"), "utf8")) as {
  cdf: { t: number; df: number; p: number }[];
  ppf: { p: number; df: number; q: number }[];
};

describe("Student's t", () => {
  it("matches scipy.stats.t's CDF within 1e-12 and its quantiles within 1e-9", () => {
    for (const c of golden.cdf) expect(Math.abs(studentTCdf(c.t, c.df) - c.p), `cdf(${c.t}, ${c.df})`).toBeLessThan(1e-12);
    for (const c of golden.ppf) expect(Math.abs(studentTQuantile(c.p, c.df) - c.q), `ppf(${c.p}, ${c.df})`).toBeLessThan(1e-9 * Math.max(1, Math.abs(c.q)));
  });

  it("gives the paired t interval and one-sided harm p-value, and no test when the replicates do not vary", () => {
    const t = pairedT([0.1, -0.05, 0.2, 0.15, 0.05])!;
    // mean 0.09, sd 0.0961769..., t quantile(0.975, 4) = 2.776445105...
    expect(t.mean).toBeCloseTo(0.09, 15);
    const half = (2.7764451051977987 * t.sd) / Math.sqrt(5);
    expect(t.interval![0]).toBeCloseTo(0.09 - half, 9);
    expect(t.interval![1]).toBeCloseTo(0.09 + half, 9);
    expect(t.pBelowZero!).toBeCloseTo(studentTCdf(0.09 / (t.sd / Math.sqrt(5)), 4), 15);
    expect(t.pBelowZero!).toBeGreaterThan(0.9);
    expect(pairedT([-0.2, -0.25, -0.3, -0.22])!.pBelowZero!).toBeLessThan(0.001);
    // 0.1 three times: the float mean is not 0.1, yet the replicates do not vary.
    expect(pairedT([-0.1, -0.1, -0.1])).toEqual({ n: 3, mean: -0.1, sd: 0, interval: null, pBelowZero: null });
    expect(pairedT([0.3])).toBeNull();
  });
});
