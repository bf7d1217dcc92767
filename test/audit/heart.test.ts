// The heart-disease study end to end through the audit commands: replayed bit for bit from an exported bundle in
// another folder (models included), lineage of the final metrics back to the raw UCI file, and its RO-Crate.
// About 1.5 minutes (the study trains 25 logistic regressions and 25 MLPs, then replays them).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRunCrate, nodeRuns, refIds } from "./crate-check.js";
import { json, REPO, strata, tempDir } from "./support.js";

const PIPELINE = "pipelines/heart-disease.ts";
const RAW = "data/heart-cleveland/processed.cleveland.data";
describe("heart-disease study audit", () => {
  let work: string;
  let store: string;
  let run: { manifest: string; nodes: { id: string; outputs: Record<string, string> }[] };

  beforeAll(async () => {
    work = tempDir("heart");
    store = path.join(work, "store");
    // --no-lock: the repository's pipelines/study.lock is the lead's to accept, not this test's.
    const r = await strata(["run", PIPELINE, "--store", store, "--out", path.join(work, "reports"), "--no-lock", "--json"], REPO);
    expect(r.code, r.stderr).toBe(0);
    run = json(r);
  }, 240_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it("replays bit for bit from an exported bundle in another folder", async () => {
    const bundle = path.join(work, "elsewhere", "bundle");
    const e = await strata(["export", run.manifest, "--store", store, "--to", path.join(work, "bundle")], REPO);
    expect(e.code, e.stderr).toBe(0);
    fs.mkdirSync(path.dirname(bundle));
    fs.renameSync(path.join(work, "bundle"), bundle);
    const r = await strata(["replay", path.join(bundle, "study.lock"), "--json"], REPO);
    expect(r.code, r.stdout.slice(0, 4000) + r.stderr).toBe(0);
    const replay = json(r).replays[0];
    expect(replay.store).toBe(bundle);
    expect(replay.nodes.map((n: { id: string }) => n.id)).toEqual(run.nodes.map((n) => n.id));
    expect(replay.nodes.filter((n: { kind: string }) => n.kind !== "none")).toEqual([]);
    // Trained models are among the byte-identical outputs.
    const models = replay.nodes.flatMap((n: { outputs: { kind: string; recorded: string; replayed: string }[] }) => n.outputs.filter((o) => o.kind === "models"));
    expect(models.length).toBeGreaterThan(0);
    for (const m of models) expect(m.replayed).toBe(m.recorded);
  }, 240_000);

  it("traces the final metrics back to the raw UCI file's digest", async () => {
    const metrics = Object.values(run.nodes.find((n) => n.id === "evaluate")!.outputs)[0]!;
    const raw = createHash("sha256").update(fs.readFileSync(path.join(REPO, RAW))).digest("hex");
    const r = await strata(["lineage", metrics, "--store", store, "--json"], REPO);
    expect(r.code, r.stderr).toBe(0);
    const l = json(r);
    expect(l.sources).toEqual([{ path: RAW, digest: raw }]);
    expect(l.nodes[0]).toBe("ingest");
    expect(l.nodes).toContain("train-mlp");
  });

  it("exports an RO-Crate with every node run and the right sha256 values", async () => {
    const crate = path.join(work, "crate");
    const r = await strata(["export", run.manifest, "--store", store, "--ro-crate", crate], REPO);
    expect(r.code, r.stderr).toBe(0);
    const { problems, graph } = checkRunCrate(crate);
    expect(problems).toEqual([]);
    expect(nodeRuns(graph).map((a) => a["@id"])).toEqual(run.nodes.map((n) => `#run/${n.id}`));
    for (const n of run.nodes) {
      const results = refIds(graph.get(`#run/${n.id}`)!["result"]).map((x) => x["@id"]);
      expect(results.sort()).toEqual(Object.values(n.outputs).sort());
    }
  });
});
