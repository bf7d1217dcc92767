import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir, makeTempProject } from "../support/temp-project.js";

/**
 * The N-of-1 steps through the real CLI: a study of trial.design → trial.simulate, trial.simulate-parallel and a
 * small power grid gives the same digests in two processes with fresh stores, and adding a design to the grid
 * reruns only that design's cell (and the summary over the cells).
 */
interface RunJson {
  status: string;
  nodes: { id: string; step: string; cached: boolean; outputs: Record<string, string> }[];
}

const project = makeTempProject("strata-trial-power-");
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

const DESIGNS = `[
    { label: "alt3", treatments: ["A", "B"], design: "alternating", cycles: 3, periodDays: 7 },
    { label: "rnd3", treatments: ["A", "B"], design: "randomized", cycles: 3, periodDays: 7, maxRun: 2 },
  ]`;
const pipeline = (designs: string) => `import { study } from "../dsl/study.js";
import { trialDesign } from "../steps/trials/design.js";
import { simulateTrial } from "../steps/trials/simulate.js";
import { simulateParallelTrial } from "../steps/trials/simulate-parallel.js";
import { trialPowerGrid } from "../steps/trials/power.js";
const covariates = [{ name: "severity", kind: "normal", mean: 0, sd: 1 }, { name: "female", kind: "binary", p: 0.5 }] as const;
export default study("nof1-power", (s) => {
  const design = trialDesign(s, { treatments: ["placebo", "drug"], design: "counterbalanced", cycles: 2, periodDays: 7, washoutDays: 2, baselineDays: 3, patients: 12 }, { id: "design" });
  simulateTrial(design, { covariates, effect: { mean: 1, sd: 0.3, coefficients: { severity: 0.5 } }, onsetTime: 1, washoutTime: 1, driftSd: 0.05, processRho: 0.4, processSd: 0.5, measurementSd: 1, missingRate: 0.1, nonAdherence: 0.05 }, { id: "simulate" });
  simulateParallelTrial(s, { treatments: ["placebo", "drug"], participants: 60, covariates, effect: { mean: 1, coefficients: { severity: 0.5 } }, measurementSd: 1, mcid: 0.5 }, { id: "rct" });
  trialPowerGrid(s, { designs: ${designs}, effectSizes: [0.5], carryover: [{ onsetTime: 1, washoutTime: 1 }], driftSd: [0], model: { effect: { sd: 0.3 }, measurementSd: 1 }, patients: 10, replicates: 30, targetPower: 0.8 });
});
`;
const run = async (file: string, store: string) => jsonOf<RunJson>(await strata(["run", file, "--store", store, "--no-lock", "--json"], { cwd: project }));

describe("the N-of-1 steps through the CLI", () => {
  it("give identical digests in two processes with fresh stores", async () => {
    fs.writeFileSync(path.join(project, "pipelines", "power.ts"), pipeline(DESIGNS));
    const [a, b] = await Promise.all([run("pipelines/power.ts", makeTempDir()), run("pipelines/power.ts", makeTempDir())]);
    expect(a.status).toBe("succeeded");
    expect(a.nodes.map((n) => n.id)).toEqual(["design", "simulate", "rct", "power-alt3-e0.5-c1-d0", "power-rnd3-e0.5-c1-d0", "power"]);
    expect(b.nodes.map((n) => n.outputs)).toEqual(a.nodes.map((n) => n.outputs));
  }, 120_000);

  it("adding a design to the grid runs only its cell and the summary", async () => {
    const store = makeTempDir();
    fs.writeFileSync(path.join(project, "pipelines", "grid.ts"), pipeline(DESIGNS));
    await run("pipelines/grid.ts", store);
    fs.writeFileSync(path.join(project, "pipelines", "grid.ts"), pipeline(DESIGNS.replace("  ]", `  { label: "cb2", treatments: ["A", "B"], design: "counterbalanced", cycles: 2, periodDays: 7, washoutDays: 1 },\n  ]`)));
    const second = await run("pipelines/grid.ts", store);
    const missed = second.nodes.filter((n) => !n.cached).map((n) => n.id);
    expect(missed).toEqual(["power-cb2-e0.5-c1-d0", "power"]);
  }, 120_000);

  it.each([
    { name: "a washout as long as the period", edit: (p: string) => p.replace("periodDays: 7, washoutDays: 2, baselineDays: 3", "periodDays: 7, washoutDays: 7, baselineDays: 3"), mentions: ['node "design" (trial.design)', "params.washoutDays", "shorter than periodDays"] },
    { name: "maxRun on an alternating grid design", edit: (p: string) => p.replace('design: "alternating", cycles: 3, periodDays: 7 }', 'design: "alternating", cycles: 3, periodDays: 7, maxRun: 1 }'), mentions: ['node "power-alt3-e0.5-c1-d0" (trial.power-cell)', "params.design.maxRun", '"randomized"'] },
    { name: "a coefficient of an undeclared covariate", edit: (p: string) => p.replace("coefficients: { severity: 0.5 } }, onsetTime", "coefficients: { weight: 0.5 } }, onsetTime"), mentions: ['node "simulate" (trial.simulate)', "params.effect.coefficients.weight", 'no covariate "weight"'] },
  ])("$name fails when the study loads: exit 2, one message, nothing stored", async ({ edit, mentions }) => {
    fs.writeFileSync(path.join(project, "pipelines", "bad.ts"), edit(pipeline(DESIGNS)));
    const store = makeTempDir();
    const r = await strata(["run", "pipelines/bad.ts", "--store", store, "--no-lock"], { cwd: project });
    expect(r.code, r.stderr).toBe(2);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("strata: error:"));
    expect(errors, r.stderr).toHaveLength(1);
    for (const m of ["pipelines/bad.ts", ...mentions]) expect(errors[0]).toContain(m);
    expect(fs.existsSync(path.join(store, "objects"))).toBe(false);
  }, 60_000);
});
