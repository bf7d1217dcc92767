// ingest.csv reads the file's bytes, never a string per cell: these cases pin that every value and every message
// is what reading the text as characters gives (numbers exactly as Number() parses them).
import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { tableColumns } from "../../artifacts/table.js";
import { DataError } from "../../dsl/errors.js";
import { csvStep } from "../../steps/ingest/csv.js";
import { runStep } from "../support/step-harness.js";

const read = async (bytes: string | Uint8Array, params: object): Promise<{ table: arrow.Table; missing: unknown }> => {
  const out = await runStep(csvStep, { file: typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes }, params);
  return { table: out.table as arrow.Table, missing: out.missing };
};
const cells = async (text: string | Uint8Array, params: object) => tableColumns((await read(text, params)).table).map((c) => Array.from(c.values));
const problem = async (text: string | Uint8Array, params: object): Promise<string> => {
  try {
    await read(text, params);
  } catch (e) {
    if (e instanceof DataError) return e.problem;
    throw e;
  }
  throw new Error("expected a DataError");
};

const float = [{ name: "x", type: "float" }];
const int = [{ name: "x", type: "int" }];

const DECIMALS = [
  "0", "-0", "+0", "-0.0", "0.", ".5", "+.5", "-.5", "1e5", "1E+5", "-2.5e-3", "1e-400", "123456789012345", "1234567890123456",
  "12345678901234567890", "0.1234567890123456789", "9007199254740993", "1.7976931348623157e308", "4.9e-324",
  "2.2250738585072014e-308", "00012.50", "63.0",
];

describe("ingest.csv numbers from bytes", () => {
  it("gives exactly Number()'s double for every decimal, unquoted or quoted, with LF or CRLF", async () => {
    for (const [wrap, end] of [["", "\n"], ['"', "\r\n"]] as const) {
      const [xs] = await cells(DECIMALS.map((t) => `${wrap}${t}${wrap}`).join(end) + end, { columns: float });
      expect(xs!.length).toBe(DECIMALS.length);
      DECIMALS.forEach((t, i) => expect(Object.is(xs![i], Number(t)), `${wrap}${t}${wrap}`).toBe(true));
    }
  });

  it("rejects what is not a finite decimal, naming the field's text", async () => {
    for (const text of [" 1", "1 ", "1e400", ".", "+", "1e", "e5", "1..2", "0x10", "Infinity", "NaN", "1_0", "١", "--1"]) {
      expect(await problem(`${text}\n`, { columns: float })).toBe(`line 1: column "x" (field 1): expected a finite number, found ${JSON.stringify(text)} (if line 1 is a header, set header: true)`);
    }
  });

  it("keeps ints to integral values within 32 bits", async () => {
    expect(await cells("63.0\n-2147483648\n2147483647\n-0\n", { columns: int })).toEqual([[63, -(2 ** 31), 2 ** 31 - 1, 0]]);
    expect(await problem("2147483648\n", { columns: int })).toContain("expected an integer within the 32-bit range");
    expect(await problem("1\n1.5\n", { columns: int })).toContain('line 2: column "x" (field 1): expected an integer (declare the column as float if fractional values are valid), found "1.5"');
  });

  it("reads missing tokens, quoted or not, and counts them per column", async () => {
    const columns = [...float, { name: "s", type: "string" }];
    const { table, missing } = await read('?,a\n"?",?\n1,"NA"\n"",x\n', { columns, na: ["?", "NA", ""], naByColumn: { s: ["x"] } });
    expect(tableColumns(table).map((c) => Array.from(c.values))).toEqual([[null, null, 1, null], ["a", null, null, null]]);
    expect((missing as { columns: unknown }).columns).toEqual([
      { column: "x", missing: 3, tokens: ["", "?", "NA"] },
      { column: "s", missing: 3, tokens: ["", "?", "NA", "x"] },
    ]);
  });
});

describe("ingest.csv text from bytes", () => {
  const columns = [{ name: "s", type: "string" }, { name: "b", type: "bool" }];

  it("keeps non-ASCII strings and quoted escapes as written, and drops a byte order mark", async () => {
    expect(await cells('\uFEFFÄö 😀 日本,true\n"a ""q"" é",False\n"",1\n', { columns, na: [] })).toEqual([["Äö 😀 日本", 'a "q" é', ""], [true, false, true]]);
  });

  it("splits on a delimiter of several UTF-8 bytes", async () => {
    expect(await cells('a§true\n"x§y"§0\n', { columns, delimiter: "§" })).toEqual([["a", "x§y"], [true, false]]);
  });

  it("names the character after a closing quote and the bad value as text", async () => {
    expect(await problem('"ab"é,true\n', { columns })).toBe('line 1: field 1: unexpected "é" after a closing quote; a quoted field must end at the delimiter (double any quote inside it)');
    expect(await problem("a,yes\n", { columns })).toBe('line 1: column "b" (field 2): expected a boolean (true/false, TRUE/FALSE, True/False or 1/0), found "yes" (if line 1 is a header, set header: true)');
  });

  it("reads only the listed spellings as booleans, not names an object has", async () => {
    for (const text of ["constructor", "toString", "__proto__"]) expect(await problem(`a,${text}\n`, { columns })).toContain("expected a boolean");
  });

  it("rejects a file that is not UTF-8", async () => {
    expect(await problem(new Uint8Array([0x61, 0x2c, 0xed, 0xa0, 0x80, 0x0a]), { columns })).toBe("the file is not valid UTF-8; re-save it as UTF-8");
  });
});
