/**
 * synth.structural with exact level counts (`counts` instead of `probs`): every level has exactly its count, the
 * order is shuffled (not level blocks) and seeded, an attribute with probs keeps its draws, and counts that do not
 * sum to n are refused at load time with the field named.
 */
import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { logicalDigest } from "../../artifacts/table.js";
import { PipelineError } from "../../dsl/errors.js";
import { study } from "../../dsl/study.js";
import { synthStructural, synthStructuralStep } from "../../steps/synth/structural.js";
import type { StructuralSpecInput } from "../../steps/synth/structural-spec.js";
import { runStep } from "../support/step-harness.js";

const spec = (counts: readonly number[], n = 70_000): StructuralSpecInput => ({
  n,
  covariates: [{ name: "x", kind: "normal", mean: 0, sd: 1 }],
  subgroups: [
    { name: "cell", levels: ["a", "b", "c"], counts },
    { name: "sex", levels: ["female", "male"], probs: [0.4, 0.6] },
  ],
  outcome: { intercept: -1, coefficients: { x: 1 }, bySubgroup: [{ subgroup: "cell", level: "c", intercept: 1 }] },
});

const cohort = async (s: object, seed = 5) => (await runStep(synthStructuralStep, {}, s, seed)).cohort as arrow.Table;
const column = (t: arrow.Table, name: string): string[] => Array.from({ length: t.numRows }, (_, r) => t.getChild(name)!.get(r) as string);
const tally = (values: readonly string[]) => values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});

describe("synth.structural: attributes with exact counts", () => {
  it("gives every level exactly its count, shuffled across the cohort's random blocks, the same for the same seed", async () => {
    // 70,000 rows: more than one random block of 65,536, so the shuffle spans blocks.
    const t = await cohort(spec([898, 61_000, 8_102]));
    const cell = column(t, "cell");
    expect(tally(cell)).toEqual({ a: 898, b: 61_000, c: 8_102 });
    // Shuffled, not in level order: a's rows spread over the whole cohort (both halves hold a good share).
    const firstHalf = cell.slice(0, 35_000).filter((v) => v === "a").length;
    expect(firstHalf).toBeGreaterThan(380);
    expect(firstHalf).toBeLessThan(518);
    expect(cell.slice(65_536).some((v) => v === "a")).toBe(true);
    expect(logicalDigest(await cohort(spec([898, 61_000, 8_102])))).toBe(logicalDigest(t));
    expect(logicalDigest(await cohort(spec([898, 61_000, 8_102]), 6))).not.toBe(logicalDigest(t));
    // The other attribute is still drawn row by row with its probabilities.
    const female = column(t, "sex").filter((v) => v === "female").length / t.numRows;
    expect(Math.abs(female - 0.4)).toBeLessThan(0.01);
  });

  it("refuses counts that do not add up to n when the study loads, naming the attribute", () => {
    let error: unknown;
    try {
      study("bad-counts", (s) => {
        synthStructural(s, spec([10, 20, 30], 61), { id: "cohort" });
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PipelineError);
    expect(String((error as Error).message)).toContain('the counts of "cell" sum to 60, not n = 61');
  });
});
