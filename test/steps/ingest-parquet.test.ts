import * as arrow from "apache-arrow";
import * as pq from "parquet-wasm";
import { describe, expect, it } from "vitest";
import { encodeParquet, makeTable, tableColumns } from "../../artifacts/table.js";
import { DataError } from "../../dsl/errors.js";
import { study } from "../../dsl/study.js";
import { parquetStep, readParquet } from "../../steps/ingest/parquet.js";
import { runStep } from "../support/step-harness.js";

const file = encodeParquet(
  makeTable([
    { name: "a", type: "int", values: [1, null, 3] },
    { name: "b", type: "string", values: ["x", "y", null] },
    { name: "c", type: "float", values: [0.5, 1.5, 2.5] },
  ]),
);

const read = async (columns: object) => (await runStep(parquetStep, { file }, { columns })).table as arrow.Table;

describe("ingest.parquet", () => {
  it("keeps the declared columns in declared order", async () => {
    const t = await read([{ name: "c", type: "float" }, { name: "a", type: "int" }]);
    expect(tableColumns(t)).toEqual([
      { name: "c", type: "float", values: [0.5, 1.5, 2.5] },
      { name: "a", type: "int", values: [1, null, 3] },
    ]);
  });

  it("fails on a missing column or a type mismatch", async () => {
    await expect(read([{ name: "z", type: "int" }])).rejects.toThrow(/column "z" is not in the file, which has a, b, c/);
    await expect(read([{ name: "b", type: "int" }])).rejects.toThrow(DataError);
    await expect(read([{ name: "b", type: "int" }])).rejects.toThrow(/column "b" is string in the file, declared int/);
  });

  it("reads a file's 64-bit ints as int, and refuses one that does not fit 32 bits", async () => {
    const wide = (values: (bigint | null)[]) =>
      pq.writeParquet(pq.Table.fromIPCStream(arrow.tableToIPC(new arrow.Table({ n: arrow.vectorFromArray(values, new arrow.Int64()) }), "stream")));
    const ok = (await runStep(parquetStep, { file: wide([1n, null, -(2n ** 31n) + 1n]) }, { columns: [{ name: "n", type: "int" }] })).table as arrow.Table;
    expect(tableColumns(ok)[0]!.values).toEqual([1, null, -(2 ** 31) + 1]);
    await expect(runStep(parquetStep, { file: wide([1n, 2n ** 40n]) }, { columns: [{ name: "n", type: "int" }] })).rejects.toThrow(
      /column "n", row 2 \(1-based\) of input file: 1099511627776 does not fit a 32-bit int; declare it as float/,
    );
  });

  it("fails on bytes that are not Parquet", async () => {
    await expect(runStep(parquetStep, { file: new TextEncoder().encode("a,b\n") }, { columns: [{ name: "a", type: "int" }] })).rejects.toThrow(/not a readable Parquet file/);
  });

  it("types the handle from the columns literal", () => {
    study("t", (s) => {
      const t = readParquet(s, { path: "x.parquet", columns: [{ name: "a", type: "int" }] });
      const a: "int" = t.columns.a;
      expect(a).toBe("int");
    });
  });
});
