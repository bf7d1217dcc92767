/**
 * A synthetic evaluation for report tests: four subgroups, one named like an XSS payload, one of 7 people (under
 * the default minCell of 10); two models over 5 replicates; predictions from a seeded stream.
 */
import { makeTable } from "../../artifacts/table.js";
import { seededRandom } from "../../engine/random.js";
import { type SubgroupMetricsDoc, subgroupMetrics } from "../../steps/evaluate/subgroup-metrics.js";
import { runStep } from "../support/step-harness.js";

export const EVIL = "<img src=x onerror=alert(1)>";
export const SMALL = "tiny_group";

/** Group sizes (all evaluated): the XSS-named group has 40 people, SMALL has 7. */
const GROUPS: readonly (readonly [string, number])[] = [
  [EVIL, 40],
  ["old_female", 30],
  ["young_male", 60],
  [SMALL, 7],
];

export const syntheticEvaluation = async (options: { resamples?: number; seed?: number; netBenefit?: { thresholds: number[] } } = {}): Promise<SubgroupMetricsDoc> => {
  const random = seededRandom(11, "report-fixture");
  const group = GROUPS.flatMap(([name, n]) => Array<string>(n).fill(name));
  const target = group.map((_, i) => (i % 7 === 3 ? 1 : random() < 0.45 ? 1 : 0));
  const table = makeTable([
    { name: "target", type: "int", values: target },
    { name: "subgroup", type: "string", values: group },
  ]);
  const predictions = (skill: number) => {
    const lines: [number, number, number, number, number][] = [];
    for (let rep = 0; rep < 5; rep++) {
      for (let row = 0; row < target.length; row++) {
        const p = 0.5 + (target[row]! - 0.5) * skill + (random() - 0.5) * 0.7;
        lines.push([rep, 1 + rep, 0, row, Math.min(1, Math.max(0, p))]);
      }
    }
    return makeTable([
      { name: "replicate", type: "int", values: lines.map((l) => l[0]) },
      { name: "seed", type: "int", values: lines.map((l) => l[1]) },
      { name: "fold", type: "int", values: lines.map((l) => l[2]) },
      { name: "row", type: "int", values: lines.map((l) => l[3]) },
      { name: "prob", type: "float", values: lines.map((l) => l[4]) },
    ]);
  };
  const out = await runStep(
    subgroupMetrics,
    { table, predictions: [predictions(0.5), predictions(0.35)] },
    { models: ["generic", "personalized"], reference: "generic", target: "target", subgroup: "subgroup", resamples: options.resamples ?? 200, rareBelow: 0.06, ...(options.netBenefit === undefined ? {} : { netBenefit: options.netBenefit }) },
    options.seed ?? 1,
  );
  return out.metrics as unknown as SubgroupMetricsDoc;
};

export const syntheticPlan = [
  { id: "ingest", step: "ingest.csv", inputs: [] },
  { id: "subgroups", step: "subgroups.define", inputs: ["ingest"] },
  { id: "train", step: "train.mlp", inputs: ["subgroups"] },
  { id: "evaluate", step: "evaluate.subgroup-metrics", inputs: ["subgroups", "train"] },
  { id: "report", step: "report.evaluation", inputs: ["evaluate"] },
];
