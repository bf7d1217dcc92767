import { describe, expect, it } from "vitest";
import { columnValues, encodeParquet, makeTable } from "../../artifacts/table.js";
import { DataError } from "../../dsl/errors.js";
import { csvStep } from "../../steps/ingest/csv.js";
import { parquetStep } from "../../steps/ingest/parquet.js";
import { runStep } from "../support/step-harness.js";

const csv = "Pregnancies,Glucose,BMI,Outcome\n0,148,33.6,1\n1,0,?,0\n0,89,0,0\n";
const columns = [
  { name: "Pregnancies", type: "int" },
  { name: "Glucose", type: "float" },
  { name: "BMI", type: "float" },
  { name: "Outcome", type: "int" },
];
const bytes = new TextEncoder().encode(csv);

describe("missing values per column in ingest", () => {
  it("reads 0 as missing only in the named columns, ? everywhere, and counts each column", async () => {
    const out = await runStep(csvStep, { file: bytes }, { columns, header: true, na: ["?"], naByColumn: { Glucose: ["0"], BMI: ["0"] } });
    const table = out.table as Parameters<typeof columnValues>[0];
    expect(columnValues(table, "Pregnancies")).toEqual([0, 1, 0]);
    expect(columnValues(table, "Outcome")).toEqual([1, 0, 0]);
    expect(columnValues(table, "Glucose")).toEqual([148, null, 89]);
    expect(columnValues(table, "BMI")).toEqual([33.6, null, null]);
    expect(out.missing).toEqual({
      format: "strata-missing/1",
      rows: 3,
      columns: [
        { column: "Pregnancies", missing: 0, tokens: ["?"] },
        { column: "Glucose", missing: 1, tokens: ["0", "?"] },
        { column: "BMI", missing: 2, tokens: ["0", "?"] },
        { column: "Outcome", missing: 0, tokens: ["?"] },
      ],
    });
  });

  it("names a naByColumn key that is not a column", async () => {
    await expect(runStep(csvStep, { file: bytes }, { columns, header: true, naByColumn: { Glucos: ["0"] } })).rejects.toSatisfy(
      (e) => e instanceof DataError && e.field === "params.naByColumn" && /"Glucos" is not a declared column/.test(e.problem),
    );
  });

  it("keeps the file's 1-based line numbers in parse errors", async () => {
    const bad = new TextEncoder().encode("Pregnancies,Glucose,BMI,Outcome\n0,148,33.6,1\n1,abc,3,0\n");
    await expect(runStep(csvStep, { file: bad }, { columns, header: true })).rejects.toThrow(/line 3: column "Glucose"/);
  });
});

describe("missing values in Parquet ingest", () => {
  it("counts each declared column's nulls", async () => {
    const file = encodeParquet(makeTable([
      { name: "a", type: "float", values: [1, null, null] },
      { name: "b", type: "int", values: [1, 2, 3] },
    ]));
    const out = await runStep(parquetStep, { file }, { columns: [{ name: "a", type: "float" }, { name: "b", type: "int" }] });
    expect(out.missing).toEqual({ format: "strata-missing/1", rows: 3, columns: [{ column: "a", missing: 2, tokens: [] }, { column: "b", missing: 0, tokens: [] }] });
  });
});
