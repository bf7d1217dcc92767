/**
 * trial.analyze and trial.pool through the real CLI and store: 1,000 patients × 84 days simulated, analysed and
 * pooled in two processes with fresh stores (every output byte-identical, analysis + pooling within 30 s), the
 * Gibbs sampler's posterior mean of μ against REML on that series, and the example data of trial.check analysed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../../artifacts/store.js";
import { columnValues, decodeParquet } from "../../../artifacts/table.js";
import { jsonOf, strata } from "../../support/cli.js";
import { makeTempDir, makeTempProject } from "../../support/temp-project.js";

const project = makeTempProject("strata-trial-pool-");
const stores: string[] = [];
afterAll(() => {
  for (const dir of [project, ...stores]) fs.rmSync(dir, { recursive: true, force: true });
});

const SERIES = `import { study } from "../dsl/study.js";
import { trialDesign } from "../steps/trials/design.js";
import { simulateTrial } from "../steps/trials/simulate.js";
import { analyzeTrial } from "../steps/trials/analyze.js";
import { poolTrial } from "../steps/trials/pool.js";
export default study("nof1-series-scale", (s) => {
  const d = trialDesign(s, { treatments: ["A", "B"], design: "counterbalanced", cycles: 3, periodDays: 14, washoutDays: 3, patients: 1000 }, { id: "design" });
  const sim = simulateTrial(d, { effect: { mean: 1, sd: 0.5 }, intercept: 10, processRho: 0.5, processSd: 1, measurementSd: 0.5, missingRate: 0.05 }, { id: "simulate" });
  const a = analyzeTrial(d.design, sim.outcomes, { mcid: 0.5, primary: "ar1" }, { id: "analyze" });
  poolTrial(a.effects, a.summary, { gibbs: { draws: 2000, burnIn: 500, chains: 2 } }, { id: "pool" });
});
`;

const EXAMPLE = `import { study } from "../dsl/study.js";
import { readCsv } from "../steps/ingest/csv.js";
import { checkTrial } from "../steps/trials/check.js";
import { analyzeTrial } from "../steps/trials/analyze.js";
import { poolTrial } from "../steps/trials/pool.js";
const COLUMNS = [{ name: "patient", type: "string" }, { name: "day", type: "int" }, { name: "treatment", type: "string" }, { name: "outcome", type: "float" }, { name: "age", type: "int" }, { name: "female", type: "int" }] as const;
export default study("nof1-example", (s) => {
  const t = readCsv(s, { path: "data/nof1-example/trial.csv", columns: COLUMNS, header: true }, { id: "ingest" });
  const c = checkTrial(t, { treatments: ["placebo", "drug"], design: "alternating", washoutDays: 2, covariates: ["age", "female"] }, { id: "check" });
  const a = analyzeTrial(c.design, c.outcomes, { mcid: 1, better: "lower" }, { id: "analyze" });
  poolTrial(a.effects, a.summary, {}, { id: "pool" });
});
`;

interface RunJson {
  readonly manifest: string;
  readonly nodes: readonly { readonly id: string; readonly outputs: Record<string, string> }[];
}

const run = async (name: string, source: string) => {
  const file = path.join(project, "pipelines", `${name}.ts`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, source);
  const store = makeTempDir();
  stores.push(store);
  const result = jsonOf<RunJson>(await strata(["run", `pipelines/${name}.ts`, "--store", store, "--no-lock", "--json"], { cwd: project }));
  const content = new ContentStore(store);
  const outputs = (id: string) => result.nodes.find((n) => n.id === id)!.outputs;
  const manifest = JSON.parse(new TextDecoder().decode(content.get(result.manifest))) as { nodes: { id: string; seconds: number }[] };
  return {
    outputs,
    json: (digest: string) => JSON.parse(new TextDecoder().decode(content.get(digest))) as Record<string, unknown>,
    table: (digest: string) => decodeParquet(content.get(digest)),
    seconds: (id: string) => manifest.nodes.find((n) => n.id === id)!.seconds,
  };
};

describe("trial.analyze and trial.pool through the CLI", () => {
  it("1,000 patients x 84 days: identical bytes from two processes with fresh stores, analysed and pooled within 30 s, Gibbs mu within 0.1 SE of REML", async () => {
    const [first, second] = await Promise.all([run("series", SERIES), run("series", SERIES)]);
    for (const id of ["analyze", "pool"]) expect(second!.outputs(id)).toEqual(first!.outputs(id));
    const seconds = first!.seconds("analyze") + first!.seconds("pool");
    expect(seconds).toBeLessThan(30);

    const effects = first!.table(first!.outputs("analyze").effects!);
    expect(effects.numRows).toBe(1000);
    expect(effects.schema.fields.map((f) => f.name)).toEqual([
      "patient", "cycles", "days", "mean_diff", "mean_diff_se", "mean_diff_lower", "mean_diff_upper", "mean_diff_df", "t_p", "randomization_p",
      "ar1_effect", "ar1_se", "ar1_lower", "ar1_upper", "ar1_rho", "effect", "se", "lower", "upper", "p_benefit", "p_mcid",
    ]);
    expect(columnValues(effects, "effect")).toEqual(columnValues(effects, "ar1_effect"));
    const pooled = first!.json(first!.outputs("pool").pooled!) as {
      format: string; method: string; patients: number; mu: number; muSeModel: number; muLower: number; muUpper: number; tau: number;
      gibbs: { mu: number; tau: number; draws: number; burnIn: number; chains: number };
    };
    expect(pooled).toMatchObject({ format: "strata-trial-pool/1", method: "REML", patients: 1000, gibbs: { draws: 2000, burnIn: 500, chains: 2 } });
    // The simulated population: mu = 1, tau = 0.5.
    expect(pooled.muLower).toBeLessThan(1);
    expect(pooled.muUpper).toBeGreaterThan(1);
    expect(Math.abs(pooled.tau - 0.5)).toBeLessThan(0.1);
    // Stated tolerance: the Gibbs posterior mean of mu within 0.1 model-based SE of REML's mu, tau within 5 %.
    expect(Math.abs(pooled.gibbs.mu - pooled.mu)).toBeLessThan(0.1 * pooled.muSeModel);
    expect(Math.abs(pooled.gibbs.tau - pooled.tau)).toBeLessThan(0.05 * pooled.tau);
    const shrunken = first!.table(first!.outputs("pool").shrunken!);
    expect(shrunken.schema.fields.map((f) => f.name)).toEqual([
      "patient", "effect", "se", "shrunken", "shrunken_lower", "shrunken_upper", "p_positive", "p_mcid", "gibbs_mean", "gibbs_lower", "gibbs_upper", "gibbs_p_positive", "gibbs_p_mcid",
    ]);
    // Shrinkage pulls every effect toward mu.
    const raw = columnValues(shrunken, "effect") as number[];
    const pulled = columnValues(shrunken, "shrunken") as number[];
    raw.forEach((v, i) => expect(Math.abs(pulled[i]! - pooled.mu)).toBeLessThanOrEqual(Math.abs(v - pooled.mu) + 1e-12));
  }, 120_000);

  it("analyses and pools trial.check's example data (lower outcomes better)", async () => {
    const r = await run("example", EXAMPLE);
    const summary = r.json(r.outputs("analyze").summary!);
    expect(summary).toMatchObject({ format: "strata-trial-analysis/1", reference: "placebo", treatment: "drug", better: "lower", primary: "mean-diff", patients: 12, randomizationSet: 2, smallestRandomizationP: 1 });
    const effects = r.table(r.outputs("analyze").effects!);
    expect(columnValues(effects, "cycles")).toEqual(new Array(12).fill(3));
    // better = lower: the probability of benefit is that of a negative effect.
    const effect = columnValues(effects, "effect") as number[];
    const pBenefit = columnValues(effects, "p_benefit") as number[];
    effect.forEach((e, i) => expect(pBenefit[i]! > 0.5).toBe(e < 0));
    const pooled = r.json(r.outputs("pool").pooled!);
    expect(pooled).toMatchObject({ format: "strata-trial-pool/1", patients: 12, better: "lower", mcid: 1 });
  }, 60_000);
});
