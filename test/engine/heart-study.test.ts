import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir, makeTempProject } from "../support/temp-project.js";

interface RunJson {
  status: string;
  manifest: string;
  nodes: { id: string; step: string; cached: boolean; outputs: Record<string, string> }[];
  reports: string[];
}

const PIPELINE = "pipelines/heart-disease.ts";
const UPSTREAM = ["ingest", "drop-missing", "encode", "target", "subgroups", "holdout", "cv"];

const runHeart = async (store: string, cwd?: string): Promise<RunJson> =>
  jsonOf<RunJson>(await strata(["run", PIPELINE, "--store", store, "--out", path.join(store, "reports"), "--no-lock", "--json"], cwd ? { cwd } : {}));

const rerun = (r: RunJson) => r.nodes.filter((n) => !n.cached).map((n) => n.id).sort();

describe("the heart-disease study", () => {
  it("runs end to end, identically in two processes, then entirely from the cache, and invalidates only what changed", async () => {
    const storeA = makeTempDir();
    const storeB = makeTempDir();
    const [a, b] = await Promise.all([runHeart(storeA), runHeart(storeB)]);

    // Determinism: every output digest, trained models included, is the same in separate processes and stores.
    expect(a.nodes.map((n) => [n.id, n.outputs])).toEqual(b.nodes.map((n) => [n.id, n.outputs]));
    expect(a.nodes.map((n) => n.id)).toEqual([...UPSTREAM, "train-logreg", "train-mlp", "evaluate", "report"]);

    // The reports exist and carry the per-subgroup table without row-level data.
    const html = fs.readFileSync(a.reports.find((r) => r.endsWith(".html"))!, "utf8");
    expect(html).toContain("<table");
    for (const group of ["overall", "young_male", "young_female", "old_male", "old_female"]) expect(html).toContain(group);
    // Markdown escapes "_" so names render literally.
    expect(fs.readFileSync(a.reports.find((r) => r.endsWith(".md"))!, "utf8")).toContain("young\\_male");

    const warm = await runHeart(storeA);
    expect(warm.nodes.every((n) => n.cached)).toBe(true);
    expect(warm.nodes.map((n) => n.outputs)).toEqual(a.nodes.map((n) => n.outputs));

    // A copy of the project shares the store: same code, same keys, all hits.
    const project = makeTempProject();
    expect(rerun(await runHeart(storeA, project))).toEqual([]);

    // Changing one train param reruns that training and what reads it; ingest and preprocessing stay cached.
    const pipelineFile = path.join(project, PIPELINE);
    const source = fs.readFileSync(pipelineFile, "utf8");
    const changed = source.replace('{ features: FEATURES, target: "target" }, { id: "train-mlp" }', '{ features: FEATURES, target: "target", layers: [32, 32] }, { id: "train-mlp" }');
    expect(changed).not.toBe(source);
    fs.writeFileSync(pipelineFile, changed);
    const afterParam = await runHeart(storeA, project);
    expect(rerun(afterParam)).toEqual(["evaluate", "report", "train-mlp"]);

    // Editing the MLP step's module reruns that training only. The edit changes no number, so the retrained
    // model has the same bytes and everything downstream is served from the cache again.
    const mlpModule = path.join(project, "steps/train/mlp.ts");
    fs.appendFileSync(mlpModule, "\n// an edit that changes the module's bytes\n");
    const afterEdit = await runHeart(storeA, project);
    expect(rerun(afterEdit)).toEqual(["train-mlp"]);
    expect(afterEdit.nodes.map((n) => n.outputs)).toEqual(afterParam.nodes.map((n) => n.outputs));
  }, 600_000);
});
