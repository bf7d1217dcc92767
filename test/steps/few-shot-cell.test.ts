/**
 * One few-shot cell (evaluate.few-shot-cell) on a small three-site table, in-process through the step harness: the
 * support comes from the held-out site's training rows and the query is its test rows; pooled does not depend on k;
 * at k = 0 nothing adapts (fine-tuned is pooled, a meta method is its initialization) and the local models are
 * undefined with the reason; mismatched meta-initializations and unknown sites are user errors naming the field.
 */
import { describe, expect, it } from "vitest";
import { makeTable } from "../../artifacts/table.js";
import type { CellDocument } from "../../steps/evaluate/few-shot/cell-document.js";
import { fewShotCell } from "../../steps/evaluate/few-shot/cell.js";
import { ROLE_CODE, encodeSplit } from "../../steps/split/split-codec.js";
import { predictLogistic } from "../../steps/train/meta/adapt.js";
import { runStep } from "../support/step-harness.js";

// Sites A and B (30 rows each) and C (20 rows: 0..9 train, 10..19 test); y depends on x1, shifted at C.
const sites = [...Array(30).fill("A"), ...Array(30).fill("B"), ...Array(20).fill("C")] as string[];
const x1 = sites.map((_, r) => ((r * 37) % 23) / 23 - 0.5);
const x2 = sites.map((_, r) => ((r * 11) % 7) / 7);
const target = sites.map((s, r) => ((s === "C" ? -x1[r]! : x1[r]!) + 0.3 * x2[r]! > 0.1 ? 1 : 0));
const table = makeTable([
  { name: "site", type: "string", values: sites },
  { name: "x1", type: "float", values: x1 },
  { name: "x2", type: "float", values: x2 },
  { name: "target", type: "int", values: target },
]);
const cRows = sites.flatMap((s, r) => (s === "C" ? [r] : []));
const roles = Int32Array.from(sites, (s, r) => (s === "C" && cRows.indexOf(r) >= 10 ? ROLE_CODE.test : ROLE_CODE.train));
const split = encodeSplit([{ replicate: 0, seed: 1, fold: 0, roles }]);
const params = (shots: number) => ({
  siteColumn: "site",
  site: "C",
  features: ["x1", "x2"],
  target: "target",
  shots,
  adapt: { steps: 5, lr: 0.1, batchSize: 40, optimizer: "sgd" },
});
const init = (heldOutSite = "C") => ({
  format: "strata-meta-init/1",
  model: "logistic",
  method: "reptile",
  options: { iterations: 1, tasksPerIteration: 1, innerSteps: 1, innerLr: 0.1, outerLr: 0.5, supportSize: 5, querySize: 5, l2: 0 },
  features: ["x1", "x2"],
  target: "target",
  siteColumn: "site",
  standardization: { means: [0.1, 0.4], sds: [0.3, 0.2] },
  params: [0.5, -0.25, 0.125],
  heldOutSite,
  trainingSites: ["A", "B"],
  trainingRows: [30, 30],
});
const cellOf = async (shots: number, inits: object[] = [init()], seed = 4) =>
  (await runStep(fewShotCell, { table, split, inits }, params(shots), seed)).cell as unknown as CellDocument;
const probs = (doc: CellDocument, method: string) => doc.methods.find((m) => m.method === method)!.probabilities;

describe("evaluate.few-shot-cell", () => {
  it("scores every method on the held-out site's test rows, with nothing adapted at k = 0", async () => {
    const zero = await cellOf(0);
    expect(zero.query.labels).toEqual(cRows.slice(10).map((r) => target[r]));
    expect(zero.support).toEqual({ size: 0, positives: 0, available: 10, capped: false });
    expect(zero.methods.map((m) => m.method)).toEqual(["pooled", "pooled+support", "local-lr", "local-adapt", "fine-tuned", "reptile"]);
    expect(probs(zero, "fine-tuned")).toEqual(probs(zero, "pooled"));
    expect(probs(zero, "pooled+support")).toEqual(probs(zero, "pooled"));
    expect(zero.methods.find((m) => m.method === "local-lr")).toEqual({ method: "local-lr", probabilities: null, undefinedBecause: "no support rows (k = 0)" });
    // The meta method at k = 0 is its initialization on the query rows z-scored with the document's standardization.
    const query = cRows.slice(10).flatMap((r) => [(x1[r]! - 0.1) / 0.3, (x2[r]! - 0.4) / 0.2]);
    expect(probs(zero, "reptile")).toEqual(Array.from(predictLogistic(Float64Array.from([0.5, -0.25, 0.125]), Float64Array.from(query), 10, 2)));

    const six = await cellOf(6);
    expect(six.support).toMatchObject({ size: 6, available: 10, capped: false });
    expect(probs(six, "pooled")).toEqual(probs(zero, "pooled"));
    for (const m of ["pooled+support", "fine-tuned", "reptile"]) expect(probs(six, m), m).not.toEqual(probs(zero, m));
    expect(probs(six, "local-adapt")).not.toBeNull();
    expect(await cellOf(6)).toEqual(six);
    expect(await cellOf(12)).toMatchObject({ support: { size: 10, capped: true } });

    // metaAdaptation "document": the meta method follows its document's rule (here 0 steps: its initialization).
    const own = (await runStep(fewShotCell, { table, split, inits: [{ ...init(), adaptation: { steps: 0, candidates: [0, 5], meanQueryLoss: [0.3, 0.4], draws: 10 } }] }, { ...params(6), metaAdaptation: "document" }, 4))
      .cell as unknown as CellDocument;
    expect(probs(own, "reptile")).toEqual(probs(zero, "reptile"));
    expect(probs(own, "fine-tuned")).toEqual(probs(six, "fine-tuned"));
  });

  it("refuses an initialization meta-trained for another site, and a site the table lacks", async () => {
    await expect(cellOf(5, [init("B")])).rejects.toThrow(/inputs\.inits\[0\].*meta-trained with "B" held out, not "C"/s);
    await expect(cellOf(5, [init(), init()])).rejects.toThrow(/a second initialization named "reptile"/);
    await expect(runStep(fewShotCell, { table, split, inits: [] }, { ...params(5), site: "D" })).rejects.toThrow(/params\.site.*no row has site = "D"; the sites are A, B, C/s);
  });
});
