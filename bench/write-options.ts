/**
 * Parquet write options side by side (bench/README.md "Real cohort sizes"): Strata's encode of two 10^6-row tables,
 * 20 random floats and a Cleveland-shaped cohort (14 columns, bench/scale-cohort.ts), and 3 distinct-valued but structured columns, per codec, and where the time
 * goes; then pyarrow writing the same tables with the same codecs (bench/write_options_baseline.py), under the same
 * load. Prints one JSON object.
 *   node bin/run-ts.mjs bench/write-options.ts
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as arrow from "apache-arrow";
import * as pq from "parquet-wasm";
import { type CodecChoice, type DenseColumn, denseColumns, encodeDenseParquetChunks, makeTable, tableOfDense, writerProperties } from "../artifacts/table.js";
import { writeCohort } from "./scale-cohort.js";
import { cohortFile } from "./scale-study.js";

const rows = 1_000_000;
const CSV_COLUMNS = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak", "slope", "ca", "thal", "num"];

const randomFloats = (): DenseColumn[] => {
  let state = 1;
  const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
  return denseColumns(makeTable(Array.from({ length: 20 }, (_, j) => ({ name: `x${j}`, type: "float" as const, values: Float64Array.from({ length: rows }, random) }))));
};

/**
 * Columns whose values are all distinct but far from random (an id, a clock-like float, 3-decimal measurements):
 * where a codec chosen for dictionary-overflowing columns costs the most bytes.
 */
const distinctStructured = (): DenseColumn[] => {
  let state = 3;
  const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
  return denseColumns(
    makeTable([
      { name: "id", type: "int", values: Int32Array.from({ length: rows }, (_, i) => i) },
      { name: "time", type: "float", values: Float64Array.from({ length: rows }, (_, i) => i * 0.25) },
      { name: "measure", type: "float", values: Float64Array.from({ length: rows }, () => Math.round((random() - 0.5) * 1e6) / 1000) },
    ]),
  );
};

/** The cohort as ingest reads it: every column a float, "?" a null. */
const cohort = (): DenseColumn[] => {
  const lines = fs.readFileSync(writeCohort(process.cwd(), rows, 1, cohortFile(rows)), "utf8").trim().split("\n");
  const values = CSV_COLUMNS.map(() => new Array<number | null>(lines.length));
  lines.forEach((line, r) => line.split(",").forEach((cell, c) => (values[c]![r] = cell === "?" ? null : Number(cell))));
  return denseColumns(makeTable(CSV_COLUMNS.map((name, c) => ({ name, type: "float" as const, values: values[c]! }))));
};

const CODECS: Record<string, CodecChoice> = {
  zstd: () => pq.Compression.ZSTD,
  lz4_raw: () => pq.Compression.LZ4_RAW,
  snappy: () => pq.Compression.SNAPPY,
  uncompressed: () => pq.Compression.UNCOMPRESSED,
  "uncompressed past the dictionary page, else zstd": (overflows) => (overflows ? pq.Compression.UNCOMPRESSED : pq.Compression.ZSTD),
  "lz4_raw past the dictionary page, else zstd (Strata's rule)": (overflows) => (overflows ? pq.Compression.LZ4_RAW : pq.Compression.ZSTD),
};

const seconds = (t0: number) => (performance.now() - t0) / 1000;
/** CPU seconds of this process (user + system): the machine is shared, so wall seconds alone mislead. */
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** One whole-file encode, timed by stage: the Arrow IPC copy, the copy into wasm, and parquet-wasm's write. */
const encodeTimed = (columns: readonly DenseColumn[], codec: CodecChoice) => {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const ipc = arrow.tableToIPC(tableOfDense(columns), "stream");
  const t1 = performance.now();
  const wasmTable = pq.Table.fromIPCStream(ipc);
  const t2 = performance.now();
  const bytes = pq.writeParquet(wasmTable, writerProperties(columns, codec));
  const c3 = cpuSeconds();
  return { seconds: seconds(t0), cpuSeconds: c3 - c0, ipcSeconds: (t1 - t0) / 1000, intoWasmSeconds: (t2 - t1) / 1000, writeSeconds: seconds(t2), bytes: bytes.length, file: bytes };
};

const best = <T extends { cpuSeconds: number }>(runs: T[]): T => runs.reduce((a, b) => (b.cpuSeconds < a.cpuSeconds ? b : a));

const streamedSeconds = async (columns: readonly DenseColumn[]) => {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  for await (const chunk of encodeDenseParquetChunks(columns)) void chunk;
  return { seconds: seconds(t0), cpuSeconds: cpuSeconds() - c0 };
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "strata-write-options-"));
const strata: Record<string, unknown> = {};
for (const [name, make] of [["randomFloats", randomFloats], ["cohort", cohort], ["distinctStructured", distinctStructured]] as const) {
  const columns = make();
  encodeTimed(columns, CODECS["zstd"]!); // wasm start-up and warm-up
  const options: Record<string, unknown> = {};
  for (const [codec, choice] of Object.entries(CODECS)) {
    const { file, ...figures } = best(Array.from({ length: 3 }, () => encodeTimed(columns, choice)));
    if (codec === "uncompressed") fs.writeFileSync(path.join(tmp, `${name}.parquet`), file);
    options[codec] = figures;
  }
  const streamed = best([await streamedSeconds(columns), await streamedSeconds(columns), await streamedSeconds(columns)]);
  strata[name] = { rows, columns: columns.length, options, streamedZstd: streamed };
}
const py = spawnSync("python3", ["bench/write_options_baseline.py", ...["randomFloats", "cohort", "distinctStructured"].map((t) => path.join(tmp, `${t}.parquet`))], { encoding: "utf8" });
fs.rmSync(tmp, { recursive: true, force: true });
const pyarrow = py.status === 0 ? JSON.parse(py.stdout) : { error: py.stderr.split("\n").slice(-5).join("\n") };
process.stdout.write(`${JSON.stringify({ loadAverage: os.loadavg(), strata, pyarrow }, null, 1)}\n`);
