// Tampering: one byte edited in a stored table, a stored model (JSON) or the run manifest is reported by
// `strata replay`, naming the object. Each case works on its own copy of a store made by a real run.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderKeyCheck, renderReplay } from "../../cli/audit.js";
import { flipByte, json, LINE, makeProject, objectFile, strata } from "./support.js";

let project: string;
let store: string;
let manifest: string;
let outputs: Record<string, Record<string, string>>;

beforeAll(async () => {
  project = makeProject("tamper");
  store = path.join(project, "store");
  const r = await strata(["run", LINE, "--store", store, "--out", path.join(project, "reports"), "--no-lock", "--json"], project);
  expect(r.code, r.stderr).toBe(0);
  const summary = json(r);
  manifest = summary.manifest;
  outputs = Object.fromEntries(summary.nodes.map((n: { id: string; outputs: Record<string, string> }) => [n.id, n.outputs]));
});

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

/** A copy of the store with one byte of one object flipped, replayed with --json. */
const replayTampered = async (label: string, digest: string) => {
  const copy = path.join(project, `store-${label}`);
  fs.cpSync(store, copy, { recursive: true });
  flipByte(objectFile(copy, digest));
  const r = await strata(["replay", manifest, "--store", copy, "--json", "--concurrency", "1"], project);
  return { r, report: json(r), file: objectFile(copy, digest) };
};

describe("strata replay on a tampered store", () => {
  it("names a corrupted table, model and manifest", async () => {
    const table = outputs["standardize"]!["table"]!;
    const model = outputs["fit"]!["model"]!;
    const [t, m, man] = await Promise.all([replayTampered("table", table), replayTampered("model", model), replayTampered("manifest", manifest)]);

    // The table: named in the store check and as the first divergence; the replay itself reproduced the
    // recorded digest, so the stored copy was altered; downstream nodes replay from the restored bytes.
    expect(t.r.code).toBe(1);
    const tr = t.report.replays[0];
    expect(tr.storeProblems).toEqual([expect.objectContaining({ digest: table, problem: "corrupt", describe: 'table output "table" of node standardize', file: t.file })]);
    expect(tr.verdict.ok).toBe(false);
    expect(tr.verdict.firstDivergent).toMatchObject({ node: "standardize", kind: "corrupt-object" });
    expect(tr.verdict.firstDivergent.detail).toContain(table);
    expect(tr.verdict.firstDivergent.detail).toContain("stored copy was altered after the run");
    expect(tr.nodes.find((n: { id: string }) => n.id === "standardize").outputs[0]).toMatchObject({ recorded: table, replayed: table, level: "identical" });
    expect(tr.nodes.filter((n: { kind: string }) => n.kind === "none").map((n: { id: string }) => n.id)).toEqual(["ingest", "fit", "evaluate"]);

    // The model (a JSON artifact).
    expect(m.r.code).toBe(1);
    const mr = m.report.replays[0];
    expect(mr.storeProblems).toEqual([expect.objectContaining({ digest: model, problem: "corrupt", describe: 'models output "model" of node fit' })]);
    expect(mr.verdict.firstDivergent).toMatchObject({ node: "fit", kind: "corrupt-object" });

    // The manifest: nothing can be trusted, so nothing runs; the object and its file are named.
    expect(man.r.code).toBe(1);
    expect(man.report.ok).toBe(false);
    expect(man.report.replays[0]).toMatchObject({ manifest, error: { kind: "corrupt-object", object: manifest } });
    expect(man.report.replays[0].error.message).toContain(man.file);

    // The terminal output names the objects too (the manifest case runs no step, so it is quick).
    const text = await strata(["replay", manifest, "--store", path.join(project, "store-manifest")], project);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`✗ the run manifest ${manifest} is corrupt`);
    const rendered = renderKeyCheck(tr.keyCheck, tr.storeProblems, 6) + renderReplay(tr);
    expect(rendered).toMatch(new RegExp(`✗ store +table output "table" of node standardize ${table} is corrupt`));
    expect(rendered).toMatch(/STORE ALTERED at node standardize \(audit\.standardize\): corrupt-object/);
  });
});
