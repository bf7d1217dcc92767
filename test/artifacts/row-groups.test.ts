import { execFile } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../artifacts/digest.js";
import { logicalDigestOfColumns } from "../../artifacts/logical-digest.js";
import { ROW_GROUP_ROWS, decodeParquet, denseColumns, encodeDenseParquet, makeTable } from "../../artifacts/table.js";
import { MULTI_ROW_GROUP_ROWS, multiRowGroupColumns, streamedParquet } from "../support/row-group-table.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);

describe("Parquet written row group by row group", () => {
  it("gives a table of one row group the whole-file writer's bytes, in one chunk, empty tables included", async () => {
    const small = denseColumns(makeTable([{ name: "x", type: "float", values: [1, null, 2.5] }, { name: "s", type: "string", values: ["a", null, "b"] }]));
    const empty = denseColumns(makeTable([{ name: "x", type: "float", values: [] }]));
    for (const columns of [small, empty, []]) expect(sha256Hex(await streamedParquet(columns))).toBe(sha256Hex(encodeDenseParquet(columns)));
  });

  it("writes a multi-row-group table as the whole-file writer does, the same in another process, and reads it back equal", async () => {
    const columns = multiRowGroupColumns();
    const streamed = await streamedParquet(columns);
    const other = run(process.execPath, ["bin/run-ts.mjs", "test/artifacts/row-groups.script.ts"], { cwd: root });
    expect(sha256Hex(streamed)).toBe(sha256Hex(encodeDenseParquet(columns)));
    const back = decodeParquet(streamed);
    expect(back.numRows).toBe(MULTI_ROW_GROUP_ROWS);
    expect(back.batches.map((b) => b.numRows)).toEqual([ROW_GROUP_ROWS, ROW_GROUP_ROWS, 5]);
    expect(logicalDigestOfColumns(back.numRows, denseColumns(back))).toBe(logicalDigestOfColumns(MULTI_ROW_GROUP_ROWS, columns));
    expect((await other).stdout.trim()).toBe(sha256Hex(streamed));
  }, 60_000);
});
