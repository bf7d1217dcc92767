import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import { decodeParquet, tableColumns } from "../../artifacts/table.js";
import { readManifest } from "../../engine/manifest.js";
import { parseFolderListing, readSource } from "../../engine/source-input.js";
import { splitLines } from "../steps/data-prep-helpers.js";
import { type CliResult, jsonOf, strata } from "../support/cli.js";
import { flipByte, makeTempDir, makeTempProject } from "../support/temp-project.js";

/**
 * A recurring retrain on a folder that grows: ingest.csv reads every monthly file, split.stable-holdout assigns
 * roles by patient id, and a logistic regression trains on the result. Real CLI, real files, real store.
 */
const PIPELINE = `import { study } from "../dsl/study.js";
import { readCsv } from "../steps/ingest/csv.js";
import { stableHoldout } from "../steps/split/stable-holdout.js";
import { trainLogisticRegression } from "../steps/train/logistic-regression.js";

export default study("visits", (s) => {
  const columns = [{ name: "patient_id", type: "int" }, { name: "x", type: "float" }, { name: "y", type: "int" }] as const;
  const visits = readCsv(s, { path: "incoming/visits/", header: true, columns }, { id: "ingest" });
  const split = stableHoldout(visits, { key: ["patient_id"], testFraction: 0.3 }, { id: "split" });
  trainLogisticRegression(visits, split, { features: ["x"], target: "y" }, { id: "train" });
}, { seed: 5 });
`;

interface RunJson {
  manifest: string;
  nodes: { id: string; cached: boolean; outputs: Record<string, string> }[];
}

/** Visits of patients `from` to `to` - 1: x in [0, 1), y = 1 when x > 0.5. */
const visits = (from: number, to: number): string =>
  Array.from({ length: to - from }, (_, i) => {
    const id = from + i;
    const x = ((id * 37) % 100) / 100;
    return `${id},${x},${x > 0.5 ? 1 : 0}\n`;
  }).join("");

const projects: string[] = [];
const setUp = () => {
  const project = makeTempProject("strata-folder-");
  projects.push(project);
  fs.writeFileSync(path.join(project, "pipelines/visits.ts"), PIPELINE);
  const folder = path.join(project, "incoming/visits");
  fs.mkdirSync(folder, { recursive: true });
  return { project, folder, store: new ContentStore(path.join(project, ".strata")) };
};
afterAll(() => {
  for (const p of projects) fs.rmSync(p, { recursive: true, force: true });
});

const run = (project: string): Promise<CliResult> => strata(["run", "pipelines/visits.ts", "--no-lock", "--json"], { cwd: project });
const cached = (r: RunJson) => Object.fromEntries(r.nodes.map((n) => [n.id, n.cached]));
const output = (r: RunJson, node: string, name: string) => r.nodes.find((n) => n.id === node)!.outputs[name]!;

/** patient id -> role, from a run's stored table and split. */
const rolesByPatient = (store: ContentStore, r: RunJson): Map<number, string> => {
  const ids = tableColumns(decodeParquet(store.get(output(r, "ingest", "table")))).find((c) => c.name === "patient_id")!.values;
  const role = splitLines(decodeParquet(store.get(output(r, "split", "split")))).map((l) => l.role);
  return new Map(Array.from(ids, (id, i) => [id as number, role[i] as string]));
};

describe("a folder source", () => {
  it("is all cache hits while unchanged, and reruns ingest and everything downstream when a file or rows are added", async () => {
    const { project, folder, store } = setUp();
    fs.writeFileSync(path.join(folder, "2024-01.csv"), `patient_id,x,y\n${visits(0, 40)}`);
    fs.writeFileSync(path.join(folder, "2024-02.csv"), `patient_id,x,y\n${visits(40, 80)}`);
    const first = jsonOf<RunJson>(await run(project));
    expect(cached(first)).toEqual({ ingest: false, split: false, train: false });

    // Rewriting a file with the same bytes (new timestamps) and a stray .DS_Store change nothing: no model is trained.
    fs.writeFileSync(path.join(folder, "2024-01.csv"), `patient_id,x,y\n${visits(0, 40)}`);
    fs.writeFileSync(path.join(folder, ".DS_Store"), "finder state");
    const unchanged = jsonOf<RunJson>(await run(project));
    expect(cached(unchanged)).toEqual({ ingest: true, split: true, train: true });
    expect(unchanged.nodes.map((n) => n.outputs)).toEqual(first.nodes.map((n) => n.outputs));

    // The manifest records the folder with its listing's digest; the store holds the listing and both files.
    const source = readManifest(store, unchanged.manifest).manifest.nodes.find((n) => n.id === "ingest")!.sources["file"]!;
    const now = readSource(project, "incoming/visits/");
    if ("problem" in now) throw new Error(now.problem);
    expect(source).toEqual({ path: "incoming/visits/", digest: now.digest });
    const listing = parseFolderListing(store.get(source.digest));
    expect(listing.files.map((f) => f.name)).toEqual(["2024-01.csv", "2024-02.csv"]);
    for (const f of listing.files) expect(store.check(f.sha256)).toBeUndefined();

    // A new month: everything reruns, and every earlier patient keeps its role.
    fs.writeFileSync(path.join(folder, "2024-03.csv"), `patient_id,x,y\n${visits(80, 120)}`);
    const added = jsonOf<RunJson>(await run(project));
    expect(cached(added)).toEqual({ ingest: false, split: false, train: false });
    expect(output(added, "ingest", "table")).not.toBe(output(first, "ingest", "table"));
    const before = rolesByPatient(store, first);
    const after = rolesByPatient(store, added);
    expect(after.size).toBe(120);
    for (const [id, role] of before) expect(after.get(id)).toBe(role);

    // Rows appended to the first file (returning and new patients) shift row numbers, not roles.
    fs.appendFileSync(path.join(folder, "2024-01.csv"), visits(0, 5) + visits(120, 130));
    const appended = jsonOf<RunJson>(await run(project));
    expect(cached(appended)).toEqual({ ingest: false, split: false, train: false });
    const later = rolesByPatient(store, appended);
    for (const [id, role] of after) expect(later.get(id)).toBe(role);
    expect(new Set(later.values())).toEqual(new Set(["train", "test"]));
  });

  it("fails when the folder is empty or a file has other columns, naming the node, input and file, and stores nothing", async () => {
    const { project, folder, store } = setUp();
    fs.writeFileSync(path.join(folder, ".DS_Store"), "");
    const empty = await run(project);
    expect(empty.code).toBe(1);
    const error = empty.stderr.split("\n").filter((l) => l.startsWith("strata: error:"));
    expect(error).toHaveLength(1);
    expect(error[0]).toContain(`incoming/visits/ › node "ingest" (ingest.csv) › field inputs.file: the folder ${folder} holds no data files`);
    expect(store.listObjects()).toEqual([]);

    fs.writeFileSync(path.join(folder, "2024-01.csv"), `patient_id,x,y\n${visits(0, 10)}`);
    fs.writeFileSync(path.join(folder, "2024-02.csv"), `patient_id,x,y\n${visits(10, 12)}13,0.5\n`);
    const mixed = await run(project);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('incoming/visits/2024-02.csv › node "ingest" (ingest.csv) › field inputs.file: line 4: expected 3 fields, found 2');
    expect(store.listObjects()).toEqual([]);
  });

  it("is exported with every file, replays from the bundle, and a tampered file is named", async () => {
    const { project, folder, store } = setUp();
    fs.writeFileSync(path.join(folder, "a.csv"), `patient_id,x,y\n${visits(0, 30)}`);
    fs.writeFileSync(path.join(folder, "b.csv"), `patient_id,x,y\n${visits(30, 60)}`);
    const r = jsonOf<RunJson>(await run(project));
    const out = makeTempDir();
    projects.push(out);
    const bundle = path.join(out, "bundle");
    const crate = path.join(out, "crate");
    const exported = await strata(["export", r.manifest, "--to", bundle, "--ro-crate", crate, "--json"], { cwd: project });
    // manifest, plan, listing, two files, five outputs (the ingest table and its missing counts, …)
    expect(jsonOf<{ bundle: { objects: number } }>(exported).bundle.objects).toBe(10);
    const sourceDigest = readManifest(store, r.manifest).manifest.nodes[0]!.sources["file"]!.digest;
    const graph = (JSON.parse(fs.readFileSync(path.join(crate, "ro-crate-metadata.json"), "utf8")) as { "@graph": Record<string, unknown>[] })["@graph"];
    expect(graph.find((e) => e["@id"] === sourceDigest)).toMatchObject({ alternateName: "incoming/visits/", encodingFormat: "application/json", sha256: sourceDigest });

    // The data folder is gone: replay reads the files from the bundle.
    fs.rmSync(folder, { recursive: true });
    const replayed = jsonOf<{ ok: boolean; replays: { keyCheck: { sources: { path: string; now: string }[] } }[] }>(
      await strata(["replay", path.join(bundle, "study.lock"), "--json", "--concurrency", "1"], { cwd: project }),
    );
    expect(replayed.ok).toBe(true);
    expect(replayed.replays[0]!.keyCheck.sources).toEqual([expect.objectContaining({ path: "incoming/visits/", now: "missing" })]);

    const listing = parseFolderListing(store.get(sourceDigest));
    flipByte(store.objectPath(listing.files[1]!.sha256));
    const tampered = await strata(["replay", r.manifest, "--json", "--concurrency", "1"], { cwd: project });
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain(`raw file incoming/visits/b.csv (read by node ingest) ${listing.files[1]!.sha256} is corrupt`);
  });
});
