// Real cohort sizes: the heart-disease protocol (logistic regression only, bench/scale-study.ts) on seeded
// Cleveland-shaped cohorts, cold and warm through the real CLI, and in the same run the same transforms as DuckDB
// SQL (each node read from and written to Parquet, DuckDB's default threads), the fits with scikit-learn, and
// Parquet writing with pyarrow (bench/scale_baselines.py), so every figure is a ratio measured under one load.
// Usage: node bin/run-ts.mjs bench/scale.ts [--rows 100000,1000000] [--no-python] [--stop cv|train-logreg]
//   --stop: the study ends after that node (cv: the data-preparation nodes only).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { ContentStore } from "../artifacts/store.js";
import { readManifest } from "../engine/manifest.js";
import { writeCohort } from "./scale-cohort.js";
import { cohortFile } from "./scale-study.js";

const args = process.argv.slice(2);
const flag = (name: string) => args[args.indexOf(name) + 1];
const sizes = (args.includes("--rows") ? flag("--rows")! : "100000,1000000").split(",").map(Number);
const python = !args.includes("--no-python");
const stop = args.includes("--stop") ? flag("--stop")! : "";
const root = process.cwd();
const log = (m: string) => process.stderr.write(`${m}\n`);

/** One CLI run of the scale study; peak RSS from GNU time when it is installed. */
const runStudy = (rows: number, store: string) => {
  const cli = [process.execPath, "bin/strata.mjs", "run", "bench/scale-study.ts", "--store", store, "--no-lock", "--json", "--out", path.join(store, "reports")];
  const gnuTime = fs.existsSync("/usr/bin/time");
  const t0 = performance.now();
  const r = spawnSync(gnuTime ? "/usr/bin/time" : cli[0]!, gnuTime ? ["-f", "peak-rss-kb %M", ...cli] : cli.slice(1), {
    encoding: "utf8",
    env: { ...process.env, STRATA_SCALE_ROWS: String(rows), STRATA_SCALE_STOP: stop },
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - t0) / 1000;
  const rss = /peak-rss-kb (\d+)/.exec(r.stderr ?? "");
  if (r.status !== 0) return { ok: false as const, seconds, error: (r.stderr ?? "").split("\n").filter((l) => !l.startsWith("peak-rss")).slice(-12).join("\n") };
  const summary = JSON.parse(r.stdout) as { manifest: string };
  const manifest = readManifest(new ContentStore(store), summary.manifest).manifest;
  return {
    ok: true as const,
    seconds,
    peakRssGB: rss ? Number(rss[1]) / 1e6 : undefined,
    nodes: Object.fromEntries(manifest.nodes.map((n) => [n.id, { seconds: n.seconds, cached: n.cached }])),
  };
};

const CSV_COLUMNS = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak", "slope", "ca", "thal", "num"];

/** The protocol's transforms in DuckDB SQL, node by node, each reading the previous node's Parquet. */
const duckdbNodes = (csv: string): [id: string, from: string | undefined, sql: string][] => {
  const strata = "subgroup, target";
  const rank = (seed: number) => `row_number() OVER (PARTITION BY ${strata} ORDER BY hash(rid, ${seed}))`;
  return [
    ["ingest", undefined, `SELECT * FROM read_csv('${csv}', header = false, nullstr = '?', columns = {${CSV_COLUMNS.map((c) => `'${c}': 'DOUBLE'`).join(", ")}})`],
    ["drop-missing", "ingest", "SELECT * FROM input WHERE COLUMNS(*) IS NOT NULL"],
    ["encode", "drop-missing", `SELECT * REPLACE (${["cp", "thal", "ca", "slope", "restecg"].map((c) => `(dense_rank() OVER (ORDER BY ${c}) - 1)::INTEGER AS ${c}`).join(", ")}) FROM input`],
    ["target", "encode", "SELECT * EXCLUDE (num), (num > 0)::INTEGER AS target FROM input"],
    ["subgroups", "target", "SELECT *, (CASE WHEN age < 60 THEN 'young' ELSE 'old' END) || '_' || (CASE WHEN sex = 0 THEN 'female' ELSE 'male' END) AS subgroup FROM input"],
    ["holdout", "subgroups", `SELECT (CASE WHEN ${rank(2025)} <= round(count(*) OVER (PARTITION BY ${strata}) * 0.2) THEN 2 ELSE 0 END)::INTEGER AS role FROM (SELECT *, row_number() OVER () AS rid FROM input) ORDER BY rid`],
    [
      "cv",
      "subgroups",
      `SELECT ${[1, 2, 3, 4, 5].flatMap((_, i) => [0, 1, 2, 3, 4].map((f) => `(CASE WHEN f${i} = ${f} THEN 1 ELSE 0 END)::INTEGER AS r${i * 5 + f}`)).join(", ")} FROM (SELECT rid, ${[1, 2, 3, 4, 5].map((s, i) => `${rank(s)} % 5 AS f${i}`).join(", ")} FROM (SELECT *, row_number() OVER () AS rid FROM input)) ORDER BY rid`,
    ],
  ];
};

const duckdbBaseline = async (csv: string, dir: string): Promise<Record<string, number>> => {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const seconds: Record<string, number> = {};
  for (const [id, from, sql] of duckdbNodes(csv)) {
    const input = from === undefined ? "" : `WITH input AS (SELECT * FROM read_parquet('${path.join(dir, `${from}.parquet`)}')) `;
    const t0 = performance.now();
    await connection.run(`COPY (${input}${sql}) TO '${path.join(dir, `${id}.parquet`)}' (FORMAT parquet, COMPRESSION zstd)`);
    seconds[id] = (performance.now() - t0) / 1000;
  }
  connection.closeSync();
  instance.closeSync();
  return seconds;
};

/** Strata's write of 10^6 × 20 floats with both digests, in a fresh process like pyarrow's (bench/scale-write.ts). */
const strataWrite = (): unknown => {
  const r = spawnSync(process.execPath, ["bin/run-ts.mjs", "bench/scale-write.ts"], { encoding: "utf8" });
  return r.status === 0 ? JSON.parse(r.stdout) : { error: r.stderr.split("\n").slice(-5).join("\n") };
};

const results: unknown[] = [];
for (const rows of sizes) {
  log(`== ${rows} rows`);
  const csv = writeCohort(root, rows, 1, cohortFile(rows));
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "strata-scale-"));
  try {
    log("  strata cold run");
    const cold = runStudy(rows, store);
    log(cold.ok ? `  cold ${cold.seconds.toFixed(1)} s, peak RSS ${cold.peakRssGB?.toFixed(2)} GB` : `  cold run FAILED after ${cold.seconds.toFixed(1)} s:\n${cold.error}`);
    const warm = cold.ok ? runStudy(rows, store) : undefined;
    if (warm) log(`  warm ${warm.seconds.toFixed(2)} s`);
    log("  duckdb nodes");
    const duckdb = await duckdbBaseline(csv, store);
    let baselines: unknown;
    if (python) {
      log("  scikit-learn and pyarrow");
      const r = spawnSync("python3", ["bench/scale_baselines.py", path.join(store, "target.parquet"), csv, "25"], { encoding: "utf8" });
      baselines = r.status === 0 ? JSON.parse(r.stdout) : { error: r.stderr.split("\n").slice(-5).join("\n") };
    }
    const ratios = cold.ok
      ? Object.fromEntries(Object.entries(duckdb).map(([id, s]) => [id, Number(((cold.nodes[id]?.seconds ?? NaN) / s).toFixed(2))]))
      : undefined;
    results.push({ rows, cold, warm: warm && { seconds: warm.seconds, ok: warm.ok }, duckdb, strataOverDuckdb: ratios, baselines, strataWrite: strataWrite() });
  } finally {
    fs.rmSync(store, { recursive: true, force: true });
  }
}
process.stdout.write(`${JSON.stringify({ results, cores: os.availableParallelism(), loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))), node: process.version }, null, 2)}\n`);
