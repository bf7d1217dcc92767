/**
 * evaluate.against-truth's comparison on a hand-made evaluation: regret, the share of the reference's gap closed,
 * the "recovers" rule (interval reaching the Bayes accuracy in every planted group), and the message when the
 * evaluation's groups are not the truth's levels.
 */
import { describe, expect, it } from "vitest";
import { againstTruth } from "../../steps/evaluate/against-truth.js";
import type { SubgroupMetricsDoc } from "../../steps/evaluate/subgroup-metrics/document.js";

const estimate = (value: number, interval: [number, number]) => ({ estimate: value, sd: null, replicates: 1, interval, basis: 100, suppressed: false });

/** Accuracy [value, low, high] and AUROC per model and group. */
const evaluation = (cells: Record<string, Record<string, [number, number, number, number]>>): SubgroupMetricsDoc =>
  ({
    format: "strata-metrics/1",
    metric: "subgroup-metrics",
    params: { reference: "generic" },
    models: Object.keys(cells),
    groups: ["overall", "a", "c"],
    sizes: ["overall", "a", "c"].map((group) => ({ group, testN: group === "overall" ? 200 : 100 })),
    results: Object.entries(cells).flatMap(([model, groups]) =>
      Object.entries(groups).map(([group, [acc, low, high, auroc]]) => ({ model, group, testN: 100, metrics: { accuracy: estimate(acc, [low, high]), auroc: estimate(auroc, [auroc - 0.05, auroc + 0.05]) } })),
    ),
  }) as unknown as SubgroupMetricsDoc;

const truth = {
  labelNoise: 0.05,
  groups: [
    { level: "a", n: 400, bayesAccuracy: 0.8, bayesAuroc: 0.85, planted: false },
    { level: "c", n: 400, bayesAccuracy: 0.78, bayesAuroc: 0.84, planted: true },
  ],
};

const fail = (field: string, problem: string): never => {
  throw new Error(`${field}: ${problem}`);
};

describe("evaluate.against-truth", () => {
  it("measures regret and gap closed, and says which method recovers the planted group", () => {
    const doc = againstTruth(
      evaluation({
        generic: { overall: [0.7, 0.65, 0.75, 0.8], a: [0.79, 0.72, 0.86, 0.84], c: [0.5, 0.4, 0.6, 0.6] },
        dcp: { overall: [0.78, 0.73, 0.83, 0.84], a: [0.78, 0.71, 0.85, 0.84], c: [0.75, 0.66, 0.79, 0.82] },
        close: { overall: [0.72, 0.67, 0.77, 0.8], a: [0.79, 0.72, 0.86, 0.84], c: [0.71, 0.62, 0.77, 0.78] },
      }),
      truth,
      "group",
      fail,
    );
    expect(doc.groups.map((g) => [g.group, g.planted, g.testN])).toEqual([["a", false, 100], ["c", true, 100]]);
    const c = doc.groups[1]!;
    const dcp = c.methods.find((m) => m.model === "dcp")!;
    expect(dcp.accuracyRegret).toBeCloseTo(0.03, 12);
    expect(dcp.aurocRegret).toBeCloseTo(0.02, 12);
    expect(dcp.gapClosed).toBeCloseTo((0.75 - 0.5) / (0.78 - 0.5), 12);
    expect(c.methods.find((m) => m.model === "generic")!.gapClosed).toBeNull();
    expect(doc.groups[0]!.methods.every((m) => m.gapClosed === null)).toBe(true);
    // dcp's interval reaches 0.78 (upper end 0.79); "close" stops at 0.77.
    expect(doc.recovers).toEqual({ generic: null, dcp: true, close: false });
  });

  it("names the field when the evaluation's groups are not the truth's levels", () => {
    const doc = evaluation({ generic: { overall: [0.7, 0.6, 0.8, 0.8], a: [0.7, 0.6, 0.8, 0.8], c: [0.7, 0.6, 0.8, 0.8] } });
    expect(() => againstTruth(doc, { ...truth, groups: truth.groups.slice(0, 1) }, "group", fail)).toThrow(/params\.subgroup: the evaluation's group "c" is not a level of "group"/);
  });
});
