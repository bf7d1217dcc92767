// evaluate.promotion-gate on synthetic data: two groups, a feature whose sign gives the label. A model trained on
// data where group B's labels are flipped harms B and only B; the gate must say so, and promote a good model.
import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { makeTable } from "../../artifacts/table.js";
import { NO_MODEL_FORMAT } from "../../artifacts/registry.js";
import { DataError } from "../../dsl/errors.js";
import { type PromotionDecision, promotionGateStep } from "../../steps/evaluate/promotion-gate.js";
import { columnValues } from "../../artifacts/table.js";
import { dcp } from "../../steps/train/dcp.js";
import { splitOf } from "./data-prep-helpers.js";
import { logisticRegression } from "../../steps/train/logistic-regression.js";
import heartRetrain from "../../pipelines/heart-retrain.js";
import type { MethodsSpec } from "../../steps/report/methods.js";
import { runStep } from "../support/step-harness.js";

const N = 400;
const TEST_FROM = 300;
const rows = Array.from({ length: N }, (_, i) => {
  const group = i % 4 === 0 ? "B" : "A";
  const x = Math.sin(i * 12.9898) * 3; // spread over [-3, 3], deterministic
  return { group, x, g: group === "B" ? 1 : 0, target: x > 0 ? 1 : 0 };
});
const table = (flipB: boolean) =>
  makeTable([
    { name: "x", type: "float", values: rows.map((r) => r.x) },
    { name: "g", type: "float", values: rows.map((r) => r.g) },
    { name: "xg", type: "float", values: rows.map((r) => r.x * r.g) },
    { name: "subgroup", type: "string", values: rows.map((r) => r.group) },
    // Only training rows are flipped: the evaluation rows keep the true labels.
    { name: "target", type: "int", values: rows.map((r, i) => (flipB && r.group === "B" && i < TEST_FROM ? 1 - r.target : r.target)) },
  ]);
const split = splitOf([{ replicate: 0, seed: 0, fold: 0, roles: rows.map((_, i) => (i < TEST_FROM ? "train" : "test")) }]);
const features = ["x", "g", "xg"];

const train = async (flipB: boolean) => (await runStep(logisticRegression, { table: table(flipB), split }, { features, target: "target" })).models as object;
const noChampion = { format: NO_MODEL_FORMAT, channel: "t/m:champion" };
const gate = async (candidate: object, champion: object, extra: object = {}) => {
  const out = await runStep(promotionGateStep, { candidate, champion, table: table(false), split, sources: [] }, { channel: "t/m:champion", target: "target", ...extra });
  return { decision: out.decision as unknown as PromotionDecision, markdown: out.md as string };
};

describe("evaluate.promotion-gate", async () => {
  const good = await train(false);
  const harmsB = await train(true);

  it("gate.md ends with the reports' Methods section, written from the plan upstream of the gate and the documents it cites", async () => {
    const gateNode = heartRetrain.nodes.find((n) => n.id === "gate")!;
    expect(gateNode.inputs["sources"]).toEqual([{ node: "ingest", output: "missing" }, { node: "drop-missing", output: "dropped" }]);
    const { methods } = gateNode.params as { methods: MethodsSpec };
    const missing = { format: "strata-missing/1", rows: 400, columns: [{ column: "x", missing: 3, tokens: ["?"] }] };
    const dropped = { format: "strata-dropped/1", rows: 400, dropped: 3, columns: [{ column: "x", missing: 3 }] };
    const out = await runStep(promotionGateStep, { candidate: good, champion: noChampion, table: table(false), split, sources: [missing, dropped] }, { channel: "t/m:champion", target: "target", methods });
    const md = out.md as string;
    const section = md.slice(md.indexOf("## Methods"));
    expect(md.indexOf("## Methods")).toBeGreaterThan(md.indexOf("| group |"));
    expect(section).toContain('Data sources. ingest (ingest.csv) from "data/heart-retrain/batches/"');
    expect(section).toContain("Split protocol. split (split.stable-holdout)");
    expect(section).toContain("ingest read 400 rows; values read as missing (tokens \"?\"): x 3.");
    expect(section).toContain("drop-missing removed 3 of 400 rows with a missing value in any column, leaving 397");
    expect(section).toContain("Reporting checklist in the spirit of TRIPOD+AI");
  });

  it("makes a first model champion when it reaches the floor, and not otherwise", async () => {
    const first = await gate(good, noChampion);
    expect(first.decision).toMatchObject({ promote: true, champion: null, blockedBy: [] });
    expect(first.decision.reason).toMatch(/first model of the channel: overall accuracy .* reaches the floor of 70\.0%/);
    // harmsB gets group B (a quarter of the people) wrong: about 75 % overall.
    const tooLow = await gate(harmsB, noChampion, { floor: 0.9 });
    expect(tooLow.decision.promote).toBe(false);
    expect(tooLow.decision.blockedBy).toEqual(["overall"]);
  });

  it("keeps the champion when the candidate harms a subgroup, and names it with the figures", async () => {
    const { decision, markdown } = await gate(harmsB, good);
    expect(decision.promote).toBe(false);
    expect(decision.blockedBy).toContain("B");
    expect(decision.blockedBy).not.toContain("A");
    const b = decision.groups.find((g) => g.group === "B")!;
    expect(b).toMatchObject({ harmed: true, dropped: true });
    expect(b.candidate).toBeLessThan(b.champion! - 0.5);
    expect(decision.reason).toMatch(/subgroup B would be harmed, significantly worse \(exact McNemar, one-sided p = [\d.e-]+ < 0\.05\) and accuracy drops by more than the tolerance of 5\.0 points: accuracy \d+\.\d% → \d+\.\d%/);
    expect(markdown).toContain("**Decision: keep the champion.**");
    expect(markdown).toMatch(/\| B \| \d+ \| \d+\.\d% \| \d+\.\d% \| −\d+\.\d points \| [\d.e-]+ \| harmed, drop \|/);
  });

  it("promotes a candidate that harms no subgroup", async () => {
    const { decision } = await gate(good, harmsB);
    expect(decision).toMatchObject({ promote: true, blockedBy: [] });
    expect(decision.groups.map((g) => g.group)).toEqual(["A", "B", "overall"]);
  });

  it("blocks on a drop beyond the tolerance even without a significant harm test", async () => {
    // With a tiny alpha the harm test cannot fire; the accuracy drop alone blocks.
    const { decision } = await gate(harmsB, good, { alpha: 1e-12 });
    const b = decision.groups.find((g) => g.group === "B")!;
    expect(b.harmed).toBe(false);
    expect(b.dropped).toBe(true);
    expect(decision.promote).toBe(false);
  });

  it("suppresses the figures of groups under minCell people but still decides on them", async () => {
    const { decision, markdown } = await gate(harmsB, good, { minCell: 1000 });
    expect(decision.promote).toBe(false);
    // Blocking, but neither "harmed" (p < α) nor a p-value is said of a suppressed group.
    expect(markdown).toContain("| B | < 1000 | < 1000 | < 1000 | < 1000 | < 1000 | yes |");
    expect(decision.reason).toContain("subgroup B blocks the promotion (its figures are suppressed: fewer than 1000 people)");
    expect(decision.reason).not.toMatch(/p = /);
    expect(markdown).not.toMatch(/\d+\.\d%\s*\|\s*\d+\.\d%/);
  });

  it("scores a DCP model set, routing each evaluation row to its own subgroup's model", async () => {
    // No valid rows in this split, so DCP trains all epochs; a small network keeps it quick.
    const trainDcpSet = async (flipB: boolean) => {
      const out = await runStep(dcp, { table: table(flipB), split }, { features, target: "target", subgroup: "subgroup", layers: [8], epochs: 30, batchSize: 32, dropout: 0 }, 1);
      return { models: out.models as object, predictions: out.predictions as arrow.Table };
    };
    const harmful = await trainDcpSet(true);
    const { decision } = await gate(harmful.models, good);
    expect(decision.promote).toBe(false);
    expect(decision.blockedBy).toContain("B");
    expect(decision.blockedBy).not.toContain("A");
    // The gate's accuracy of each group is the one of DCP's own test predictions (one replicate, the same rows).
    const y = columnValues(table(false), "target");
    const group = columnValues(table(false), "subgroup");
    const predRow = columnValues(harmful.predictions, "row") as number[];
    const predProb = columnValues(harmful.predictions, "prob") as number[];
    for (const g of ["A", "B"]) {
      const lines = predRow.map((r, i) => ({ r, p: predProb[i]! })).filter(({ r }) => group[r] === g);
      const own = lines.filter(({ r, p }) => (p >= 0.5 ? 1 : 0) === y[r]).length / lines.length;
      expect(decision.groups.find((c) => c.group === g)!.candidate).toBe(own);
    }
    const first = await gate((await trainDcpSet(false)).models, noChampion);
    expect(first.decision.promote).toBe(true);
  }, 120_000);

  it("refuses documents that are not model sets, naming the input and the problem", async () => {
    await expect(gate({ format: "strata-metrics/1" }, noChampion)).rejects.toThrow(DataError);
    await expect(gate({ format: "strata-metrics/1" }, noChampion)).rejects.toThrow(/inputs\.candidate.*cannot score this model set: it is not a model set: its format is "strata-metrics\/1"/);
    await expect(gate({ format: "strata-models/1", model: "forest", replicates: [] }, noChampion)).rejects.toThrow(/holds "forest" models, which Strata does not know/);
    const broken = { format: "strata-models/1", model: "dcp", subgroup: "subgroup", groups: ["A"], replicates: [{}] };
    await expect(gate(broken, noChampion)).rejects.toThrow(/it is not a valid dcp model set \(at replicates\[0\]/);
  });

  it("fails clearly without a subgroup column", async () => {
    await expect(runStep(promotionGateStep, { candidate: good, champion: noChampion, table: table(false), split, sources: [] }, { channel: "t/m:champion", target: "target", subgroup: "site" })).rejects.toThrow(
      /params\.subgroup.*expected a string column "site"/,
    );
  });
});
