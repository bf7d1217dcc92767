// The audit trail of an unchanged study, through the real CLI: study.lock, replay from the store and from an
// exported bundle in another folder, the RO-Crate, and lineage back to the raw CSV.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderLineage } from "../../engine/audit/lineage.js";
import { checkRunCrate, nodeRuns, refIds } from "./crate-check.js";
import { json, LINE, makeProject, POINTS, snapshot, strata, tempDir } from "./support.js";

let project: string;
let store: string;
let manifest: string;
let crate: string;
let run: { manifest: string; nodes: { id: string; outputs: Record<string, string> }[] };
const lockFile = () => path.join(project, "test/fixtures/audit/pipelines/study.lock");

beforeAll(async () => {
  project = makeProject("replay");
  store = path.join(project, "store");
  const r = await strata(["run", LINE, "--store", store, "--out", path.join(project, "reports"), "--json"], project);
  expect(r.code, r.stderr).toBe(0);
  run = json(r);
  manifest = run.manifest;
});

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

describe("study.lock", () => {
  it("is written beside the pipeline: sorted keys, one field per line, digests only", () => {
    const text = fs.readFileSync(lockFile(), "utf8");
    expect(text.endsWith("}\n")).toBe(true);
    const lock = JSON.parse(text);
    expect(lock.format).toBe("strata-lock/1");
    const entry = lock.studies[LINE];
    expect(entry).toMatchObject({ study: "audit-line" });
    // No manifest: it records timings and hosts, so a committed lock names only what reproduces anywhere.
    expect(Object.keys(entry)).toEqual(["nodes", "planDigest", "planNodes", "study"]);
    expect(Object.keys(entry.planNodes).sort()).toEqual(run.nodes.map((n) => n.id).sort());
    for (const n of run.nodes) expect(entry.nodes[n.id]).toEqual(n.outputs);
    // One field per line: no line holds two keys, and nothing time- or host-dependent is in it.
    for (const line of text.split("\n")) expect((line.match(/":/g) ?? []).length).toBeLessThanOrEqual(1);
    expect(text).not.toMatch(/seconds|startedAt|hostname/);
  });

  it("stays byte-identical on a rerun that gives the same results, and --frozen passes on an unchanged plan", async () => {
    const before = fs.readFileSync(lockFile());
    const r = await strata(["run", LINE, "--store", store, "--out", path.join(project, "reports"), "--frozen"], project);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/outputs match .*study\.lock \(--frozen: lock not written\)/);
    expect(fs.readFileSync(lockFile())).toEqual(before);
  });
});

describe("strata replay of an unchanged study", () => {
  it("reproduces every output bit for bit from the original store, without writing to it", async () => {
    const before = snapshot(store);
    const r = await strata(["replay", lockFile(), "--store", store, "--json", "--concurrency", "1"], project);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = json(r);
    expect(report.ok).toBe(true);
    const replay = report.replays[0];
    // The lock names results, not a run: replay audits the newest run in the store that produced exactly them.
    expect(replay.manifest).toMatch(/^[0-9a-f]{64}$/);
    for (const n of replay.nodes) for (const o of n.outputs) expect(o.recorded).toBe(run.nodes.find((m) => m.id === n.id)!.outputs[o.output]);
    expect(replay.keyCheck.nodes.map((n: { status: string }) => n.status)).toEqual(["unchanged", "unchanged", "unchanged", "unchanged"]);
    expect(replay.nodes.map((n: { id: string; kind: string }) => [n.id, n.kind])).toEqual([
      ["ingest", "none"],
      ["standardize", "none"],
      ["fit", "none"],
      ["evaluate", "none"],
    ]);
    for (const n of replay.nodes) for (const o of n.outputs) expect(o.replayed).toBe(o.recorded);
    expect(replay.verdict).toMatchObject({ ok: true, firstDivergent: null, divergent: 0 });
    // Progress went to stderr; no object, index entry or ref was added or touched.
    expect(r.stderr).toMatch(/\[4\/4\]/);
    expect(snapshot(store)).toEqual(before);
  });

  it("reproduces from an exported bundle copied to another folder, with the original store gone", async () => {
    const out = tempDir("export");
    const bundle = path.join(out, "bundle");
    crate = tempDir("crate");
    const e = await strata(["export", manifest.slice(0, 12), "--store", store, "--to", bundle, "--ro-crate", crate, "--json"], project);
    expect(e.code, e.stderr).toBe(0);
    expect(json(e).bundle.objects).toBe(8); // manifest, plan, raw CSV, five outputs (the ingest table and its missing counts, …)
    expect(fs.readdirSync(bundle).sort()).toEqual(["objects", "refs", "study.lock"]);

    const elsewhere = tempDir("elsewhere");
    fs.cpSync(bundle, path.join(elsewhere, "bundle"), { recursive: true });
    fs.rmSync(out, { recursive: true, force: true });
    const away = `${store}.away`;
    fs.renameSync(store, away);
    try {
      // The lock inside the bundle names the manifest, and the bundle is its own store.
      const r = await strata(["replay", path.join(elsewhere, "bundle", "study.lock"), "--json", "--concurrency", "1"], project);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const replay = json(r).replays[0];
      expect(replay.store).toBe(path.join(elsewhere, "bundle"));
      expect(replay.verdict.ok).toBe(true);
      expect(replay.nodes.every((n: { kind: string }) => n.kind === "none")).toBe(true);
    } finally {
      fs.renameSync(away, store);
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe("strata export --ro-crate", () => {
  it("writes a Provenance Run Crate: every node run, its step, inputs and outputs, files named by sha256", () => {
    // Written by the export above (--ro-crate beside --to).
    try {
      const { problems, graph } = checkRunCrate(crate);
      expect(problems).toEqual([]);
      const runs = nodeRuns(graph);
      expect(runs.map((a) => a["@id"])).toEqual(["#run/ingest", "#run/standardize", "#run/fit", "#run/evaluate"]);
      for (const n of run.nodes) {
        const action = graph.get(`#run/${n.id}`)!;
        const results = refIds(action["result"]).map((x) => x["@id"]);
        expect(results).toEqual(Object.values(n.outputs));
        for (const d of results) expect(graph.get(d)!["sha256"]).toBe(d);
        expect(graph.get(refIds(action["instrument"])[0]!["@id"])!["@type"]).toBe("SoftwareApplication");
      }
      // The raw CSV is the object of the ingest run, under its real sha256.
      const csv = createHash("sha256").update(fs.readFileSync(path.join(project, POINTS))).digest("hex");
      expect(refIds(graph.get("#run/ingest")!["object"]).map((x) => x["@id"])).toContain(csv);
      expect(graph.get(csv)).toMatchObject({ "@type": "File", sha256: csv, alternateName: POINTS });
    } finally {
      fs.rmSync(crate, { recursive: true, force: true });
    }
  });
});

describe("strata lineage", () => {
  it("follows the final metrics back through every node to the raw CSV's digest", async () => {
    const metrics = run.nodes.find((n) => n.id === "evaluate")!.outputs["metrics"]!;
    const csv = createHash("sha256").update(fs.readFileSync(path.join(project, POINTS))).digest("hex");
    const r = await strata(["lineage", metrics.slice(0, 10), "--store", store, "--json"], project);
    expect(r.code, r.stderr).toBe(0);
    const l = json(r);
    // The producing run is the study's last one (the cached rerun above, which recorded the same outputs).
    const last = fs.readFileSync(path.join(store, "refs/studies/audit-line/last-manifest"), "utf8").trim();
    expect(l).toMatchObject({ artifact: metrics, manifest: last, study: "audit-line" });
    expect(l.nodes).toEqual(["ingest", "standardize", "fit", "evaluate"]);
    expect(l.sources).toEqual([{ path: POINTS, digest: csv }]);
    expect(l.tree).toMatchObject({ node: "evaluate", step: "audit.evaluate-line", output: "metrics" });
    const model = l.tree.inputs.find((i: { name: string }) => i.name === "model").from;
    expect(model).toMatchObject({ node: "fit", params: { x: "z", y: "y" } });
    expect(model.inputs[0].from.inputs[0].from.inputs[0].from).toEqual({ kind: "source", digest: csv, path: POINTS });

    // The terminal tree (what `strata lineage` prints without --json).
    const tree = renderLineage(l);
    expect(tree).toContain(`raw file ${POINTS}  sha256 ${csv}`);
    expect(tree).toMatch(/└─ file ← raw file/);
    expect(tree).toMatch(/params \{"x":"z","y":"y"\}/);
    expect(tree.split("\n")[0]).toBe(`metrics "metrics" of node evaluate (audit.evaluate-line)  ${metrics}`);
  });
});
