// What replay says when something really changed: a constant in one preprocessing step's code, a step that reads
// Math.random directly, and a pipeline whose plan no longer matches its study.lock (`strata run --frozen`).
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderKeyCheck, renderReplay } from "../../cli/audit.js";
import { json, LINE, makeProject, NOISY, strata } from "./support.js";

let project: string;
let store: string;
const STEP = "test/fixtures/audit/steps/standardize.ts";
const lockFile = () => path.join(project, "test/fixtures/audit/pipelines/study.lock");

beforeAll(async () => {
  project = makeProject("drift");
  store = path.join(project, "store");
  const reports = path.join(project, "reports");
  const [line, noisy] = await Promise.all([
    strata(["run", LINE, "--store", store, "--out", reports, "--concurrency", "1"], project),
    strata(["run", NOISY, "--store", store, "--out", reports, "--concurrency", "1"], project),
  ]);
  expect(line.code, line.stderr).toBe(0);
  expect(noisy.code, noisy.stderr).toBe(0);
});

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

describe("strata replay after a code change", () => {
  it("names the step and file in the key check, then the step as the first divergent node and how", async () => {
    const file = path.join(project, STEP);
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("export const SD_FLOOR = 0;", "export const SD_FLOOR = 0.001;"));
    const r = await strata(["replay", lockFile(), "--study", "audit-line", "--store", store, "--json", "--concurrency", "1"], project);
    expect(r.code, r.stderr).toBe(1);
    const replay = json(r).replays[0];

    const checks = Object.fromEntries(replay.keyCheck.nodes.map((n: { id: string }) => [n.id, n]));
    expect(checks["standardize"]).toMatchObject({ status: "drift", module: STEP });
    expect(checks["standardize"].changes).toEqual([{ component: "code file", detail: expect.stringMatching(new RegExp(`^${STEP}: [0-9a-f]{12} → [0-9a-f]{12}$`)) }]);
    for (const id of ["ingest", "fit", "evaluate"]) expect(checks[id].status).toBe("unchanged");

    const first = replay.verdict.firstDivergent;
    expect(first).toMatchObject({ node: "standardize", step: "audit.standardize", kind: "values" });
    expect(first.diagnosis).toContain(`code file ${STEP}`);
    const out = replay.nodes.find((n: { id: string }) => n.id === "standardize").outputs[0];
    expect(out.level).toBe("values");
    expect(out.logical.recorded).not.toBe(out.logical.replayed);
    expect(out.values.columns.map((c: { name: string }) => c.name)).toEqual(["z"]);
    expect(out.values.numeric.maxAbs).toBeGreaterThan(0);
    expect(out.values.numeric.maxAbs).toBeLessThan(1e-2);
    expect(out.values.numeric.maxRel).toBeLessThan(1e-2);
    // Isolated replay: downstream nodes get the RECORDED table, so they still reproduce.
    expect(replay.nodes.filter((n: { kind: string }) => n.kind === "none").map((n: { id: string }) => n.id)).toEqual(["ingest", "fit", "evaluate"]);

    // The terminal rendering of the same report (what `strata replay` prints without --json).
    const text = renderKeyCheck(replay.keyCheck, replay.storeProblems, 6) + renderReplay(replay);
    expect(text).toMatch(new RegExp(`✗ standardize +key drift \\(audit\\.standardize, ${STEP}\\)\\n +code file ${STEP}: `));
    expect(text).toMatch(/DIVERGED at node standardize \(audit\.standardize\): values/);
    expect(text).toMatch(/column z \(40 of 40 cells.*max abs [0-9.e-]+, max rel [0-9.e-]+\)/);
    expect(text).toMatch(/why: its key changed since the run: code file/);
  });
});

describe("strata replay of a nondeterministic step", () => {
  it("catches the step that reads Math.random directly", async () => {
    const r = await strata(["replay", lockFile(), "--study", "audit-noisy", "--store", store, "--json", "--concurrency", "1"], project);
    expect(r.code, r.stderr).toBe(1);
    const replay = json(r).replays[0];
    expect(replay.keyCheck.nodes.every((n: { status: string }) => n.status === "unchanged")).toBe(true);
    expect(replay.verdict.firstDivergent).toMatchObject({ node: "jitter", step: "audit.jitter", kind: "values" });
    expect(replay.verdict.firstDivergent.diagnosis).toMatch(/not deterministic/);
    const out = replay.nodes.find((n: { id: string }) => n.id === "jitter").outputs[0];
    expect(out.values.columns.map((c: { name: string }) => c.name)).toEqual(["jittered"]);
  });
});

describe("strata run --frozen", () => {
  it("fails on a changed plan, saying what differs and how to accept it, and leaves the lock alone", async () => {
    const pipeline = path.join(project, LINE);
    fs.writeFileSync(pipeline, fs.readFileSync(pipeline, "utf8").replace('standardize(points, "x"', 'standardize(points, "y"'));
    const before = fs.readFileSync(lockFile());
    const r = await strata(["run", LINE, "--store", store, "--out", path.join(project, "reports"), "--frozen"], project);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the plan of ${LINE} no longer matches`);
    expect(r.stderr).toContain('node standardize: params.column: x → y');
    expect(r.stderr).toContain("without --frozen");
    expect(r.stdout).toBe("");
    expect(fs.readFileSync(lockFile())).toEqual(before);
  });
});
