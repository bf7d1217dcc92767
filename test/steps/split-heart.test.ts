import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { logicalDigest } from "../../artifacts/table.js";
import { PipelineError } from "../../dsl/errors.js";
import { study } from "../../dsl/study.js";
import { csvStep, readCsv } from "../../steps/ingest/csv.js";
import { binaryTarget, binaryTargetStep } from "../../steps/preprocess/binary-target.js";
import { dropMissing, dropMissingStep } from "../../steps/preprocess/drop-missing.js";
import { standardize } from "../../steps/preprocess/standardize.js";
import { holdoutStep, stratifiedHoldout } from "../../steps/split/holdout.js";
import { kfold, kfoldStep } from "../../steps/split/kfold.js";
import { defineSubgroups, defineSubgroupsStep } from "../../steps/subgroups/define.js";
import { runStep } from "../support/step-harness.js";
import { asTable, splitLines } from "./data-prep-helpers.js";
import { HEART_COLUMNS, HEART_PATH } from "./ingest-heart-fixture.js";

describe("the Cleveland heart data through ingest, preprocess, subgroups and split", () => {
  it("builds a typed plan", () => {
    const plan = study("heart", (s) => {
      const raw = readCsv(s, { path: "data/heart/processed.cleveland.data", columns: HEART_COLUMNS, na: ["?"] });
      const labelled = binaryTarget(dropMissing(raw), { column: "num", op: ">", value: 0 });
      const { table: grouped } = defineSubgroups(labelled, {
        rules: [{ column: "age", cuts: [60], labels: ["young", "old"] }, { column: "sex", levels: { "0": "female", "1": "male" } }],
        target: "target",
      });
      const holdout = stratifiedHoldout(grouped, { testFraction: 0.2, stratify: ["subgroup", "target"] });
      kfold(grouped, holdout, { k: 5, seeds: [1, 2, 3], stratify: ["subgroup", "target"], subgroup: "subgroup", target: "target" });
      standardize(grouped, holdout, { columns: ["age", "chol"] });
    });
    expect(plan.nodes.map((n) => n.step)).toEqual([
      "ingest.csv", "preprocess.drop-missing", "preprocess.binary-target", "subgroups.define", "split.holdout", "split.kfold", "preprocess.standardize",
    ]);
    study("heart", (s) => {
      const labelled = binaryTarget(readCsv(s, { path: "h", columns: HEART_COLUMNS }), { column: "num", op: ">", value: 0 });
      // @ts-expect-error num was replaced by the target
      expect(() => dropMissing(labelled, { columns: ["num"] })).toThrow(PipelineError);
    });
  });

  it("runs: 297 complete rows, four non-empty subgroups, 15 replicates, deterministically", async () => {
    const run = async () => {
      const raw = await runStep(csvStep, { file: new Uint8Array(readFileSync(HEART_PATH)) }, { columns: HEART_COLUMNS, na: ["?"] });
      const complete = await runStep(dropMissingStep, { table: asTable(raw.table) }, {});
      const labelled = await runStep(binaryTargetStep, { table: asTable(complete.table) }, { column: "num", op: ">", value: 0 });
      const grouped = await runStep(defineSubgroupsStep, { table: asTable(labelled.table) }, {
        rules: [{ column: "age", cuts: [60], labels: ["young", "old"] }, { column: "sex", levels: { "0": "female", "1": "male" } }],
        target: "target",
      });
      const g = asTable(grouped.table);
      const holdout = asTable((await runStep(holdoutStep, { table: g }, { testFraction: 0.2, stratify: ["subgroup", "target"] }, 42)).split);
      const folds = asTable((await runStep(kfoldStep, { table: g, holdout }, { k: 5, seeds: [1, 2, 3], stratify: ["subgroup", "target"], subgroup: "subgroup", target: "target" }, 42)).split);
      return { g, counts: grouped.counts, holdout, folds };
    };
    const a = await run();
    expect(a.g.numRows).toBe(297);
    const groups = (a.counts as { groups: { name: string; n: number }[] }).groups;
    expect(groups.map((x) => x.name)).toEqual(["old_female", "old_male", "young_female", "young_male"]);
    expect(groups.reduce((s, x) => s + x.n, 0)).toBe(297);
    expect(splitLines(a.holdout).filter((l) => l.role === "test").length).toBeGreaterThanOrEqual(57);
    expect([a.folds.numRows, a.folds.numCols]).toEqual([297, 15]);
    const b = await run();
    expect(logicalDigest(b.folds)).toBe(logicalDigest(a.folds));
    expect(logicalDigest(b.holdout)).toBe(logicalDigest(a.holdout));
  });
});
