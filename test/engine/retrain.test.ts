// The recurring-retrain study on the local engine, through the real CLI in a copy of the project: the first model
// becomes champion, an unchanged feed is all cache hits, appended rows retrain and promote, a planted shift is
// blocked with the harmed subgroup named, and the registry and run history say what happened.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jsonOf, strata } from "../support/cli.js";
import { appendSecondMonth, plantedShiftBatch } from "../support/retrain-feed.js";
import { makeTempProject } from "../support/temp-project.js";

const CHANNEL = "heart-retrain/logreg:champion";
const project = makeTempProject("strata-retrain-");
const store = path.join(project, ".strata-test");
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

interface Summary {
  nodes: { id: string; cached: boolean; outputs: Record<string, string> }[];
  decisions: { channel: string; status: string; promote: boolean; champion: string | null; candidate: string; blockedBy: string[]; reason: string }[];
  manifest: string;
}
const run = async () => jsonOf<Summary>(await strata(["run", "pipelines/heart-retrain.ts", "--store", store, "--out", path.join(project, "reports"), "--no-lock", "--json"], { cwd: project }));
const cli = (args: string[]) => strata([...args, "--store", store], { cwd: project });
const ran = (s: Summary) => s.nodes.filter((n) => !n.cached).map((n) => n.id);

describe("heart-retrain on the local engine", () => {
  const runs: Summary[] = [];

  it("makes the first model champion, and an unchanged feed trains nothing", async () => {
    runs.push(await run());
    expect(runs[0]!.decisions).toHaveLength(1);
    expect(runs[0]!.decisions[0]).toMatchObject({ channel: CHANNEL, status: "promoted", promote: true, champion: null });
    runs.push(await run());
    expect(ran(runs[1]!)).toEqual([]);
    expect(runs[1]!.decisions[0]).toMatchObject({ status: "unchanged", candidate: runs[0]!.decisions[0]!.candidate });
  }, 120_000);

  it("retrains when a month is appended and promotes a model that harms no subgroup", async () => {
    appendSecondMonth(project);
    runs.push(await run());
    expect(ran(runs[2]!)).toEqual(expect.arrayContaining(["ingest", "split", "train", "gate"]));
    const d = runs[2]!.decisions[0]!;
    expect(d).toMatchObject({ status: "promoted", champion: runs[0]!.decisions[0]!.candidate, blockedBy: [] });
    expect(d.candidate).not.toBe(runs[0]!.decisions[0]!.candidate);
  }, 120_000);

  it("keeps the champion when appended rows make the candidate worse on one subgroup, and names it", async () => {
    plantedShiftBatch(project, "2026-03.csv", 45);
    runs.push(await run());
    const d = runs[3]!.decisions[0]!;
    expect(d).toMatchObject({ status: "kept", promote: false, blockedBy: ["old_female"], champion: runs[2]!.decisions[0]!.candidate });
    expect(d.reason).toMatch(/subgroup old_female would be harmed, accuracy drops by more than the tolerance of 5\.0 points: accuracy \d+\.\d% → \d+\.\d% \(−\d+\.\d points\)/);
    const report = fs.readFileSync(path.join(project, "reports", "gate.md"), "utf8");
    expect(report).toContain("**Decision: keep the champion.**");
    expect(report).toMatch(/\| old\\_female \| \d+ \| \d+\.\d% \| \d+\.\d% \| −\d+\.\d points \| [\d.]+ \| drop \|/);
    const head = jsonOf<{ model: string }>(await cli(["models", "show", CHANNEL, "--json"]));
    expect(head.model).toBe(runs[2]!.decisions[0]!.candidate);
  }, 120_000);

  it("rolls back to the previous champion, and the history and run list say what happened", async () => {
    const back = jsonOf<{ model: string; action: string }>(await cli(["models", "rollback", CHANNEL, "--json"]));
    expect(back).toMatchObject({ action: "rollback", model: runs[0]!.decisions[0]!.candidate });
    const history = jsonOf<{ entries: { action: string; model: string }[] }>(await cli(["models", "history", CHANNEL, "--json"]));
    expect(history.entries.map((e) => e.action)).toEqual(["rollback", "promote", "promote"]);
    // By hand, even the model the gate refused; the entry names the run that produced it.
    const refused = runs[3]!.decisions[0]!.candidate;
    const manual = jsonOf<{ status: string; model: string; manifest: string | null; note: string }>(await cli(["models", "promote", CHANNEL, "--model", refused.slice(0, 12), "--note", "by hand", "--json"]));
    expect(manual).toMatchObject({ status: "promoted", model: refused, manifest: runs[3]!.manifest, note: "by hand" });

    const list = jsonOf<{ runs: { manifest: string; data: string; ran: string[]; decisions: { status: string }[] }[] }>(await cli(["runs", "list", "--study", "heart-retrain", "--json"]));
    expect(list.runs.map((r) => r.manifest)).toEqual(runs.map((r) => r.manifest));
    expect(list.runs.map((r) => r.decisions[0]!.status)).toEqual(["promoted", "unchanged", "promoted", "kept"]);
    const data = list.runs.map((r) => r.data);
    expect(data[1]).toBe(data[0]);
    expect(new Set(data).size).toBe(3);
    const text = await cli(["runs", "list"]);
    expect(text.stdout.trim().split("\n")).toHaveLength(4);
    expect(text.stdout).toContain("gate: heart-retrain/logreg:champion kept (old_female)");
  }, 60_000);

  it("refuses what makes no sense with a message saying what to do", async () => {
    const none = await cli(["models", "show", "heart-retrain/mlp:champion"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("channel heart-retrain/mlp:champion has no model in");
    const badName = await cli(["models", "history", "champion"]);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('"champion" is not a channel; expected "<study>/<model>:<channel>"');
    const noModel = await cli(["models", "promote", CHANNEL, "--model", "0123456789abcdef"]);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain("no object in");
  }, 60_000);
});
