import { readFileSync } from "node:fs";
import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { logicalDigest, tableColumns } from "../../artifacts/table.js";
import { DataError, PipelineError } from "../../dsl/errors.js";
import { study } from "../../dsl/study.js";
import { csvStep, readCsv } from "../../steps/ingest/csv.js";
import { runStep } from "../support/step-harness.js";
import { HEART_COLUMNS, HEART_PATH } from "./ingest-heart-fixture.js";

const read = async (text: string, params: object): Promise<arrow.Table> =>
  (await runStep(csvStep, { file: new TextEncoder().encode(text) }, params)).table as arrow.Table;

const rows = (t: arrow.Table) => t.toArray().map((r) => ({ ...r.toJSON() }));

const failure = async (text: string, params: object): Promise<DataError> => {
  try {
    await read(text, params);
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error("expected a DataError");
};

const cols = [
  { name: "id", type: "int" },
  { name: "name", type: "string" },
  { name: "score", type: "float" },
  { name: "ok", type: "bool" },
] as const;

describe("ingest.csv", () => {
  it("reads CRLF, a header, NA tokens and RFC 4180 quoted fields", async () => {
    const text = 'id,name,score,ok\r\n1,"Smith, J",2.5,true\r\n2,"say ""hi""",NA,0\r\n3,"two\r\nlines",,FALSE\r\n4,NA,-1e2,1\r\n\r\n';
    const t = await read(text, { columns: cols, header: true });
    expect(tableColumns(t).map((c) => [c.name, c.type])).toEqual([["id", "int"], ["name", "string"], ["score", "float"], ["ok", "bool"]]);
    expect(rows(t)).toEqual([
      { id: 1, name: "Smith, J", score: 2.5, ok: true },
      { id: 2, name: 'say "hi"', score: null, ok: false },
      { id: 3, name: "two\r\nlines", score: null, ok: false },
      { id: 4, name: null, score: -100, ok: true },
    ]);
  });

  it("reads LF without a header, a custom delimiter and NA token, and no trailing newline", async () => {
    const t = await read("1;a;0.5;true\n2;?;?;false", { columns: cols, delimiter: ";", na: ["?"] });
    expect(rows(t)).toEqual([
      { id: 1, name: "a", score: 0.5, ok: true },
      { id: 2, name: null, score: null, ok: false },
    ]);
  });

  it("accepts integral ints written with a decimal point", async () => {
    const t = await read("63.0\n-2\n", { columns: [{ name: "n", type: "int" }] });
    expect(rows(t)).toEqual([{ n: 63 }, { n: -2 }]);
  });

  it("names the line of a row with the wrong field count", async () => {
    const e = await failure("1,a,1,true\n2,b,2\n", { columns: cols });
    expect(e.message).toContain("line 2: expected 4 fields, found 3");
    expect(e.field).toBe("inputs.file");
  });

  it("counts lines inside quoted fields when naming a bad line", async () => {
    const e = await failure('1,"x\ny",1,true\n2,b,oops,true\n', { columns: cols });
    expect(e.message).toContain('line 3: column "score" (field 3): expected a finite number, found "oops"');
  });

  it("rejects a non-integer in an int column and an unparsable bool", async () => {
    expect((await failure("1.5,a,1,true\n", { columns: cols })).message).toContain('line 1: column "id" (field 1): expected an integer');
    expect((await failure("1,a,1,yes\n", { columns: cols })).message).toContain('column "ok" (field 4): expected a boolean');
  });

  it("rejects stray and unterminated quotes", async () => {
    expect((await failure('1,a"b,1,true\n', { columns: cols })).message).toContain("line 1: field 2: stray double quote");
    expect((await failure('1,"ab"c,1,true\n', { columns: cols })).message).toContain("after a closing quote");
    expect((await failure('1,a,1,true\n2,"open,1,true\n', { columns: cols })).message).toContain("line 2: a quoted field opened on this line is never closed");
  });

  it("requires the header to list exactly the declared columns", async () => {
    const e = await failure("id,name,ok,score\n1,a,true,1\n", { columns: cols, header: true });
    expect(e.field).toBe("params.columns");
    expect(e.message).toContain(`the header does not match params.columns: field 3 is "ok" where "score" is declared (4 fields, 4 declared)`);
  });

  it("hints at header: true when line 1 looks like a header", async () => {
    expect((await failure("id,name,score,ok\n1,a,1,true\n", { columns: cols })).message).toContain("set header: true");
  });

  it("rejects wrongly typed params with the field path at plan time", () => {
    expect(() => study("t", (s) => readCsv(s, { path: "x.csv", columns: [{ name: "a", type: "double" as "float" }] }))).toThrow(PipelineError);
    try {
      study("t", (s) => readCsv(s, { path: "x.csv", columns: cols, header: "yes" as unknown as boolean }));
    } catch (e) {
      expect(e).toBeInstanceOf(PipelineError);
      expect((e as PipelineError).field).toBe("params.header");
      return;
    }
    throw new Error("expected a PipelineError");
  });

  it("rejects duplicate column names and a multi-character delimiter at plan time", () => {
    expect(() => study("t", (s) => readCsv(s, { path: "x.csv", columns: [{ name: "a", type: "int" }, { name: "a", type: "int" }] }))).toThrow(/params\.columns\[1\]\.name.*declared twice/);
    expect(() => study("t", (s) => readCsv(s, { path: "x.csv", columns: cols, delimiter: ";;" }))).toThrow(/params\.delimiter/);
  });

  it("gives the handle the declared columns and stores defaults in the plan", () => {
    const plan = study("t", (s) => {
      const t = readCsv(s, { path: "data/x.csv", columns: cols });
      expect(t.columns).toEqual({ id: "int", name: "string", score: "float", ok: "bool" });
    });
    expect(plan.nodes[0]!.inputs).toEqual({ file: { source: "data/x.csv" } });
    expect(plan.nodes[0]!.params).toEqual({ columns: cols, header: false, delimiter: ",", na: ["", "NA"] });
  });
});

describe("ingest.csv on the Cleveland heart data", () => {
  it("parses decimals to exactly the double Number() gives, with or without a fast path", async () => {
    // Plain decimals up to 15 digits take the fast path, longer ones and exponents the general one.
    let state = 7;
    const next = () => (state = (state * 48271) % 2147483647);
    const texts = Array.from({ length: 3000 }, (_, i) => {
      const digits = String(next()) + String(next());
      const cut = 1 + (next() % (Math.min(digits.length, 18) - 1));
      const body = `${digits.slice(0, cut)}.${digits.slice(cut, 1 + (next() % 18))}`;
      return ["", "-", "+"][i % 3] + (i % 7 === 0 ? `${body}e${(next() % 40) - 20}` : i % 11 === 0 ? `.${digits.slice(0, 5)}` : body);
    });
    const t = await read(texts.join("\n"), { columns: [{ name: "x", type: "float" }] });
    expect(Object.is(rows(t)[0]!.x, Number(texts[0]))).toBe(true);
    expect(rows(t).map((r) => r.x)).toEqual(texts.map(Number));
    expect(Object.is(rows(await read("-0.0\n", { columns: [{ name: "x", type: "float" }] }))[0]!.x, -0)).toBe(true);
  });

  it("reads a blank line inside the data as a record and drops only trailing ones", async () => {
    expect(rows(await read("1\n\n2\n\n\n", { columns: [{ name: "n", type: "int" }] }))).toEqual([{ n: 1 }, { n: null }, { n: 2 }]);
    expect((await failure("1,a\n\n2,b\n", { columns: [{ name: "n", type: "int" }, { name: "s", type: "string" }] })).problem).toBe(
      'line 2: expected 2 fields, found 1 (check the delimiter "," or quoting)',
    );
    expect((await failure("\nn\n1\n", { columns: [{ name: "n", type: "int" }], header: true })).problem).toMatch(/^line 1: the header does not match params.columns: field 1 is "" where "n" is declared/);
    expect((await failure("\n\n", { columns: [{ name: "n", type: "int" }], header: true })).problem).toBe("line 1: the file is empty; expected a header line listing n");
  });

  it("reads 303 rows, with nulls where the file has ?", async () => {
    const bytes = readFileSync(HEART_PATH);
    const t = await read(new TextDecoder().decode(bytes), { columns: HEART_COLUMNS, na: ["?"] });
    expect(t.numRows).toBe(303);
    expect(rows(t)[0]).toEqual({ age: 63, sex: 1, cp: 1, trestbps: 145, chol: 233, fbs: 1, restecg: 2, thalach: 150, exang: 0, oldpeak: 2.3, slope: 3, ca: 0, thal: 6, num: 0 });
    const nulls = tableColumns(t).map((c) => [c.name, Array.from(c.values).filter((v) => v === null).length]).filter(([, n]) => n !== 0);
    expect(nulls).toEqual([["ca", 4], ["thal", 2]]);
    const again = await read(new TextDecoder().decode(bytes), { columns: HEART_COLUMNS, na: ["?"] });
    expect(logicalDigest(again)).toBe(logicalDigest(t));
  });
});
