/**
 * trial.analyze's and trial.pool's mistakes through the real CLI: each ends with one message naming the node, the field and what
 * to do, exit 1 (a data or params problem found while running) or 2 (found when the study loads).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const ONE_PATIENT_POOLED = `import { study } from "../dsl/study.js";
import { trialDesign } from "../steps/trials/design.js";
import { simulateTrial } from "../steps/trials/simulate.js";
import { analyzeTrial } from "../steps/trials/analyze.js";
import { poolTrial } from "../steps/trials/pool.js";
export default study("nof1-pool-one", (s) => {
  const d = trialDesign(s, { treatments: ["A", "B"], design: "alternating", cycles: 3, periodDays: 5, patients: 1 }, { id: "design" });
  const sim = simulateTrial(d, { effect: { mean: 1 }, measurementSd: 1 }, { id: "simulate" });
  const a = analyzeTrial(d.design, sim.outcomes, {}, { id: "analyze" });
  poolTrial(a.effects, a.summary, {}, { id: "pool" });
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

type Run = Awaited<ReturnType<typeof run>>;
let runs: Record<"unknownReference" | "refused" | "skipped" | "schedule" | "onePatient", Run>;
// The studies run at once (each is mostly CLI start-up).
beforeAll(async () => {
  const [unknownReference, refused, skipped, schedule, onePatient] = await Promise.all([
    run("unknown-reference", pipeline(`design: "alternating", cycles: 2`, `reference: "placebo"`)),
    run("too-many-schedules", pipeline(`design: "randomized-cycles", cycles: 17`, ``)),
    run("no-exact-test", pipeline(`design: "randomized-cycles", cycles: 17`, `exactTest: false`)),
    run("schedule-as-outcomes", pipeline(`design: "alternating", cycles: 2`, ``, "d.schedule")),
    run("pool-one-patient", ONE_PATIENT_POOLED),
  ]);
  runs = { unknownReference: unknownReference!, refused: refused!, skipped: skipped!, schedule: schedule!, onePatient: onePatient! };
}, 120_000);

describe("trial.analyze mistakes through the CLI", () => {
  it("an unknown reference treatment: exit 1, one message naming params.reference and the design's treatments", () => {
    const { r, errors } = runs.unknownReference;
    expect(r.code, r.stderr).toBe(1);
    expect(errors, r.stderr).toHaveLength(1);
    for (const m of ['node "analyze" (trial.analyze)', "params.reference", '"placebo" is not one of the design\'s treatments (A, B)']) expect(errors[0]).toContain(m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("a randomization set over 2^16 schedules: exit 1 naming params.exactTest; exactTest: false analyses without the exact test", () => {
    const { refused, skipped } = runs;
    expect(refused.r.code, refused.r.stderr).toBe(1);
    expect(refused.errors, refused.r.stderr).toHaveLength(1);
    for (const m of ['node "analyze" (trial.analyze)', "params.exactTest", "1.31e+5 possible schedules", "set exactTest: false"]) expect(refused.errors[0]).toContain(m);

    expect(skipped.r.code, skipped.r.stderr).toBe(0);
    const node = (JSON.parse(skipped.r.stdout) as { nodes: { id: string; outputs: Record<string, string> }[] }).nodes.find((n) => n.id === "analyze")!;
    const effects = decodeParquet(new ContentStore(skipped.store).get(node.outputs.effects!));
    expect(columnValues(effects, "randomization_p")).toEqual([null, null, null, null]);
    expect((columnValues(effects, "mean_diff") as (number | null)[]).every((v) => typeof v === "number")).toBe(true);
  });

  it("a schedule (no outcome column) where outcomes belong: exit 2 when the study loads, naming the missing outcome column", () => {
    const { r, errors } = runs.schedule;
    expect(r.code, r.stderr).toBe(2);
    expect(errors, r.stderr).toHaveLength(1);
    for (const m of ['node "analyze" (trial.analyze)', "inputs.outcomes", 'the table has no "outcome" column', "not the schedule of trial.design"]) expect(errors[0]).toContain(m);
  });

  it("trial.pool on one patient: exit 1, one message naming inputs.effects and what pooling needs", () => {
    const { r, errors } = runs.onePatient;
    expect(r.code, r.stderr).toBe(1);
    expect(errors, r.stderr).toHaveLength(1);
    for (const m of ['node "pool" (trial.pool)', "inputs.effects", "1 patient has an effect with a positive standard error; pooling needs at least two"]) expect(errors[0]).toContain(m);
  });
});
