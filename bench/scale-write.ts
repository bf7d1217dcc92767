// Strata's table write in a fresh process: 10^6 rows × 20 random floats encoded as the engine encodes a table output
// (row group by row group, the file's sha256 taken as the bytes come) plus the logical digest, three times (the
// first includes wasm start-up). Prints one JSON line, with CPU seconds beside wall seconds; bench/scale.ts runs it.
import { createHash } from "node:crypto";
import { logicalDigestOfColumns } from "../artifacts/logical-digest.js";
import { denseColumns, encodeDenseParquetChunks, makeTable } from "../artifacts/table.js";

const rows = 1_000_000;
let state = 1;
const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
const table = makeTable(Array.from({ length: 20 }, (_, j) => ({ name: `x${j}`, type: "float" as const, values: Float64Array.from({ length: rows }, random) })));
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const runs = [];
for (let run = 0; run < 3; run++) {
  const [t0, c0] = [performance.now(), cpuSeconds()];
  const columns = denseColumns(table);
  const file = createHash("sha256");
  let bytes = 0;
  for await (const chunk of encodeDenseParquetChunks(columns)) {
    file.update(chunk);
    bytes += chunk.length;
  }
  file.digest("hex");
  const t1 = performance.now();
  logicalDigestOfColumns(rows, columns);
  const [t2, c2] = [performance.now(), cpuSeconds()];
  runs.push({ encodeAndFileDigestSeconds: (t1 - t0) / 1000, logicalDigestSeconds: (t2 - t1) / 1000, seconds: (t2 - t0) / 1000, cpuSeconds: c2 - c0, bytes });
}
process.stdout.write(`${JSON.stringify({ rows, columns: 20, first: runs[0], best: runs.reduce((a, b) => (b.cpuSeconds < a.cpuSeconds ? b : a)) })}\n`);
