import { describe, expect, it } from "vitest";
import { DataError, PipelineError } from "../../dsl/errors.js";
import { study } from "../../dsl/study.js";
import { readCsv } from "../../steps/ingest/csv.js";
import { stableHoldout, stableHoldoutStep, stableRole } from "../../steps/split/stable-holdout.js";
import { logisticRegression } from "../../steps/train/logistic-regression.js";
import { runStep } from "../support/step-harness.js";
import { asTable, rows, schemaOf, splitLines, table, userError } from "./data-prep-helpers.js";

const patients = (ids: readonly number[]) => table({ patient_id: ["int", ids], x: ["float", ids.map((i) => i / 10)] });

const split = async (ids: readonly number[], params: object, seed = 11) =>
  asTable((await runStep(stableHoldoutStep, { table: patients(ids) }, params, seed)).split);

const rolesOf = async (ids: readonly number[], params: object, seed = 11) => splitLines(await split(ids, params, seed)).map((l) => l.role);

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("split.stable-holdout", () => {
  it("writes a holdout split (replicate 0, the node seed, fold 0) that the train steps read", async () => {
    const s = await split(range(0, 200), { key: ["patient_id"], testFraction: 0.2, validFraction: 0.1 });
    expect(schemaOf(s)).toEqual([["replicate=0 seed=11 fold=0", "int"]]);
    expect(new Set(splitLines(s).map((l) => `${l.replicate}/${l.seed}/${l.fold}`))).toEqual(new Set(["0/11/0"]));
    // A train step fits on the train rows and predicts exactly the test rows.
    const data = table({ x: ["float", range(0, 200).map((i) => i % 7)], y: ["int", range(0, 200).map((i) => (i % 7 > 3 ? 1 : 0))] });
    const predictions = asTable((await runStep(logisticRegression, { table: data, split: s }, { features: ["x"], target: "y" })).predictions);
    const testRows = splitLines(s).filter((l) => l.role === "test").map((l) => l.row);
    expect(testRows.length).toBeGreaterThan(0);
    expect(rows(predictions).map((l) => l.row)).toEqual(testRows);
  });

  it("gives every row the role the exported function gives its key, and fractions close to the requested ones", async () => {
    const ids = range(0, 5000);
    const roles = await rolesOf(ids, { key: ["patient_id"], testFraction: 0.2, validFraction: 0.1 });
    expect(roles).toEqual(ids.map((id) => stableRole(11, [id], { testFraction: 0.2, validFraction: 0.1 })));
    const share = (role: string) => roles.filter((r) => r === role).length / ids.length;
    // Binomial sd at n = 5000 is under 0.006; 0.03 is five of them.
    expect(Math.abs(share("test") - 0.2)).toBeLessThan(0.03);
    expect(Math.abs(share("valid") - 0.1)).toBeLessThan(0.03);
    expect(Math.abs(share("train") - 0.7)).toBeLessThan(0.03);
  });

  it("keeps every old row's role when rows are appended, and is deterministic", async () => {
    const params = { key: ["patient_id"], testFraction: 0.25 };
    const before = await rolesOf(range(0, 300), params);
    const after = await rolesOf([...range(0, 300), ...range(300, 450), 7, 7], params);
    expect(after.slice(0, 300)).toEqual(before);
    expect(await rolesOf(range(0, 300), params)).toEqual(before);
    // Duplicate keys share a role; another salt is another split.
    expect(after.slice(450)).toEqual([before[7], before[7]]);
    expect(await rolesOf(range(0, 300), params, 12)).not.toEqual(before);
  });

  it("keys on several columns, by value and type", () => {
    const fractions = { testFraction: 0.5 };
    const keys: [string, number][] = range(0, 64).map((i) => ["site-a", i]);
    const roles = keys.map((k) => stableRole(3, k, fractions));
    expect(new Set(roles)).toEqual(new Set(["test", "train"]));
    expect(keys.map(([s, i]) => stableRole(3, [s, i], fractions))).toEqual(roles);
    // The string "5" and the number 5 are different keys somewhere in 64 tries.
    expect(range(0, 64).some((i) => stableRole(3, [String(i)], fractions) !== stableRole(3, [i], fractions))).toBe(true);
  });

  it("fails on a missing key value, naming the column and row", async () => {
    const t = table({ patient_id: ["int", [1, null, 3]] });
    const e = await userError(DataError, () => runStep(stableHoldoutStep, { table: t }, { key: ["patient_id"], testFraction: 0.5 }));
    expect(e.field).toBe("params.key[0]");
    expect(e.problem).toContain('column "patient_id" has a missing or non-finite value at row 2 (1-based) of input table');
  });

  it("fails when the key column is not in the table", async () => {
    const e = await userError(DataError, () => runStep(stableHoldoutStep, { table: patients([1, 2]) }, { key: ["id"], testFraction: 0.5 }));
    expect(e.field).toBe("params.key[0]");
    expect(e.problem).toContain('unknown column "id"; the input table has patient_id, x');
    const plan = await userError(PipelineError, () =>
      study("s", (s) => {
        const t = readCsv(s, { path: "x.csv", columns: [{ name: "patient_id", type: "int" }] });
        // @ts-expect-error "id" is not a column of t
        stableHoldout(t, { key: ["id"], testFraction: 0.2 });
      }),
    );
    expect(plan.field).toBe("params.key");
  });

  it("fails when a role ends up empty, saying how many rows and what fraction", async () => {
    /** Three consecutive ids whose roles under these fractions pass `wanted`. */
    const idsWhere = (fractions: { testFraction: number; validFraction?: number }, wanted: (roles: string[]) => boolean) => {
      const from = range(0, 1000).find((o) => wanted(range(o, o + 3).map((i) => stableRole(11, [i], fractions))))!;
      return range(from, from + 3);
    };
    const noTest = idsWhere({ testFraction: 0.1 }, (roles) => !roles.includes("test"));
    const e = await userError(DataError, () => split(noTest, { key: ["patient_id"], testFraction: 0.1 }));
    expect(e.field).toBe("params.testFraction");
    expect(e.problem).toBe("no row has role test: 3 rows with 3 distinct keys, testFraction 0.1 (about 0.3 keys expected); use more data or a larger fraction");

    const fractions = { testFraction: 0.4, validFraction: 0.1 };
    const noValid = idsWhere(fractions, (roles) => roles.includes("test") && !roles.includes("valid"));
    const v = await userError(DataError, () => split(noValid, { key: ["patient_id"], ...fractions }));
    expect(v.field).toBe("params.validFraction");
    expect(v.problem).toContain("no row has role valid: 3 rows with 3 distinct keys, validFraction 0.1");

    const noTrain = idsWhere({ testFraction: 0.9 }, (roles) => roles.every((r) => r === "test"));
    const t = await userError(DataError, () => split(noTrain, { key: ["patient_id"], testFraction: 0.9 }));
    expect(t.problem).toContain("no row is left to train on: 3 rows with 3 distinct keys, testFraction 0.9, validFraction 0");
  });

  it("rejects fractions that leave nothing to train on, or an empty key, when the study loads", async () => {
    const decode = (params: object) =>
      userError(PipelineError, () =>
        study("s", (s) => {
          const t = readCsv(s, { path: "x.csv", columns: [{ name: "patient_id", type: "int" }] });
          stableHoldout(t, params as never);
        }),
      );
    expect((await decode({ key: ["patient_id"], testFraction: 0.6, validFraction: 0.4 })).message).toContain("testFraction + validFraction must be below 1");
    expect((await decode({ key: [], testFraction: 0.2 })).field).toBe("params.key");
    expect((await decode({ key: ["patient_id"], testFraction: 0 })).field).toBe("params.testFraction");
  });
});
