/**
 * Sample-weight schemes (steps/train/sample-weights.ts): hand-computed weights, the strength and cap, the params
 * checks, and the leakage guard: weights are fitted on a replicate's training rows only.
 */
import { Schema } from "effect";
import { describe, expect, it } from "vitest";
import { type SampleWeights, SampleWeightsSchema, fitSampleWeights } from "../../steps/train/sample-weights.js";

const decode = (value: unknown): SampleWeights => Schema.decodeUnknownSync(SampleWeightsSchema)(value);

// Rows 0-7 "common" (rows 0-3 positive), rows 8-9 "rare" (row 8 positive); rows 10-11 are test rows.
const groups = [...Array(8).fill("common"), "rare", "rare", "rare", "common"] as string[];
const y = [1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 1];
const train = Int32Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);

describe("sample weights", () => {
  it("uniform weighs every training row 1", () => {
    expect([...fitSampleWeights(decode({ scheme: "uniform" }), [], y, train)]).toEqual(Array(10).fill(1));
  });

  it("inverse prevalence weighs subgroups to equal total weight, scaled to mean 1", () => {
    const w = fitSampleWeights(decode({ scheme: "inverse-prevalence", subgroup: "g" }), groups, y, train);
    // raw: common 10 / (2 · 8) = 0.625, rare 10 / (2 · 2) = 2.5; their mean is already 1.
    expect(w[0]).toBeCloseTo(0.625, 15);
    expect(w[8]).toBeCloseTo(2.5, 15);
    expect(w.reduce((s, v) => s + v, 0)).toBeCloseTo(10, 12);
  });

  it("strength interpolates from uniform (0) to full (1) as a power", () => {
    const half = fitSampleWeights(decode({ scheme: "inverse-prevalence", subgroup: "g", strength: 0.5 }), groups, y, train);
    const raw = [Math.sqrt(0.625), Math.sqrt(2.5)];
    const scale = 10 / (8 * raw[0]! + 2 * raw[1]!);
    expect(half[0]).toBeCloseTo(raw[0]! * scale, 14);
    expect(half[9]).toBeCloseTo(raw[1]! * scale, 14);
    const none = fitSampleWeights(decode({ scheme: "inverse-prevalence", subgroup: "g", strength: 0 }), groups, y, train);
    expect([...none]).toEqual(Array(10).fill(1));
  });

  it("utility weighs each (subgroup, label) cell by its declared utility, 1 where none is declared", () => {
    const w = fitSampleWeights(decode({ scheme: "utility", subgroup: "g", utilities: [{ group: "rare", label: 1, utility: 11 }] }), groups, y, train);
    // raw: 9 rows of 1 and row 8 of 11: sum 20, scale 0.5.
    expect(w[8]).toBeCloseTo(5.5, 15);
    expect(w[9]).toBeCloseTo(0.5, 15);
    expect(w[0]).toBeCloseTo(0.5, 15);
  });

  it("caps the largest weight after scaling", () => {
    const w = fitSampleWeights(decode({ scheme: "utility", subgroup: "g", utilities: [{ group: "rare", label: 1, utility: 11 }], cap: 3 }), groups, y, train);
    expect(w[8]).toBe(3);
    expect(w[0]).toBeCloseTo(0.5, 15);
  });

  it("refuses a cell declared twice, a negative strength and a cap below 1", () => {
    const cell = { group: "rare", label: 1, utility: 2 };
    expect(() => decode({ scheme: "utility", subgroup: "g", utilities: [cell, cell] })).toThrow(/declared twice/);
    expect(() => decode({ scheme: "inverse-prevalence", subgroup: "g", strength: -1 })).toThrow();
    expect(() => decode({ scheme: "inverse-prevalence", subgroup: "g", cap: 0.5 })).toThrow();
  });
});

describe("leakage guard: weights are fitted on training rows only", () => {
  it("moving test rows to another subgroup or flipping their labels changes no training row's weight", () => {
    for (const scheme of [
      { scheme: "inverse-prevalence", subgroup: "g" },
      { scheme: "utility", subgroup: "g", utilities: [{ group: "rare", label: 1, utility: 7 }] },
    ]) {
      const clean = fitSampleWeights(decode(scheme), groups, y, train);
      const plantedGroups = [...groups.slice(0, 10), "rare", "rare"];
      const plantedY = [...y.slice(0, 10), 1, 1];
      const planted = fitSampleWeights(decode(scheme), plantedGroups, plantedY, train);
      expect([...planted]).toEqual([...clean]);
      // ...while the same change on a training row does change them (the test can fail).
      const onTrain = fitSampleWeights(decode(scheme), ["rare", ...groups.slice(1)], y, train);
      expect([...onTrain]).not.toEqual([...clean]);
    }
  });
});
