/**
 * The evaluation's bootstrap strata as codes (subgroup × label, no string per person) draw the same resamples as
 * the strata keyed `${subgroup}\u0000${label}`, also when one subgroup's name is a prefix of another's.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../engine/random.js";
import { stratifiedSampler, stratifiedSamplerOfCodes } from "../../steps/evaluate/bootstrap.js";
import type { Labels } from "../../steps/evaluate/labels.js";
import { layoutGroups, populationStrata } from "../../steps/evaluate/subgroup-metrics/groups.js";
import { replicateScoresOfDense } from "../../steps/evaluate/subgroup-metrics/replicate-scores.js";

describe("bootstrap strata as codes", () => {
  it("draw what the string keys draw, subgroups in code-unit order", () => {
    const random = seededRandom(4, "strata-codes");
    const n = 600;
    // Code-unit order, as readLabels gives them: "young" is a prefix of "young_female", "Z" sorts before "a".
    const groups = ["Z", "a", "young", "young_female"];
    const labels: Labels = { y: Uint8Array.from({ length: n }, () => (random() < 0.3 ? 1 : 0)), group: Int32Array.from({ length: n }, () => Math.floor(random() * 4)), groups };
    // Every other row evaluated, so population positions differ from table rows.
    const prob = Float64Array.from({ length: n }, (_, r) => (r % 2 === 0 ? random() : Number.NaN));
    const layout = layoutGroups(labels, [{ label: "m", replicates: [replicateScoresOfDense({ replicate: 0, seed: 1, fold: 0 }, prob)] }], 0.1);
    const strata = populationStrata(layout, labels);
    const byCode = stratifiedSamplerOfCodes(strata.codes, strata.codeCount);
    const byKey = stratifiedSampler(Array.from(layout.population, (r) => `${groups[labels.group[r]!]}\u0000${labels.y[r]}`));
    const [a, b] = [seededRandom(9, "bootstrap"), seededRandom(9, "bootstrap")];
    const [countsA, countsB] = [new Int32Array(layout.population.length), new Int32Array(layout.population.length)];
    for (let resample = 0; resample < 30; resample++) {
      byCode(a, countsA);
      byKey(b, countsB);
      expect(countsA).toEqual(countsB);
    }
    expect(countsA.reduce((s, c) => s + c, 0)).toBe(layout.population.length);
  });
});
