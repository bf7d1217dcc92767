/**
 * synth.structural through the real CLI and store: two processes with fresh stores give the same cohort and truth
 * digests, and a spec mistake ends the run with one message naming the node and field.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

interface RunJson {
  status: string;
  nodes: { id: string; cached: boolean; outputs: Record<string, string> }[];
}

const PIPELINE = "bench/synth-structural.ts";
const stores: string[] = [];
const run = (store: string, n: number) => strata(["run", PIPELINE, "--store", store, "--out", path.join(store, "reports"), "--no-lock", "--json"], { env: { SYNTH_N: String(n) } });

describe("synth.structural via strata run", () => {
  afterAll(() => {
    for (const dir of stores) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("gives identical cohort and truth digests in two processes with fresh stores", async () => {
    stores.push(makeTempDir("strata-synth-"), makeTempDir("strata-synth-"));
    const [a, b] = (await Promise.all(stores.map((s) => run(s, 70_000)))).map((r) => jsonOf<RunJson>(r));
    expect(a!.status).toBe("succeeded");
    expect(a!.nodes.map((n) => [n.id, n.cached])).toEqual([["cohort", false]]);
    expect(Object.keys(a!.nodes[0]!.outputs).sort()).toEqual(["cohort", "truth"]);
    expect(b!.nodes[0]!.outputs).toEqual(a!.nodes[0]!.outputs);
  }, 120_000);

  it("rejects a bad spec at load time with one message naming the node and field (exit 2)", async () => {
    const store = makeTempDir("strata-synth-");
    stores.push(store);
    const r = await run(store, 0);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cohort/);
    expect(r.stderr).toMatch(/params\.n/);
    expect(r.stderr).not.toMatch(/internal error/i);
  }, 60_000);
});
