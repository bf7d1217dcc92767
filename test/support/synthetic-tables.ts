/** What the synthetic-data CLI tests share: two cold runs of a generator pipeline, and numeric columns of a table. */
import * as path from "node:path";
import { expect } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import { decodeParquet, denseColumns } from "../../artifacts/table.js";
import { jsonOf, strata } from "./cli.js";
import { makeTempDir } from "./temp-project.js";

interface RunJson {
  nodes: { id: string; outputs: Record<string, string> }[];
}

/** A stored table's numeric columns as float arrays (no missing cells). */
export const numericColumns = (bytes: Uint8Array): Map<string, Float64Array> =>
  new Map(denseColumns(decodeParquet(bytes)).filter((c) => c.type === "float" || c.type === "int").map((c) => [c.name, Float64Array.from(c.values as Float64Array | Int32Array)]));

/**
 * Runs `pipeline` cold in two fresh stores at once and checks that the `generatorNodes` give the same outputs in
 * both, and that its "synthetic" table has `rows` rows and the columns and types of the real "subgroups" table.
 * Returns a reader of the first run's outputs; the store folders are pushed to `stores` for cleanup.
 */
export const runGeneratorTwiceCold = async (pipeline: string, generatorNodes: readonly string[], rows: number, stores: string[]) => {
  const [a, b] = [makeTempDir("strata-synth-a-"), makeTempDir("strata-synth-b-")];
  stores.push(a, b);
  const run = async (store: string) => jsonOf<RunJson>(await strata(["run", pipeline, "--store", store, "--out", path.join(store, "out"), "--no-lock", "--json"]));
  const [first, second] = await Promise.all([run(a), run(b)]);
  const outputs = (r: RunJson) => Object.fromEntries(r.nodes.filter((n) => generatorNodes.includes(n.id)).map((n) => [n.id, n.outputs]));
  expect(Object.keys(outputs(first)).sort()).toEqual([...generatorNodes].sort());
  expect(outputs(first)).toEqual(outputs(second));

  const store = new ContentStore(a);
  const output = (node: string, name: string) => store.get(first.nodes.find((n) => n.id === node)!.outputs[name]!);
  const realTable = decodeParquet(output("subgroups", "table"));
  const synthTable = decodeParquet(output("synthetic", "table"));
  expect(synthTable.numRows).toBe(rows);
  const schema = (t: typeof realTable) => denseColumns(t).map((c) => `${c.name}:${c.type}`);
  expect(schema(synthTable)).toEqual(schema(realTable));
  return output;
};
