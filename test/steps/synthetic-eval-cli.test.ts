/**
 * evaluate.synthetic through the real CLI and store: the golden tables ingested from CSV give SDMetrics' scores,
 * and two processes with separate stores write the same evaluation bytes.
 */
import * as fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import { decodeSyntheticEvaluation } from "../../steps/evaluate/synthetic/document.js";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";
import golden from "../fixtures/synthetic/golden.json" with { type: "json" };

interface RunJson {
  readonly status: string;
  readonly nodes: readonly { readonly id: string; readonly outputs: Record<string, string> }[];
}

const run = async (store: string) => {
  const r = await strata(["run", "test/fixtures/synthetic/evaluate.pipeline.ts", "--store", store, "--no-lock", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return jsonOf<RunJson>(r);
};

describe("evaluate.synthetic in a study", () => {
  const stores = [makeTempDir("strata-synth-eval-a-"), makeTempDir("strata-synth-eval-b-")];
  afterAll(() => {
    for (const store of stores) fs.rmSync(store, { recursive: true, force: true });
  });
  it("scores the ingested tables as SDMetrics does, with the same digest in two processes", async () => {
    const [a, b] = await Promise.all(stores.map(run));
    const digestOf = (r: RunJson) => r.nodes.find((n) => n.id === "evaluate-synthetic")!.outputs.evaluation!;
    expect(digestOf(a!)).toBe(digestOf(b!));
    const bytes = new ContentStore(stores[0]!).get(digestOf(a!) as never);
    const doc = decodeSyntheticEvaluation(JSON.parse(new TextDecoder().decode(bytes)));
    expect(doc.rows).toEqual({ real: 300, synthetic: 240, holdout: 200 });
    for (const c of doc.columns) expect(Math.abs(c.score! - (golden.columns as Record<string, number>)[c.column]!)).toBeLessThan(1e-9);
    expect(Math.abs(doc.privacy.overfittingProtection.score! - golden.overfittingProtection.score)).toBeLessThan(1e-9);
    expect(doc.privacy.rareCombinations.rare).toBeGreaterThan(0);
  });

  it("ends a run whose synthetic table changed a column's type with exit 1 and one message naming the node and param", async () => {
    const r = await strata(["run", "test/fixtures/synthetic/type-mismatch.pipeline.ts", "--store", stores[0]!, "--no-lock"]);
    expect(r.code, r.stderr).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("strata: error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('node "evaluate-synthetic"');
    expect(errors[0]).toContain('column "bp" is float in real, string in synthetic, float in holdout');
  });
});
