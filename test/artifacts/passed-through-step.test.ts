import { describe, expect, it } from "vitest";
import { denseFromValues } from "../../artifacts/dense-column.js";
import { sha256Hex } from "../../artifacts/digest.js";
import { ContentStore } from "../../artifacts/store.js";
import { decodeParquet, denseColumns, encodeDenseParquet } from "../../artifacts/table.js";
import { executeStep } from "../../engine/step-host.js";
import { makeTempDir } from "../support/temp-project.js";

const rows = 20_000;
const cohort = () => [
  denseFromValues("age", "float", Array.from({ length: rows }, (_, i) => (i % 17 === 0 ? null : 30 + (i % 50) + i / rows))),
  denseFromValues("sex", "string", Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? "female" : "male"))),
  denseFromValues("num", "int", Int32Array.from({ length: rows }, (_, i) => i % 4)),
  denseFromValues("smoker", "bool", Array.from({ length: rows }, (_, i) => (i % 23 === 0 ? null : i % 2 === 0))),
];

describe("a step passing columns through", () => {
  it("stores the output the whole-file writer writes, with its digest", async () => {
    const store = new ContentStore(makeTempDir());
    const input = store.put(encodeDenseParquet(cohort()));
    const result = await executeStep(
      {
        root: process.cwd(),
        storeRoot: store.root,
        module: "steps/preprocess/binary-target.ts",
        nodeId: "target",
        step: "preprocess.binary-target",
        params: { column: "num", op: ">", value: 0 },
        seed: 0,
        inputs: { table: { digest: input } },
        sourcePaths: {},
        nodeKey: "target",
        phase: { kind: "whole" },
      },
      { log: () => {}, progress: () => {} },
    );
    if (result.kind !== "outputs") throw new Error(`expected outputs, got ${result.kind}`);
    const output = store.get(result.outputs["table"]!.digest);
    const columns = denseColumns(decodeParquet(output));
    expect(columns.map((c) => c.name)).toEqual(["age", "sex", "smoker", "target"]);
    expect(result.outputs["table"]!.digest).toBe(sha256Hex(encodeDenseParquet(columns)));
  });
});
