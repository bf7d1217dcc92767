import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

/**
 * A cache index entry is a small mutable file: a damaged or altered one must be named, removed and recomputed,
 * never served. Each case runs the tiny study, damages the entry of node "sum-a", and runs again.
 */
const PIPELINE = "test/fixtures/pipelines/tiny.ts";

interface RunJson {
  readonly nodes: readonly { readonly id: string; readonly cached: boolean; readonly outputs: Record<string, string> }[];
}

const run = async (store: string) => {
  const r = await strata(["run", PIPELINE, "--store", store, "--no-lock", "--json", "--out", path.join(store, "reports")]);
  return { ...r, json: r.code === 0 ? jsonOf<RunJson>(r) : undefined };
};

const entryFiles = (store: string): string[] =>
  fs.readdirSync(path.join(store, "index"), { recursive: true }).map(String).filter((f) => f.endsWith(".json")).map((f) => path.join(store, "index", f));

const entryOf = (store: string, step: string): string =>
  entryFiles(store).find((f) => fs.readFileSync(f, "utf8").includes(`"step":"${step}"`) && fs.readFileSync(f, "utf8").includes(`"total"`))!;

const damages: { readonly name: string; readonly damage: (entry: string, store: string) => void; readonly says: RegExp }[] = [
  { name: "a flipped byte that breaks the JSON", damage: (f) => fs.writeFileSync(f, fs.readFileSync(f, "utf8").replace("{", "\u0000")), says: /not valid JSON/ },
  { name: "a renamed output", damage: (f) => fs.writeFileSync(f, fs.readFileSync(f, "utf8").replace('"total"', '"tota7"')), says: /does not match its checksum|records outputs/ },
  {
    name: "an entry pointing at another node's object",
    damage: (f, store) => {
      const other = entryFiles(store).find((g) => g !== f)!;
      const theirs = /"digest":"([0-9a-f]{64})"/.exec(fs.readFileSync(other, "utf8"))![1]!;
      fs.writeFileSync(f, fs.readFileSync(f, "utf8").replace(/"digest":"[0-9a-f]{64}"/, `"digest":"${theirs}"`));
    },
    says: /does not match its checksum/,
  },
  { name: "an entry of the wrong shape", damage: (f) => fs.writeFileSync(f, '{"format":"strata-index/2","outputs":[]}'), says: /does not have the shape/ },
  { name: "an entry of an older format", damage: (f) => fs.writeFileSync(f, '{"format":"strata-index/1","key":"x","step":"y","outputs":{}}'), says: /format "strata-index\/1"/ },
];

describe("damaged cache index entries", () => {
  it.each(damages)("$name is reported, recomputed and repaired", async ({ damage, says }) => {
    const store = makeTempDir();
    const first = await run(store);
    expect(first.code).toBe(0);
    const entry = entryOf(store, "fixture.sum");
    damage(entry, store);

    const second = await run(store);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(says);
    expect(second.stderr).toContain("Recomputing node");
    const recomputed = second.json!.nodes.filter((n) => !n.cached).map((n) => n.id);
    expect(recomputed.length).toBeGreaterThanOrEqual(1);
    // Same outputs as the first run, and the entry is whole again: a third run is all cache hits, with no warning.
    expect(second.json!.nodes.map((n) => n.outputs)).toEqual(first.json!.nodes.map((n) => n.outputs));
    const third = await run(store);
    expect(third.stderr).not.toMatch(/cannot be trusted/);
    expect(third.json!.nodes.every((n) => n.cached)).toBe(true);
  });
});
