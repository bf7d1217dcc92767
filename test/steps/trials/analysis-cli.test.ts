/**
 * trial.analyze's mistakes through the real CLI: each ends with one message naming the node, the field and what
 * to do, exit 1 (a data or params problem found while running) or 2 (found when the study loads).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../../artifacts/store.js";
import { columnValues, decodeParquet } from "../../../artifacts/table.js";
import { strata } from "../../support/cli.js";
import { makeTempDir, makeTempProject } from "../../support/temp-project.js";

const project = makeTempProject("strata-trial-analyze-");
const stores: string[] = [];
afterAll(() => {
  for (const dir of [project, ...stores]) fs.rmSync(dir, { recursive: true, force: true });
});

const pipeline = (design: string, analyze: string, outcomes = "sim.outcomes") => `import { study } from "../dsl/study.js";
import { trialDesign } from "../steps/trials/design.js";
import { simulateTrial } from "../steps/trials/simulate.js";
import { analyzeTrial } from "../steps/trials/analyze.js";
export default study("nof1-analyze", (s) => {
  const d = trialDesign(s, { treatments: ["A", "B"], periodDays: 5, patients: 4, ${design} }, { id: "design" });
  const sim = simulateTrial(d, { effect: { mean: 1 }, measurementSd: 1 }, { id: "simulate" });
  analyzeTrial(d.design, ${outcomes}, { ${analyze} }, { id: "analyze" });
});
`;

const run = async (name: string, source: string) => {
  fs.writeFileSync(path.join(project, "pipelines", `${name}.ts`), source);
  const store = makeTempDir();
  stores.push(store);
  const r = await strata(["run", `pipelines/${name}.ts`, "--store", store, "--no-lock", "--json"], { cwd: project });
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("strata: error:"));
  return { r, errors, store };
};

describe("trial.analyze mistakes through the CLI", () => {
  it("an unknown reference treatment: exit 1, one message naming params.reference and the design's treatments", async () => {
    const { r, errors } = await run("unknown-reference", pipeline(`design: "alternating", cycles: 2`, `reference: "placebo"`));
    expect(r.code, r.stderr).toBe(1);
    expect(errors, r.stderr).toHaveLength(1);
    for (const m of ['node "analyze" (trial.analyze)', "params.reference", '"placebo" is not one of the design\'s treatments (A, B)']) expect(errors[0]).toContain(m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("a randomization set over 2^16 schedules: exit 1 naming params.exactTest; exactTest: false analyses without the exact test", async () => {
    const refused = await run("too-many-schedules", pipeline(`design: "randomized-cycles", cycles: 17`, ``));
    expect(refused.r.code, refused.r.stderr).toBe(1);
    expect(refused.errors, refused.r.stderr).toHaveLength(1);
    for (const m of ['node "analyze" (trial.analyze)', "params.exactTest", "1.31e+5 possible schedules", "set exactTest: false"]) expect(refused.errors[0]).toContain(m);

    const skipped = await run("no-exact-test", pipeline(`design: "randomized-cycles", cycles: 17`, `exactTest: false`));
    expect(skipped.r.code, skipped.r.stderr).toBe(0);
    const node = (JSON.parse(skipped.r.stdout) as { nodes: { id: string; outputs: Record<string, string> }[] }).nodes.find((n) => n.id === "analyze")!;
    const effects = decodeParquet(new ContentStore(skipped.store).get(node.outputs.effects!));
    expect(columnValues(effects, "randomization_p")).toEqual([null, null, null, null]);
    expect((columnValues(effects, "mean_diff") as (number | null)[]).every((v) => typeof v === "number")).toBe(true);
  }, 60_000);

  it("a schedule (no outcome column) where outcomes belong: exit 2 when the study loads, naming the missing column", async () => {
    const { r, errors } = await run("schedule-as-outcomes", pipeline(`design: "alternating", cycles: 2`, ``, "d.schedule"));
    expect(r.code, r.stderr).toBe(2);
    expect(errors, r.stderr).toHaveLength(1);
    for (const m of ['node "analyze" (trial.analyze)', "inputs.outcomes", 'unknown column "outcome"']) expect(errors[0]).toContain(m);
  }, 60_000);
});
