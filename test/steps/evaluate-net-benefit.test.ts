/**
 * Net benefit (decision curve analysis) against dcurves, and its place in evaluate.subgroup-metrics: opt-in, per
 * model × group, means over replicates, intervals from the evaluation's own resamples. The golden values come
 * from test/fixtures/net-benefit/golden.py (run once, output committed; rerun it with the command at its top).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { makeTable } from "../../artifacts/table.js";
import { PipelineError } from "../../dsl/errors.js";
import { bucketDecisionCurve, decisionCurve, thresholdBucket } from "../../steps/evaluate/metrics/net-benefit.js";
import { type SubgroupMetricsDoc, subgroupMetrics } from "../../steps/evaluate/subgroup-metrics.js";
import { evaluationReport } from "../../steps/report/evaluation-report.js";
import { escapeMarkdown } from "../../steps/report/escape.js";
import { fixed } from "../../steps/report/renderer.js";
import { repoRoot } from "../support/cli.js";
import { runStep } from "../support/step-harness.js";
import { SMALL, syntheticEvaluation } from "./evaluate-fixtures.js";

interface Golden {
  readonly thresholds: number[];
  readonly cases: { name: string; labels: number[]; probs: number[]; netBenefit: { model: number[]; all: number[]; none: number[] } }[];
}
const golden = JSON.parse(fs.readFileSync(path.join(repoRoot, "test/fixtures/net-benefit/golden.json"), "utf8")) as Golden;
const TOLERANCE = 1e-9;

const expectClose = (actual: readonly number[], expected: readonly number[]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, k) => expect(Math.abs(v - expected[k]!), `index ${k}: ${v} vs ${expected[k]}`).toBeLessThanOrEqual(TOLERANCE));
};

/** The bucketed, weighted pass with every weight 1. */
const bucketed = (y: readonly number[], p: readonly number[], thresholds: readonly number[]) => {
  const positives = new Float64Array(thresholds.length + 1);
  const negatives = new Float64Array(thresholds.length + 1);
  y.forEach((label, i) => {
    const into = label === 1 ? positives : negatives;
    into[thresholdBucket(p[i]!, thresholds)]! += 1;
  });
  return bucketDecisionCurve(positives, negatives, thresholds)!;
};

describe("net benefit against dcurves (golden values)", () => {
  for (const c of golden.cases) {
    it(`${c.name}: model, treat all and treat none within 1e-9`, () => {
      const curve = decisionCurve(c.labels, c.probs, golden.thresholds)!;
      expectClose(curve.model, c.netBenefit.model);
      expectClose(curve.treatAll, c.netBenefit.all);
      expect(c.netBenefit.none.every((v) => v === 0)).toBe(true);
      const fast = bucketed(c.labels, c.probs, golden.thresholds);
      expectClose(fast.model, c.netBenefit.model);
      expectClose(fast.treatAll, c.netBenefit.all);
    });
  }

  it("counts a person as treated when the score equals the threshold", () => {
    expect(thresholdBucket(0.2, [0.1, 0.2, 0.3])).toBe(2);
    expect(decisionCurve([1], [0.2], [0.2])!.model).toEqual([1]);
    expect(decisionCurve([0], [0.2], [0.2])!.model[0]).toBeCloseTo(-0.25, 15);
  });
});

// Group "a": rows 0-11 (0-5 positive); group "b": rows 12-23 (12-14 positive). Two replicates predict every row.
const group = [...Array(12).fill("a"), ...Array(12).fill("b")] as string[];
const target = group.map((_, r) => (r < 6 || (r >= 12 && r < 15) ? 1 : 0));
const table = makeTable([
  { name: "target", type: "int", values: target },
  { name: "subgroup", type: "string", values: group },
]);
const probOf = (rep: number, row: number) => Math.round(((target[row]! ? 0.65 : 0.35) + 0.3 * Math.sin(row * 1.7 + rep)) * 100) / 100;
const predictions = makeTable([
  { name: "replicate", type: "int", values: [...Array(24).fill(0), ...Array(24).fill(1)] },
  { name: "seed", type: "int", values: Array(48).fill(1) },
  { name: "fold", type: "int", values: [...Array(24).fill(0), ...Array(24).fill(1)] },
  { name: "row", type: "int", values: [...Array(24).keys(), ...Array(24).keys()] },
  { name: "prob", type: "float", values: [0, 1].flatMap((rep) => Array.from({ length: 24 }, (_, row) => probOf(rep, row))) },
]);
const thresholds = [0.1, 0.3, 0.5];
const params = { models: ["m"], target: "target", subgroup: "subgroup", minCell: 5 };
const evaluate = async (extra: object, seed = 0) =>
  (await runStep(subgroupMetrics, { table, predictions: [predictions] }, { ...params, ...extra }, seed)).metrics as unknown as SubgroupMetricsDoc;

describe("evaluate.subgroup-metrics: net benefit", () => {
  it("is absent unless declared, so existing evaluations keep their bytes", async () => {
    const doc = await evaluate({ resamples: 0 });
    expect("netBenefit" in doc).toBe(false);
    expect(Object.keys(doc.params)).not.toContain("netBenefit");
  });

  it("is the mean over replicates of each replicate's decision curve, per group", async () => {
    const doc = await evaluate({ resamples: 0, netBenefit: { thresholds } });
    const nb = doc.netBenefit!;
    expect(nb.thresholds).toEqual(thresholds);
    expect(nb.curves.map((c) => c.group)).toEqual(["overall", "a", "b"]);
    for (const curve of nb.curves) {
      const rows = group.flatMap((g, r) => (curve.group === "overall" || g === curve.group ? [r] : []));
      const perRep = [0, 1].map((rep) => decisionCurve(rows.map((r) => target[r]!), rows.map((r) => probOf(rep, r)), thresholds)!);
      curve.points.forEach((p, k) => {
        expect(p.model.estimate).toBeCloseTo((perRep[0]!.model[k]! + perRep[1]!.model[k]!) / 2, 14);
        expect(p.treatAll.estimate).toBeCloseTo(perRep[0]!.treatAll[k]!, 14);
        expect(p.model.replicates).toBe(2);
        expect(p.model.basis).toBe(rows.length);
        expect(p.model.interval).toBeNull();
      });
    }
  });

  it("gives bootstrap intervals around the estimate, the same for the same seed", async () => {
    const a = await evaluate({ resamples: 200, netBenefit: { thresholds } }, 7);
    const b = await evaluate({ resamples: 200, netBenefit: { thresholds } }, 7);
    expect(JSON.stringify(a.netBenefit)).toBe(JSON.stringify(b.netBenefit));
    for (const p of a.netBenefit!.curves.flatMap((c) => c.points)) {
      const [lo, hi] = p.model.interval!;
      expect(lo).toBeLessThanOrEqual(p.model.estimate! + 1e-12);
      expect(hi).toBeGreaterThanOrEqual(p.model.estimate! - 1e-12);
      expect(hi).toBeGreaterThan(lo);
    }
    // The metrics are unchanged by declaring net benefit (its resamples are drawn again from the same stream).
    const without = await evaluate({ resamples: 200 }, 7);
    expect(JSON.stringify(without.results)).toBe(JSON.stringify(a.results));
  });

  it("refuses thresholds that are not ascending or not strictly inside (0, 1)", async () => {
    await expect(evaluate({ netBenefit: { thresholds: [0.3, 0.2] } })).rejects.toThrow(/strictly ascending/);
    await expect(evaluate({ netBenefit: { thresholds: [0, 0.2] } })).rejects.toThrow(/strictly between 0 and 1/);
    await expect(evaluate({ netBenefit: { thresholds: [0.2, 1] } })).rejects.toThrow(PipelineError);
  });
});

describe("report.evaluation: the net benefit section", () => {
  const reportOf = async (doc: SubgroupMetricsDoc) => {
    const out = await runStep(evaluationReport, { sources: [], evaluations: [doc] }, { title: "Decision curves" });
    return { html: out.html as string, md: out.md as string, json: JSON.parse(out.json as string) as { evaluation: SubgroupMetricsDoc } };
  };

  it("is absent without declared thresholds", async () => {
    const { html, md } = await reportOf(await syntheticEvaluation({ resamples: 20 }));
    expect(html).not.toContain('id="net-benefit"');
    expect(md).not.toContain("Net benefit");
  });

  it("draws a decision curve per shown group and tabulates every group, hiding small cells", async () => {
    const doc = await syntheticEvaluation({ resamples: 20, netBenefit: { thresholds: [0.2, 0.4, 0.6] } });
    const { html, md } = await reportOf(doc);
    expect(html).toContain('<section id="net-benefit">');
    const section = html.slice(html.indexOf('<section id="net-benefit">'), html.indexOf("</section>", html.indexOf('<section id="net-benefit">')));
    // overall, the XSS-named group and two more are shown; tiny_group (7 people) and, by the complementary rule, one more are not drawn.
    const drawn = (section.match(/<figure class="chart">/g) ?? []).length;
    expect(drawn).toBe(doc.groups.length - 2);
    expect(section).toContain(`No decision curve is drawn for`);
    expect(section).toContain(SMALL);
    const tiny = doc.netBenefit!.curves.find((c) => c.group === SMALL && c.model === "generic")!;
    expect(section).not.toContain(fixed(tiny.points[0]!.model.estimate!, 3) + " [");
    expect(md).toContain("## Net benefit (decision curves)");
    expect(md).toContain(`Net benefit: ${escapeMarkdown(SMALL)}`);
    expect(md).toContain("< 10");
    const overall = doc.netBenefit!.curves.find((c) => c.group === "overall" && c.model === "generic")!.points[1]!.model;
    expect(section).toContain(`${fixed(overall.estimate!, 3)} [${fixed(overall.interval![0], 3)}, ${fixed(overall.interval![1], 3)}]`);
    expect(section).not.toContain("<img");
  });

  it("nulls in report.json exactly the net benefit cells the HTML hides", async () => {
    const doc = await syntheticEvaluation({ resamples: 20, netBenefit: { thresholds: [0.2, 0.4, 0.6] } });
    const { json } = await reportOf(doc);
    const curves = json.evaluation.netBenefit!.curves;
    const tiny = curves.find((c) => c.group === SMALL && c.model === "generic")!;
    expect(tiny.points.every((p) => p.model.estimate === null && p.model.interval === null && p.treatAll.estimate === null)).toBe(true);
    const overall = curves.find((c) => c.group === "overall" && c.model === "generic")!;
    expect(overall.points[1]!.model).toEqual(doc.netBenefit!.curves.find((c) => c.group === "overall" && c.model === "generic")!.points[1]!.model);
    // The complementary rule hides one more group's curves, so no hidden figure is left to subtract from overall.
    const hiddenGroups = new Set(curves.filter((c) => c.points[0]!.model.estimate === null).map((c) => c.group));
    expect(hiddenGroups.size).toBe(2);
  });
});
