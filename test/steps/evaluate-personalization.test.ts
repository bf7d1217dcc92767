import { describe, expect, it } from "vitest";
import { DataError, PipelineError } from "../../dsl/errors.js";
import type { TableHandle } from "../../dsl/handles.js";
import type { PredictionsHandle } from "../../dsl/handles.js";
import { StudyGraph } from "../../dsl/study.js";
import { type PersonalizationMetrics, evaluatePersonalization, personalization } from "../../steps/evaluate/personalization.js";
import { runStep } from "../support/step-harness.js";
import { cross, harmless, hurtsB, labelsTable, predictions, reference } from "./evaluate-personalization.fixtures.js";

const params = { target: "target", subgroup: "subgroup", methods: ["harmless", "hurts-b"], cross: [] as string[] };

const evaluate = async (extra: object = {}, inputs = [reference, harmless, hurtsB]) =>
  (await runStep(personalization, { table: labelsTable(), predictions: inputs }, { ...params, ...extra }, 4)).metrics as unknown as PersonalizationMetrics;

const gainOf = (m: PersonalizationMetrics, method: string, group: string) => m.gains.find((g) => g.method === method && g.group === group)!;
const accOf = (m: PersonalizationMetrics, model: string, group: string) => m.accuracy.find((a) => a.model === model && a.group === group)!;

describe("evaluate.personalization", () => {
  it("gives per-group accuracy, per-run gains and the share of negative runs", async () => {
    const m = await evaluate();
    expect(m.groups).toEqual(["overall", "a", "b"]);
    expect(m.replicates).toBe(3);
    expect(accOf(m, "generic", "a")).toMatchObject({ nMin: 6, nMax: 6, people: 6, accuracy: { mean: 5 / 6, sd: 0, replicates: 3 } });
    expect(accOf(m, "hurts-b", "b").accuracy.mean).toBe(0);
    // harmless: person 0 fixed in all runs, person 1 broken in run 0 only
    const h = gainOf(m, "harmless", "a");
    expect(h.gain.mean).toBeCloseTo((0 + 1 / 6 + 1 / 6) / 3, 12);
    expect(h.gain.sd).toBeCloseTo(Math.sqrt(((1 / 9) ** 2 + 2 * (1 / 18) ** 2) / 2), 12);
    expect([h.negative, h.zero, h.positive]).toEqual([0, 1, 2]);
    expect(h.negativeFraction).toBe(0);
    const hb = gainOf(m, "hurts-b", "b");
    expect(hb.gain).toMatchObject({ mean: -5 / 6, sd: 0, replicates: 3 });
    expect([hb.negative, hb.negativeFraction]).toEqual([3, 1]);
    expect(m.perReplicate.filter((r) => r.model === "hurts-b" && r.group === "b").map((r) => [r.replicate, r.n, r.correct])).toEqual([
      [0, 6, 0], [1, 6, 0], [2, 6, 0],
    ]);
  });

  it("flags a model built to hurt one subgroup, and not the other subgroup or a harmless model", async () => {
    const m = await evaluate({ adjust: "none" });
    const hb = gainOf(m, "hurts-b", "b");
    expect([hb.peopleHarmed, hb.peopleTied, hb.peopleHelped]).toEqual([5, 1, 0]);
    expect(hb.mcnemar).toMatchObject({ b: 5, c: 0 });
    expect(hb.mcnemar.pHarm).toBeCloseTo(1 / 32, 12);
    expect(hb.harmed).toBe(true);
    // Holm (the default) across the two subgroups doubles the smallest p-value: 2/32 > 0.05, so no flag.
    const holm = gainOf(await evaluate(), "hurts-b", "b");
    expect(holm.pAdjusted).toBeCloseTo(2 / 32, 12);
    expect(holm.harmed).toBe(false);
    const bh = gainOf(await evaluate({ adjust: "benjamini-hochberg" }), "hurts-b", "b");
    expect(bh.pAdjusted).toBeCloseTo(2 / 32, 12);
    expect(gainOf(m, "hurts-b", "a").harmed).toBe(false);
    expect(gainOf(m, "hurts-b", "a").mcnemar).toMatchObject({ b: 0, c: 0, pHarm: 1 });

    const h = gainOf(m, "harmless", "a");
    // person 1 was right in 2 of 3 runs instead of 3 (harmed), person 0 in 3 instead of 0 (helped)
    expect([h.peopleHarmed, h.peopleHelped]).toEqual([1, 1]);
    expect(h.harmed).toBe(false);
    expect(m.gains.filter((g) => g.method === "harmless").every((g) => !g.harmed)).toBe(true);

    // The bootstrap sign test is reported beside it, on the same people (B resamples within group × label).
    expect(hb.bootstrap).toMatchObject({ test: "bootstrap-sign", resamples: 1000, atLeastAsGood: 0, harmed: true });
    expect(h.bootstrap.harmed).toBe(false);
    expect(m.harmTest).toMatchObject({ flagWith: "exact-mcnemar", unit: "person", multiplicity: "none", bootstrapResamples: 1000 });

    // A stricter alpha removes the flag (1/32 > 0.01); flagging with the bootstrap test keeps it.
    expect(gainOf(await evaluate({ alpha: 0.01 }), "hurts-b", "b").harmed).toBe(false);
    const boot = await evaluate({ flagWith: "bootstrap-sign", bootstrapResamples: 200, adjust: "none" });
    expect(gainOf(boot, "hurts-b", "b").harmed).toBe(true);
    expect(gainOf(boot, "hurts-b", "b").bootstrap.resamples).toBe(200);
  });

  it("checks envy-freeness with every group's model on every group", async () => {
    const m = (await runStep(personalization, { table: labelsTable(), predictions: [reference, harmless, cross] }, { ...params, methods: ["dcp"], cross: ["dcp"] }, 4))
      .metrics as unknown as PersonalizationMetrics;
    const aWithB = m.envy.find((e) => e.group === "a" && e.modelGroup === "b")!;
    expect(aWithB.accuracy.mean).toBe(1);
    expect(aWithB.envy).toMatchObject({ mean: 1 - 1 / 6, replicates: 3 });
    expect([aWithB.envyRuns, aWithB.envyFraction]).toEqual([3, 1]);
    expect(aWithB.mcnemar).toMatchObject({ b: 5, c: 0 });
    expect(aWithB.envious).toBe(true);
    const bWithA = m.envy.find((e) => e.group === "b" && e.modelGroup === "a")!;
    expect(bWithA.envious).toBe(false);
    expect(bWithA.envy.mean).toBe(-1);
    expect(m.envyFreeness).toEqual([
      { method: "dcp", group: "a", envyFree: false, envies: ["b"] },
      { method: "dcp", group: "b", envyFree: true, envies: [] },
    ]);
  });

  it("is deterministic and fails clearly on misaligned inputs", async () => {
    expect(JSON.stringify(await evaluate())).toBe(JSON.stringify(await evaluate()));
    await expect(evaluate({}, [reference, harmless])).rejects.toThrow(/expected 3 predictions inputs/);
    await expect(evaluate({}, [reference, harmless, predictions(() => true, [0, 1])])).rejects.toThrow(DataError);
    await expect(evaluate({}, [reference, harmless, predictions(() => true, [0, 1])])).rejects.toThrow(/inputs\.predictions\[2\].*replicates 0, 1 but generic has 0, 1, 2/);
    await expect(evaluate({ methods: ["generic", "x"] })).rejects.toThrow(/params\.methods/);
    await expect(evaluate({ cross: ["nope"] })).rejects.toThrow(/params\.cross/);
    await expect(
      runStep(personalization, { table: labelsTable(), predictions: [reference, harmless, reference] }, { ...params, methods: ["dcp"], cross: ["dcp"] }, 4),
    ).rejects.toThrow(/model_group/);
  });
});

describe("evaluatePersonalization builder", () => {
  it("orders methods and cross predictions by label and checks columns", () => {
    const graph = new StudyGraph("personalization-builder", 0);
    const t = { kind: "table", ref: { node: "prep", output: "table" }, study: graph, columns: { target: "int", subgroup: "string" } } as TableHandle<{ target: "int"; subgroup: "string" }>;
    const p = (node: string): PredictionsHandle => ({ kind: "predictions", ref: { node, output: "predictions" }, study: graph });
    evaluatePersonalization(t, { reference: p("g"), methods: { z: p("z"), a: p("a") }, cross: { z: p("zc") } }, { target: "target", subgroup: "subgroup" }, { id: "ev" });
    const node = graph.nodes[0]!;
    expect(node.params).toMatchObject({ reference: "generic", methods: ["a", "z"], cross: ["z"], alpha: 0.05, flagWith: "exact-mcnemar", bootstrapResamples: 1000 });
    expect((node.inputs.predictions as unknown as { node: string }[]).map((i) => i.node)).toEqual(["g", "a", "z", "zc"]);
    // @ts-expect-error "group" is not a column
    expect(() => evaluatePersonalization(t, { reference: p("g"), methods: { a: p("a") } }, { target: "target", subgroup: "group" }, { id: "ev2" })).toThrow(PipelineError);
  });
});
