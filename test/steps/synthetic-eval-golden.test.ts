/**
 * evaluate.synthetic against SDMetrics 0.32 on the committed tables of test/fixtures/synthetic/ (written, with
 * golden.json, by test/fixtures/synthetic/sdmetrics_golden.py; rerun it with the command at its top): column
 * shapes, column-pair trends overall and per subgroup level, the DCR values, DCROverfittingProtection and the
 * membership-inference AUC (scikit-learn's roc_auc_score on SDMetrics' distances).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { makeTable } from "../../artifacts/table.js";
import { decodeSyntheticEvaluation, type SyntheticEvaluation } from "../../steps/evaluate/synthetic/document.js";
import { encodeTables } from "../../steps/evaluate/synthetic/encoded-tables.js";
import { nearestDistances } from "../../steps/evaluate/synthetic/privacy-distances.js";
import { syntheticEvaluation } from "../../steps/evaluate/synthetic/step.js";
import { repoRoot } from "../support/cli.js";
import { runStep } from "../support/step-harness.js";

const FIXTURES = path.join(repoRoot, "test/fixtures/synthetic");
const NUMERIC = new Set(["age", "chol", "bp"]);
const COLUMNS = ["age", "chol", "bp", "sex", "cp", "group"];
const TOLERANCE = 1e-9;

interface Golden {
  readonly columns: Record<string, number>;
  readonly pairs: Record<string, number>;
  readonly bySubgroup: Record<string, { columns: Record<string, number>; pairs: Record<string, number> }>;
  readonly dcr: { syntheticToTrain: number[]; medianSyntheticToTrain: number; medianHoldoutToTrain: number; medianSyntheticToHoldout: number };
  readonly overfittingProtection: { score: number; closerToTraining: number };
  readonly membershipInferenceAuc: number;
}
const golden = JSON.parse(fs.readFileSync(path.join(FIXTURES, "golden.json"), "utf8")) as Golden;

/** The fixture CSVs hold no quotes or commas inside cells; an empty cell is missing. */
const readFixture = (name: string): arrow.Table => {
  const [header, ...lines] = fs.readFileSync(path.join(FIXTURES, `${name}.csv`), "utf8").trim().split("\n");
  const names = header!.split(",");
  const rows = lines.map((l) => l.split(","));
  return makeTable(
    names.map((n, c) => ({
      name: n,
      type: NUMERIC.has(n) ? ("float" as const) : ("string" as const),
      values: rows.map((r) => (r[c] === "" ? null : NUMERIC.has(n) ? Number(r[c]) : r[c]!)),
    })),
  );
};
const tables = { real: readFixture("real"), synthetic: readFixture("synthetic"), holdout: readFixture("holdout") };

const evaluate = async (): Promise<SyntheticEvaluation> => {
  const out = await runStep(syntheticEvaluation, tables, { columns: COLUMNS, subgroup: "group", minCell: 40 });
  return decodeSyntheticEvaluation(out.evaluation);
};

describe("evaluate.synthetic against SDMetrics 0.32 (golden values)", () => {
  it("column shapes and column-pair trends match overall and per subgroup level", async () => {
    const doc = await evaluate();
    for (const c of doc.columns) expect(Math.abs(c.score! - golden.columns[c.column]!), c.column).toBeLessThan(TOLERANCE);
    expect(doc.pairs).toHaveLength(Object.keys(golden.pairs).length);
    for (const p of doc.pairs) expect(Math.abs(p.score! - golden.pairs[p.columns.join("|")]!), p.columns.join("|")).toBeLessThan(TOLERANCE);
    let compared = 0;
    for (const [level, expected] of Object.entries(golden.bySubgroup)) {
      for (const c of doc.columns.filter((c) => c.column !== "group")) {
        const got = c.bySubgroup.find((b) => b.level === level)!;
        expect(Math.abs(got.score! - expected.columns[c.column]!), `${c.column} in ${level}`).toBeLessThan(TOLERANCE);
        compared++;
      }
      for (const p of doc.pairs.filter((p) => !p.columns.includes("group"))) {
        const got = p.bySubgroup.find((b) => b.level === level)!;
        expect(Math.abs(got.score! - expected.pairs[p.columns.join("|")]!), `${p.columns.join("|")} in ${level}`).toBeLessThan(TOLERANCE);
        compared++;
      }
    }
    expect(compared).toBe(2 * (5 + 10));
    // Level C has fewer than minCell = 40 synthetic rows: suppressed, unscored.
    const c = doc.summary.bySubgroup.find((b) => b.level === "C")!;
    expect(c.syntheticN).toBeLessThan(40);
    expect(c).toMatchObject({ suppressed: true, columnShapes: null, columnPairTrends: null });
    expect(doc.columns[0]!.bySubgroup.find((b) => b.level === "C")).toEqual({ level: "C", score: null, suppressed: true });
    // The categorical pairs that involve a numeric column are binned, SDMetrics' continuous_column_names way.
    expect(doc.pairs.find((p) => p.columns.join("|") === "age|sex")!.binned).toEqual(["age"]);
  });

  it("DCR values, DCROverfittingProtection and the membership-inference AUC match", async () => {
    const encoded = encodeTables(tables, COLUMNS, new Set(), { fail: (f: string, p: string) => { throw new Error(`${f}: ${p}`); } } as never);
    const dcr = nearestDistances(encoded.specs, encoded.synthetic, encoded.real).first;
    expect(dcr).toHaveLength(golden.dcr.syntheticToTrain.length);
    golden.dcr.syntheticToTrain.forEach((d, i) => expect(Math.abs(dcr[i]! - d), `row ${i}`).toBeLessThan(TOLERANCE));
    const { privacy } = await evaluate();
    expect(privacy.sampled).toBe(false);
    expect(Math.abs(privacy.dcr.medianSyntheticToTrain! - golden.dcr.medianSyntheticToTrain)).toBeLessThan(TOLERANCE);
    expect(Math.abs(privacy.dcr.medianHoldoutToTrain! - golden.dcr.medianHoldoutToTrain)).toBeLessThan(TOLERANCE);
    expect(Math.abs(privacy.dcr.medianSyntheticToHoldout! - golden.dcr.medianSyntheticToHoldout)).toBeLessThan(TOLERANCE);
    expect(Math.abs(privacy.overfittingProtection.score! - golden.overfittingProtection.score)).toBeLessThan(TOLERANCE);
    expect(Math.abs(privacy.overfittingProtection.closerToTraining! - golden.overfittingProtection.closerToTraining)).toBeLessThan(TOLERANCE);
    expect(Math.abs(privacy.membershipInferenceAuc! - golden.membershipInferenceAuc)).toBeLessThan(TOLERANCE);
  });
});
