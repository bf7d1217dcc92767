import * as arrow from "apache-arrow";
import * as pq from "parquet-wasm";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../artifacts/digest.js";
import { isCurrentLogicalDigest } from "../../artifacts/logical-digest.js";
import { columnValues, decodeParquet, denseColumn, encodeParquet, logicalDigest, makeTable, tableColumns } from "../../artifacts/table.js";
import { runDuckDbQuery } from "../../steps/preprocess/duckdb-query.js";

const mixed = () =>
  makeTable([
    { name: "f", type: "float", values: [1.5, null, -0, Number.NaN, 1e300] },
    { name: "i", type: "int", values: [1, 2, null, -4, 2 ** 31 - 1] },
    { name: "s", type: "string", values: ["a", null, "", "ü€", "a"] },
    { name: "b", type: "bool", values: [true, false, null, true, false] },
  ]);

/** The same table as many small Arrow batches, the way a Parquet reader with a small batch size returns it. */
const rechunked = (t: arrow.Table, rows: number): arrow.Table => {
  const batches: arrow.RecordBatch[] = [];
  for (let from = 0; from < t.numRows; from += rows) batches.push(...t.slice(from, from + rows).batches);
  return new arrow.Table(batches);
};

describe("tables as column buffers", () => {
  it("reads every type, nulls included, the same from one batch and from many", () => {
    const t = mixed();
    const expected = [
      [1.5, null, -0, Number.NaN, 1e300],
      [1, 2, null, -4, 2 ** 31 - 1],
      ["a", null, "", "ü€", "a"],
      [true, false, null, true, false],
    ];
    expect(tableColumns(t).map((c) => c.values)).toEqual(expected);
    const pieces = rechunked(t, 2);
    expect(pieces.batches.length).toBe(3);
    expect(tableColumns(pieces).map((c) => c.values)).toEqual(expected);
    expect(Object.is(columnValues(pieces, "f")[2], -0)).toBe(true);
  });

  it("gives equal tables equal Parquet bytes and logical digests however they are chunked or built", () => {
    const t = mixed();
    const bytes = encodeParquet(t);
    expect(sha256Hex(encodeParquet(rechunked(t, 2)))).toBe(sha256Hex(bytes));
    expect(sha256Hex(encodeParquet(decodeParquet(bytes)))).toBe(sha256Hex(bytes));
    expect(logicalDigest(rechunked(t, 1))).toBe(logicalDigest(t));
    expect(logicalDigest(decodeParquet(bytes))).toBe(logicalDigest(t));
    // Typed arrays are taken as they are: the same values as plain arrays give the same bytes.
    const typed = makeTable([{ name: "x", type: "float", values: Float64Array.of(1, 2, 3) }, { name: "n", type: "int", values: Int32Array.of(4, 5, 6) }]);
    const plain = makeTable([{ name: "x", type: "float", values: [1, 2, 3] }, { name: "n", type: "int", values: [4, 5, 6] }]);
    expect(sha256Hex(encodeParquet(typed))).toBe(sha256Hex(encodeParquet(plain)));
  });

  it("reads columns of other Arrow widths as Strata types", () => {
    const t = new arrow.Table({
      wide: arrow.vectorFromArray([1n, null, 3n], new arrow.Int64()),
      small: arrow.vectorFromArray([1.25, 2.5], new arrow.Float32()).concat(arrow.vectorFromArray([null], new arrow.Float32())),
      large: arrow.vectorFromArray(["x", null, "yz"], new arrow.LargeUtf8()),
    });
    expect(tableColumns(t).map((c) => [c.type, c.values])).toEqual([
      ["int", [1, null, 3]],
      ["float", [1.25, 2.5, null]],
      ["string", ["x", null, "yz"]],
    ]);
    expect(denseColumn(t, "wide")!.values).toBeInstanceOf(Int32Array);
  });

  it("tells values apart in the logical digest: null from 0, -0 from 0, NaN payloads, column names and order", () => {
    const one = (values: (number | null)[], name = "x") => logicalDigest(makeTable([{ name, type: "float", values }]));
    const digests = [one([0]), one([null]), one([-0]), one([Number.NaN]), one([0], "y"), one([0, 1]), one([1, 0])];
    expect(new Set(digests).size).toBe(digests.length);
    const nanBits = new Float64Array(new BigUint64Array([0x7ff8000000000001n]).buffer);
    expect(logicalDigest(makeTable([{ name: "x", type: "float", values: nanBits }]))).not.toBe(one([Number.NaN]));
    expect(isCurrentLogicalDigest(digests[0]!)).toBe(true);
    expect(isCurrentLogicalDigest("0".repeat(64))).toBe(false);
  });

  it("turns dictionary encoding off only for columns whose distinct values overflow the dictionary page", async () => {
    const n = 200_000;
    const t = makeTable([
      { name: "distinct", type: "float", values: Float64Array.from({ length: n }, (_, i) => i + 0.5) },
      { name: "few", type: "float", values: Float64Array.from({ length: n }, (_, i) => i % 3) },
    ]);
    const file = await pq.ParquetFile.fromFile(new Blob([encodeParquet(t)]));
    const group = file.metadata().rowGroup(0);
    const dictionary = [0, 1].map((c) => group.column(c).encodings().includes(pq.Encoding.RLE_DICTIONARY));
    expect(dictionary).toEqual([false, true]);
  });

  it("compresses a column past the dictionary page with LZ4_RAW and the rest with zstd, readable by parquet-wasm and DuckDB", async () => {
    const n = 200_000;
    const t = makeTable([
      { name: "spread", type: "float", values: Float64Array.from({ length: n }, (_, i) => i + 0.5) },
      { name: "few", type: "float", values: Float64Array.from({ length: n }, (_, i) => i % 3) },
    ]);
    const bytes = encodeParquet(t);
    const group = (await pq.ParquetFile.fromFile(new Blob([bytes]))).metadata().rowGroup(0);
    expect([0, 1].map((c) => group.column(c).compression())).toEqual([pq.Compression.LZ4_RAW, pq.Compression.ZSTD]);
    expect(logicalDigest(decodeParquet(bytes))).toBe(logicalDigest(t));
    const fail = (_: string, problem: string): never => {
      throw new Error(problem);
    };
    const sums = await runDuckDbQuery([{ name: "t", parquet: bytes }], "SELECT sum(spread) AS d, sum(few) AS f FROM t ORDER BY d", [{ name: "d", type: "float" }, { name: "f", type: "float" }], fail);
    expect(tableColumns(sums).map((c) => c.values)).toEqual([[(n * n) / 2], [199_999]]);
  });
});
