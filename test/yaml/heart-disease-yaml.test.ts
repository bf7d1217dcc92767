import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { jsonOf, repoRoot, strata } from "../support/cli.js";
import { makeTempDir, makeTempProject } from "../support/temp-project.js";

interface PlanJson {
  planDigest: string;
  plan: { nodes: { id: string; module: string }[] };
}
interface RunJson {
  status: string;
  nodes: { id: string; cached: boolean; outputs: Record<string, string> }[];
}

const planOf = async (pipeline: string, cwd = repoRoot) => jsonOf<PlanJson>(await strata(["plan", pipeline, "--json"], { cwd }));

describe("YAML studies through the CLI", () => {
  it("pipelines/heart-disease.yaml gives the plan, and the plan digest, of pipelines/heart-disease.ts", async () => {
    const [ts, yaml] = await Promise.all([planOf("pipelines/heart-disease.ts"), planOf("pipelines/heart-disease.yaml")]);
    expect(yaml.planDigest).toBe(ts.planDigest);
    expect(yaml.plan).toEqual(ts.plan);
    expect(ts.plan.nodes.map((n) => n.id)).toContain("report");
  });

  it("`strata plan --yaml` writes a YAML study with the TypeScript study's plan digest, for every reference study", async () => {
    const project = makeTempProject("strata-yaml-");
    for (const name of ["heart-disease", "heart-bias-modulation", "heart-retrain"]) {
      const written = await strata(["plan", `pipelines/${name}.ts`, "--yaml"], { cwd: project });
      expect(written.code, written.stderr).toBe(0);
      fs.writeFileSync(path.join(project, "pipelines", `${name}-written.yaml`), written.stdout);
      const [ts, yaml] = await Promise.all([planOf(`pipelines/${name}.ts`, project), planOf(`pipelines/${name}-written.yaml`, project)]);
      expect(yaml.planDigest, name).toBe(ts.planDigest);
      expect(written.stdout).toContain(ts.planDigest);
    }
  });

  it("runs a YAML study end to end on the real store, and from the cache the second time", async () => {
    const store = makeTempDir();
    const run = async () => jsonOf<RunJson>(await strata(["run", "test/yaml/small-study.yaml", "--store", store, "--no-lock", "--json"]));
    const first = await run();
    expect(first.status).toBe("succeeded");
    expect(first.nodes.map((n) => [n.id, n.cached])).toEqual([["ingest", false], ["drop-missing", false], ["target", false], ["holdout", false]]);
    const second = await run();
    expect(second.nodes.every((n) => n.cached)).toBe(true);
    expect(second.nodes.map((n) => n.outputs)).toEqual(first.nodes.map((n) => n.outputs));
  });

  it("ends a YAML study with a mistake with exit code 2 and one message naming the file, line and column", async () => {
    const dir = makeTempDir();
    const file = path.join(dir, "bad.yaml");
    fs.writeFileSync(file, fs.readFileSync(path.join(repoRoot, "test/yaml/small-study.yaml"), "utf8").replace("testFraction: 0.2", "testFraction: 2"));
    const r = await strata(["run", file, "--store", makeTempDir(), "--no-lock"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^strata: error: bad\.yaml › node "holdout" \(split\.holdout\) › field params\.testFraction: line 36, column 29: Expected a value between 0 \(excluded\) and 1 \(excluded\)\n$/);
  });
});
