/** The support-set rule of the few-shot cells (steps/evaluate/few-shot/support.ts). */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../engine/random.js";
import { drawSupport } from "../../steps/evaluate/few-shot/support.js";

// 30 training rows (indices 100..129): 10 positives, 20 negatives.
const train = Int32Array.from({ length: 30 }, (_, i) => 100 + i);
const labels = new Float64Array(130);
for (let i = 0; i < 10; i++) labels[100 + 3 * i] = 1;
const streams = (seed: number) => (name: string) => seededRandom(seed, name);
const count = (rows: Int32Array, label: number) => Array.from(rows).filter((r) => labels[r] === label).length;

describe("few-shot support sets", () => {
  it("are stratified, drawn from the training rows only, nested across k for one seed, and differ between seeds", () => {
    const sizes = [0, 5, 10, 20];
    const bySeed = (seed: number) => sizes.map((k) => drawSupport(train, labels, k, streams(seed)));
    const one = bySeed(1);
    one.forEach((s, i) => {
      const k = sizes[i]!;
      expect(s.rows.length).toBe(k);
      expect(new Set(s.rows).size).toBe(k);
      expect(Array.from(s.rows).every((r) => r >= 100 && r < 130)).toBe(true);
      expect(count(s.rows, 1)).toBe(Math.round(k / 3));
      expect(s.positives).toBe(count(s.rows, 1));
      expect(s.capped).toBe(false);
    });
    for (let i = 1; i < sizes.length; i++) {
      const larger = new Set(one[i]!.rows);
      expect(Array.from(one[i - 1]!.rows).every((r) => larger.has(r)), `k = ${sizes[i - 1]} inside k = ${sizes[i]}`).toBe(true);
    }
    expect(Array.from(bySeed(1)[2]!.rows)).toEqual(Array.from(one[2]!.rows));
    expect(Array.from(bySeed(2)[2]!.rows)).not.toEqual(Array.from(one[2]!.rows));
  });

  it("keeps one row of each class when both exist, and caps k at the rows a site has", () => {
    // 1 positive among 30: round(5 / 30) = 0 positives, moved up to 1.
    const rare = new Float64Array(130);
    rare[110] = 1;
    const s = drawSupport(train, rare, 5, streams(3));
    expect(s.positives).toBe(1);
    expect(Array.from(s.rows)).toContain(110);
    const all = drawSupport(train, labels, 40, streams(3));
    expect(all).toMatchObject({ available: 30, capped: true, positives: 10 });
    // Ascending, so the capped set is the same rows in the same order under every seed.
    expect(Array.from(all.rows)).toEqual(Array.from(train));
    expect(Array.from(drawSupport(train, labels, 40, streams(4)).rows)).toEqual(Array.from(train));
    // One class only: every support row is that class.
    const onlyPositive = drawSupport(train, new Float64Array(130).fill(1), 5, streams(3));
    expect(onlyPositive.positives).toBe(5);
  });
});
