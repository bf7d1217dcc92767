// Strata's table write in a fresh process: 10^6 rows × 20 random floats to Parquet bytes, their sha256 and the
// logical digest, three times (the first includes wasm start-up). Prints one JSON line; bench/scale.ts runs it.
import { createHash } from "node:crypto";
import { logicalDigestOfColumns } from "../artifacts/logical-digest.js";
import { denseColumns, encodeDenseParquet, makeTable } from "../artifacts/table.js";

const rows = 1_000_000;
let state = 1;
const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
const table = makeTable(Array.from({ length: 20 }, (_, j) => ({ name: `x${j}`, type: "float" as const, values: Float64Array.from({ length: rows }, random) })));
const runs = Array.from({ length: 3 }, () => {
  const t0 = performance.now();
  const columns = denseColumns(table);
  const bytes = encodeDenseParquet(columns);
  const t1 = performance.now();
  createHash("sha256").update(bytes).digest("hex");
  logicalDigestOfColumns(rows, columns);
  const t2 = performance.now();
  return { encodeSeconds: (t1 - t0) / 1000, digestSeconds: (t2 - t1) / 1000, seconds: (t2 - t0) / 1000, bytes: bytes.length };
});
process.stdout.write(`${JSON.stringify({ rows, columns: 20, first: runs[0], best: runs.reduce((a, b) => (b.seconds < a.seconds ? b : a)) })}\n`);
