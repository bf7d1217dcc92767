/**
 * train.meta through the real CLI and store (test/steps/train-meta.pipeline.ts on the synthetic three-site table
 * test/fixtures/train-meta/sites.csv), and its user errors in-process.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import { seededRandom } from "../../engine/random.js";
import { adapt, predictLogistic } from "../../steps/train/meta/adapt.js";
import { adaptOptionsOf, decodeMetaInit, initParams } from "../../steps/train/meta/init-document.js";
import { innerLoop } from "../../steps/train/meta/meta-train.js";
import { allRows } from "../../steps/train/meta/task.js";
import { metaTrain } from "../../steps/train/meta/meta-train.js";
import { trainMetaStep } from "../../steps/train/meta/train-meta.js";
import type { Task } from "../../steps/train/meta/task.js";
import { makeTable } from "../../artifacts/table.js";
import { jsonOf, repoRoot, strata } from "../support/cli.js";
import { runStep } from "../support/step-harness.js";
import { makeTempDir } from "../support/temp-project.js";
import { META_STEP_OPTIONS } from "./train-meta.pipeline.js";

interface RunJson {
  nodes: { id: string; outputs: Record<string, string> }[];
}

const stores: string[] = [];
afterAll(() => {
  for (const s of stores) fs.rmSync(s, { recursive: true, force: true });
});

const FEATURES = ["x1", "x2", "x3"];

/** The fixture's rows of `sites`, parsed here on their own (not through the step), standardized as documented. */
const fixtureRows = (): string[][] =>
  fs.readFileSync(path.join(repoRoot, "test/fixtures/train-meta/sites.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));

const expectedTasks = (sites: readonly string[]) => {
  const rows = fixtureRows().filter((cells) => sites.includes(cells[0]!));
  const d = FEATURES.length;
  const means = FEATURES.map((_, j) => rows.reduce((s, r) => s + Number(r[1 + j]), 0) / rows.length);
  const sds = FEATURES.map((_, j) => Math.sqrt(rows.reduce((s, r) => s + (Number(r[1 + j]) - means[j]!) ** 2, 0) / rows.length));
  const tasks = sites.map((site): Task => {
    const own = rows.filter((r) => r[0] === site);
    const x = Float64Array.from(own.flatMap((r) => FEATURES.map((_, j) => (Number(r[1 + j]) - means[j]!) / sds[j]!)));
    return { x, y: Float64Array.from(own, (r) => Number(r[4])), n: own.length, d };
  });
  return { means, sds, tasks };
};

const runPipeline = async (store: string) =>
  jsonOf<RunJson>(await strata(["run", "test/steps/train-meta.pipeline.ts", "--store", store, "--out", path.join(store, "out"), "--no-lock", "--json"]));

describe("train.meta through the CLI", () => {
  it("writes a strata-meta-init/1 document per method, fitted on every site but the held-out one, identical in two cold runs", async () => {
    const [a, b] = [makeTempDir("strata-meta-a-"), makeTempDir("strata-meta-b-")];
    stores.push(a, b);
    const [first, second] = await Promise.all([runPipeline(a), runPipeline(b)]);
    const digests = (run: RunJson) => run.nodes.filter((n) => n.id.startsWith("meta-")).map((n) => n.outputs["init"]);
    expect(digests(first)).toEqual(digests(second));
    expect(new Set(digests(first)).size).toBe(2);

    const store = new ContentStore(a);
    const expected = expectedTasks(["Alpha", "Beta"]);
    for (const method of ["reptile", "maml"] as const) {
      const node = first.nodes.find((n) => n.id === `meta-${method}`)!;
      const doc = decodeMetaInit(JSON.parse(new TextDecoder().decode(store.get(node.outputs["init"]!))));
      expect(doc).toMatchObject({ format: "strata-meta-init/1", model: "logistic", method, heldOutSite: "Gamma", trainingSites: ["Alpha", "Beta"], trainingRows: [40, 30], features: FEATURES, siteColumn: "site", target: "target" });
      expect(doc.options).toEqual(META_STEP_OPTIONS);
      doc.standardization.means.forEach((m, j) => expect(m).toBeCloseTo(expected.means[j]!, 10));
      doc.standardization.sds.forEach((s, j) => expect(s).toBeCloseTo(expected.sds[j]!, 10));
      // The step's meta-training is metaTrain on those tasks with the node's "meta-train" stream (seed 7).
      const direct = metaTrain(expected.tasks, { method, ...META_STEP_OPTIONS }, seededRandom(7, "meta-train"));
      doc.params.forEach((p, j) => expect(p).toBeCloseTo(direct[j]!, 10));
      expect(doc.params.some((p) => Math.abs(p) > 0.05)).toBe(true);
      const adaptation = doc.adaptation!;
      expect(adaptation.candidates).toEqual([0, 1, 2, 3, 5, 8, 13, 20]);
      expect(adaptation.candidates).toContain(adaptation.steps);
      const best = Math.min(...adaptation.meanQueryLoss);
      expect(adaptation.meanQueryLoss[adaptation.candidates.indexOf(adaptation.steps)]).toBe(best);
      // A few-shot cell's use of it: Gamma's first 10 rows (standardized with the document's statistics) adapted as the
      // document says, which is the inner loop's rule for the chosen number of steps.
      const gammaRows = fixtureRows().filter((c) => c[0] === "Gamma").slice(0, 10);
      const support: Task = {
        x: Float64Array.from(gammaRows.flatMap((c) => FEATURES.map((_, j) => (Number(c[1 + j]) - doc.standardization.means[j]!) / doc.standardization.sds[j]!))),
        y: Float64Array.from(gammaRows, (c) => Number(c[4])),
        n: 10,
        d: FEATURES.length,
      };
      const adapted = adapt(initParams(doc), support, adaptOptionsOf(doc, support.n), seededRandom(1, "unused"));
      const byInnerLoop = new Float64Array(FEATURES.length + 1);
      innerLoop(initParams(doc), support, allRows(10), adaptation.steps, doc.options.innerLr, doc.options.l2, byInnerLoop);
      expect(Array.from(adapted)).toEqual(Array.from(byInnerLoop));
      expect(predictLogistic(adapted, support.x, 10, FEATURES.length).every((p) => p > 0 && p < 1)).toBe(true);
      // A document with the contract's fields only adapts with the inner loop's own step count.
      const { adaptation: _, ...contractOnly } = doc;
      expect(adaptOptionsOf(decodeMetaInit(contractOnly), 10).steps).toBe(doc.options.innerSteps);
    }
  }, 60_000);
});

describe("train.meta user errors", () => {
  it("through the CLI: an unknown held-out site ends the run with one message naming the node and the field", async () => {
    const store = makeTempDir("strata-meta-bad-");
    stores.push(store);
    const r = await strata(["run", "test/steps/train-meta-unknown-site.pipeline.ts", "--store", store, "--out", path.join(store, "out"), "--no-lock"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/node "meta" \(train\.meta\).*params\.heldOut.*no row has site "Delta"; the sites are Alpha, Beta, Gamma/);
    expect(r.stderr).not.toMatch(/internal error|    at /);
  }, 60_000);

  const table = makeTable([
    { name: "site", type: "string", values: ["A", "A", "B", "B", "C", null] },
    { name: "x", type: "float", values: [1, 2, 3, 4, 5, 6] },
    { name: "y", type: "int", values: [0, 1, 0, 1, 0, 1] },
  ]);
  const complete = makeTable([
    { name: "site", type: "string", values: ["A", "A", "A", "B", "B", "C"] },
    { name: "x", type: "float", values: [1, 2, 3, 4, null, 6] },
    { name: "y", type: "int", values: [0, 1, 0, 1, 0, 1] },
  ]);
  const filled = makeTable([
    { name: "site", type: "string", values: ["A", "A", "A", "B", "B", "C"] },
    { name: "x", type: "float", values: [1, 2, 3, 4, 5, 6] },
    { name: "y", type: "int", values: [0, 1, 0, 1, 0, 1] },
    { name: "bad", type: "int", values: [0, 2, 0, 1, 0, 1] },
  ]);
  const base = { site: "site", heldOut: "C", features: ["x"], target: "y", supportSize: 2, querySize: 1 };

  it("names the field and says what to do", async () => {
    await expect(runStep(trainMetaStep, { table }, base)).rejects.toThrow(/params\.site.*no site at row 6 \(1-based\)/);
    await expect(runStep(trainMetaStep, { table: filled }, { ...base, heldOut: "D" })).rejects.toThrow(/params\.heldOut.*no row has site "D"; the sites are A, B, C/);
    await expect(runStep(trainMetaStep, { table: filled }, { ...base, target: "bad" })).rejects.toThrow(/params\.target.*is 2 at row 2.*0\/1 labels/);
    await expect(runStep(trainMetaStep, { table: complete }, base)).rejects.toThrow(/params\.features\[0\].*missing at row 5.*drop or impute/);
    await expect(runStep(trainMetaStep, { table: filled }, { ...base, method: "maml" })).rejects.toThrow(/params\.querySize.*site "B" has 2 rows.*takes 3 distinct ones/);
    await expect(runStep(trainMetaStep, { table: filled }, { ...base, method: "cuda" })).rejects.toThrow(/method/);
    await expect(runStep(trainMetaStep, { table: filled }, { ...base, supportSize: 1, innerLr: 1e308, outerLr: 1e308 })).rejects.toThrow(/params\.innerLr.*diverged.*lower innerLr or outerLr/);
    const ok = await runStep(trainMetaStep, { table: filled }, { ...base, supportSize: 1, iterations: 5 });
    expect(decodeMetaInit(ok.init).trainingRows).toEqual([3, 2]);
  });
});
