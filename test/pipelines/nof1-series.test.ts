/**
 * The N-of-1 reference study end to end with the real CLI and store: it runs cold within the 2 minutes, two
 * cold runs in separate processes give the same digests, the report shows all 40 patients in the forest plot and
 * the effects table, the hybrid confirmation rate follows from the per-patient agreement table, and the hybrid
 * section hides its small cells. Mistakes in wiring the hybrid check end in one message naming the node and field.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import { columnValues, decodeParquet } from "../../artifacts/table.js";
import { readHybridDoc } from "../../steps/trials/hybrid-document.js";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir, makeTempProject } from "../support/temp-project.js";

interface RunJson {
  status: string;
  nodes: { id: string; cached: boolean; outputs: Record<string, string> }[];
}

const PIPELINE = "pipelines/nof1-series.ts";
const run = async (store: string): Promise<RunJson> => jsonOf<RunJson>(await strata(["run", PIPELINE, "--store", store, "--out", path.join(store, "reports"), "--no-lock", "--json"]));
const outputsOf = (r: RunJson) => Object.fromEntries(r.nodes.map((n) => [n.id, n.outputs]));

describe("pipelines/nof1-series.ts", () => {
  const stores = [makeTempDir("strata-nof1-"), makeTempDir("strata-nof1-")];
  afterAll(() => {
    for (const dir of stores) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs cold in under 2 minutes to the same digests in two processes, and reports the series and the hybrid check", async () => {
    const started = performance.now();
    const [a, b] = await Promise.all([run(stores[0]!), run(stores[1]!)]);
    expect(performance.now() - started).toBeLessThan(120_000);
    expect(a.status).toBe("succeeded");
    expect(outputsOf(b)).toEqual(outputsOf(a));
    const outputs = outputsOf(a);
    const content = new ContentStore(stores[0]!);

    const doc = readHybridDoc(JSON.parse(new TextDecoder().decode(content.get(outputs["hybrid"]!["hybrid"]!))), (p) => expect.fail(p));
    const agreement = decodeParquet(content.get(outputs["hybrid"]!["agreement"]!));
    const confirmed = columnValues(agreement, "confirmed") as number[];
    const sex = columnValues(agreement, "sex") as string[];
    expect(agreement.numRows).toBe(40);
    const [overall, ...subgroups] = doc.groups;
    expect(overall!.n).toBe(40);
    expect(overall!.confirmation.rate).toBeGreaterThanOrEqual(0);
    expect(overall!.confirmation.rate).toBeLessThanOrEqual(1);
    expect(overall!.confirmation.agree).toBe(confirmed.filter((c) => c === 1).length);
    expect(overall!.confirmation.rate).toBe(overall!.confirmation.agree / 40);
    expect(overall!.confirmation.lower!).toBeLessThan(overall!.confirmation.rate!);
    expect(overall!.confirmation.upper!).toBeGreaterThan(overall!.confirmation.rate!);
    for (const g of subgroups) expect(g.confirmation.agree).toBe(confirmed.filter((c, i) => c === 1 && sex[i] === g.group).length);
    expect(subgroups.map((g) => g.group)).toEqual(["female", "male"]);
    expect(subgroups.reduce((n, g) => n + g.n, 0)).toBe(40);
    // The population model sees the covariate the benefit depends on: its recommendations agree beyond chance.
    expect(overall!.kappa.kappa!).toBeGreaterThan(0.3);
    expect(overall!.calibration.slope!).toBeGreaterThan(0);

    const md = fs.readFileSync(path.join(stores[0]!, "reports", "report.md"), "utf8");
    const html = fs.readFileSync(path.join(stores[0]!, "reports", "report.html"), "utf8");
    const forest = html.slice(html.indexOf("<svg"), html.indexOf("</svg>"));
    const ids = Array.from({ length: 40 }, (_, i) => `P${String(i + 1).padStart(2, "0")}`);
    for (const id of ids) expect(forest).toContain(`>${id}</text>`);
    expect(md.split("\n").filter((line) => /^\| P\d\d \| 3 \|/.test(line))).toHaveLength(40);
    expect(md).toMatch(new RegExp(`\\| overall \\| 40 \\| ${(overall!.confirmation.rate! * 100).toFixed(1)}% \\(`));

    // Small cells: every bin hidden in the document is "< 5" in the report, and a hidden bin shows no number.
    const hiddenBins = doc.groups.flatMap((g) => g.bins.filter((x) => x.visibility !== "shown").map((x) => [g.group, x.bin] as const));
    expect(hiddenBins.length).toBeGreaterThan(0);
    for (const [group, bin] of hiddenBins) expect(md).toContain(`| ${group} | ${bin} | < 5 | < 5 | < 5 | < 5 | < 5 |`);
    expect(overall!.confidentWrong).toBeLessThan(5);
    expect(md).toMatch(/\| overall \| 40 \| [^\n]*\| < 5 \|\n/);
    // The power grid: 2 designs × 2 effect sizes, and the cheapest-design table.
    expect(md.split("\n").filter((line) => /^\| abba-[23]x14 \| counterbalanced \|/.test(line))).toHaveLength(4);
    expect(md).toContain("**Cheapest design reaching power 0.80**");
    // The study asks for neither the patients' series nor the confident-and-wrong ids.
    expect(html).not.toContain("own time series");
    expect(doc.confidentWrongPatients).toBeNull();
  }, 240_000);
});

/** A small hybrid study: `subgroup` and the table the treatment model scores are the mistakes under test. */
const hybridStudy = (subgroup: string, scored: "sim.patients" | "cohort") => `import { study } from "../dsl/study.js";
import { predict } from "../steps/predict/model-set.js";
import { stratifiedHoldout } from "../steps/split/holdout.js";
import { trainLogisticRegression } from "../steps/train/logistic-regression.js";
import { analyzeTrial } from "../steps/trials/analyze.js";
import { trialDesign } from "../steps/trials/design.js";
import { trialHybrid } from "../steps/trials/hybrid.js";
import { poolTrial } from "../steps/trials/pool.js";
import { simulateParallelTrial } from "../steps/trials/simulate-parallel.js";
import { simulateTrial } from "../steps/trials/simulate.js";
const covariates = [{ name: "severity", kind: "normal", mean: 0, sd: 1 }, { name: "group", kind: "binary", p: 0.5 }];
const effect = { mean: 0.5, coefficients: { severity: 1 } };
export default study("hybrid-mistake", (s) => {
  const design = trialDesign(s, { treatments: ["a", "b"], design: "alternating", cycles: 3, periodDays: 5, patients: 12 });
  const sim = simulateTrial(design, { covariates, effect, measurementSd: 1 });
  const analysis = analyzeTrial(design.design, sim.outcomes);
  const pooled = poolTrial(analysis.effects, analysis.summary);
  const cohort = simulateParallelTrial(s, { treatments: ["a", "b"], participants: 200, covariates, effect, measurementSd: 1 });
  const model = trainLogisticRegression(cohort, stratifiedHoldout(cohort, { testFraction: 0.2 }), { features: ["severity"], target: "responded" });
  trialHybrid(
    { effects: analysis.effects, summary: analysis.summary, shrunken: pooled.shrunken, patients: sim.patients, referencePredictions: predict(model.models, sim.patients), treatmentPredictions: predict(model.models, ${scored}) },
    { subgroup: "${subgroup}" },
    { id: "hybrid" },
  );
});
`;

describe("the hybrid check's wiring mistakes, through the CLI", () => {
  const project = makeTempProject("strata-nof1-mistakes-");
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));
  const runCase = async (name: string, text: string) => {
    fs.writeFileSync(path.join(project, "pipelines", `${name}.ts`), text);
    const store = makeTempDir();
    try {
      return await strata(["run", `pipelines/${name}.ts`, "--store", store, "--no-lock"], { cwd: project });
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  };

  it("a numeric subgroup column stops the study at load (exit 2); predictions of another table stop the node (exit 1)", async () => {
    const [numeric, otherTable] = await Promise.all([runCase("numeric-subgroup", hybridStudy("severity", "sim.patients")), runCase("other-table", hybridStudy("patient", "cohort"))]);
    expect(numeric.code).toBe(2);
    expect(numeric.stderr).toMatch(/hybrid.*params\.subgroup[\s\S]*column "severity" is float; the subgroup must be a string column/);
    expect(otherTable.code).toBe(1);
    expect(otherTable.stderr).toMatch(/hybrid.*inputs\.treatmentPredictions[\s\S]*names row \d+, but the table has 12 rows; were the predictions made on this table\?/);
    for (const r of [numeric, otherTable]) expect(r.stderr).not.toMatch(/internal error|at .*\.ts:\d+/);
  }, 120_000);
});
