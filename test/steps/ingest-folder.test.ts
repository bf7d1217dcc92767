import { describe, expect, it } from "vitest";
import { encodeParquet, logicalDigest, makeTable } from "../../artifacts/table.js";
import { DataError } from "../../dsl/errors.js";
import { csvStep } from "../../steps/ingest/csv.js";
import { parquetStep } from "../../steps/ingest/parquet.js";
import { HarnessFolder, runStep } from "../support/step-harness.js";
import { asTable, rows, userError } from "./data-prep-helpers.js";

const cols = [
  { name: "id", type: "int" },
  { name: "score", type: "float" },
] as const;

const readCsvFolder = async (files: Record<string, string>, params: object = { columns: cols, header: true }) =>
  asTable((await runStep(csvStep, { file: new HarnessFolder(files) }, params)).table);

const parquet = (ids: number[], extra: Record<string, string> = {}) =>
  encodeParquet(
    makeTable([
      { name: "id", type: "int", values: ids },
      { name: "score", type: "float", values: ids.map((i) => i / 2) },
      ...Object.entries(extra).map(([name, v]) => ({ name, type: "string" as const, values: ids.map(() => v) })),
    ]),
  );

describe("ingest.csv on a folder", () => {
  it("concatenates every file in name order, each with its own header", async () => {
    // Given out of order: the engine (and the harness) order files by name.
    const t = await readCsvFolder({ "b.csv": "id,score\n3,1.5\n", "a.csv": "id,score\n1,0.5\n2,1\n", "c.CSV": "id,score\n" });
    expect(rows(t)).toEqual([
      { id: 1, score: 0.5 },
      { id: 2, score: 1 },
      { id: 3, score: 1.5 },
    ]);
  });

  it("gives the same table for the same files and another one when rows are appended", async () => {
    const files = { "a.csv": "id,score\n1,0.5\n", "b.csv": "id,score\n2,1\n" };
    const once = logicalDigest(await readCsvFolder(files));
    expect(logicalDigest(await readCsvFolder({ ...files }))).toBe(once);
    expect(logicalDigest(await readCsvFolder({ ...files, "b.csv": "id,score\n2,1\n3,4\n" }))).not.toBe(once);
  });

  it("names the file and line of a row with other columns", async () => {
    const e = await userError(DataError, () => readCsvFolder({ "a.csv": "id,score\n1,0.5\n", "b.csv": "id,score\n2,1\n3,1,extra\n" }));
    expect(e.file).toBe("b.csv");
    expect(e.field).toBe("inputs.file");
    expect(e.problem).toBe('line 3: expected 2 fields, found 3 (check the delimiter "," or quoting)');
  });

  it("names the file whose header differs from the declared columns", async () => {
    const e = await userError(DataError, () => readCsvFolder({ "a.csv": "id,score\n1,0.5\n", "b.csv": "id,age\n2,40\n" }));
    expect(e.file).toBe("b.csv");
    expect(e.field).toBe("params.columns");
    expect(e.problem).toContain(`line 1: the header does not match params.columns: field 2 is "age" where "score" is declared`);
  });

  it("rejects a folder holding files that are not .csv, naming them", async () => {
    const e = await userError(DataError, () => readCsvFolder({ "a.csv": "id,score\n1,0.5\n", "notes.txt": "hi", "b.json": "{}" }));
    expect(e.field).toBe("inputs.file");
    expect(e.file).toBeUndefined(); // the engine names the folder
    expect(e.problem).toContain('the folder holds "b.json", "notes.txt"; ingest.csv reads every file in the folder and each must be a .csv file');
  });
});

describe("ingest.parquet on a folder", () => {
  it("concatenates the declared columns of every file in name order, whatever else each file holds", async () => {
    const folder = new HarnessFolder({ "2.parquet": parquet([3]), "1.parquet": parquet([1, 2], { note: "x" }) });
    const t = asTable((await runStep(parquetStep, { file: folder }, { columns: cols })).table);
    expect(rows(t)).toEqual([
      { id: 1, score: 0.5 },
      { id: 2, score: 1 },
      { id: 3, score: 1.5 },
    ]);
  });

  it("names the file that lacks a declared column", async () => {
    const lacking = encodeParquet(makeTable([{ name: "id", type: "int", values: [9] }]));
    const folder = new HarnessFolder({ "1.parquet": parquet([1]), "2.parquet": lacking });
    const e = await userError(DataError, () => runStep(parquetStep, { file: folder }, { columns: cols }));
    expect(e.file).toBe("2.parquet");
    expect(e.problem).toBe('column "score" is not in the file, which has id');
  });

  it("names the file that is not Parquet and rejects other extensions", async () => {
    const broken = new HarnessFolder({ "1.parquet": parquet([1]), "2.parquet": "id,score\n" });
    const e = await userError(DataError, () => runStep(parquetStep, { file: broken }, { columns: cols }));
    expect(e.file).toBe("2.parquet");
    expect(e.problem).toMatch(/^not a readable Parquet file/);
    const mixed = new HarnessFolder({ "1.parquet": parquet([1]), "1.csv": "id,score\n" });
    await expect(runStep(parquetStep, { file: mixed }, { columns: cols })).rejects.toThrow('the folder holds "1.csv"; ingest.parquet reads every file');
  });
});
