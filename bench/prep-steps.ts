// ingest.csv and preprocess.drop-missing on the scale benchmark's cohort, in one process: CPU seconds of each step
// function alone, then of writing its table output to Parquet (the step host's part; for drop-missing also of
// decoding its input), and the output Parquet digests.
// Usage: node bin/run-ts.mjs bench/prep-steps.ts [--rows 1000000] [--repeat 3] [--root <checkout>]
//   --root: the checkout whose steps are timed (default this one), so two checkouts can be alternated on one file.
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { sha256Hex } from "../artifacts/digest.js";
import { writeCohort } from "./scale-cohort.js";
import { cohortFile } from "./scale-study.js";
import { CLEVELAND_COLUMNS } from "../pipelines/heart-common.js";
import * as fs from "node:fs";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const rows = Number(flag("--rows", "1000000"));
const repeat = Number(flag("--repeat", "3"));
const root = path.resolve(flag("--root", process.cwd()));
const load = async <M>(module: string): Promise<M> => (await import(pathToFileURL(path.join(root, module)).href)) as M;

type Run = (inputs: unknown, params: unknown, ctx: unknown) => Record<string, unknown>;
const { csvStep } = await load<{ csvStep: { run: Run } }>("steps/ingest/csv.ts");
const { dropMissingStep } = await load<{ dropMissingStep: { run: Run } }>("steps/preprocess/drop-missing.ts");
const table = await load<{ encodeParquet: (t: unknown) => Uint8Array; decodeParquet: (b: Uint8Array) => unknown }>("artifacts/table.ts");

const ctx = {
  nodeId: "bench",
  step: "bench",
  seed: 0,
  random: () => Math.random,
  log: () => {},
  progress: () => {},
  fail: (field: string, problem: string) => {
    throw new Error(`${field}: ${problem}`);
  },
};

/** CPU seconds (user + system) of `f`, and its result. */
const cpu = <A>(f: () => A): [number, A] => {
  const t0 = process.cpuUsage();
  const out = f();
  const t = process.cpuUsage(t0);
  return [(t.user + t.system) / 1e6, out];
};

const csv = writeCohort(process.cwd(), rows, 1, cohortFile(rows));
const bytes = new Uint8Array(fs.readFileSync(csv));
const source = { digest: "", bytes: () => bytes, folder: false, files: () => [{ name: "cohort.csv", bytes }] };
const result: Record<string, number | string>[] = [];
for (let k = 0; k < repeat; k++) {
  const [ingest, ingested] = cpu(() => csvStep.run({ file: source }, { columns: CLEVELAND_COLUMNS, na: ["?"], header: false, delimiter: "," }, ctx));
  const [ingestWrite, ingestParquet] = cpu(() => table.encodeParquet(ingested["table"]));
  const [dropRead, decoded] = cpu(() => table.decodeParquet(ingestParquet));
  const input = { digest: "", table: () => decoded };
  const [drop, dropped] = cpu(() => dropMissingStep.run({ table: input }, {}, ctx));
  const [dropWrite, dropParquet] = cpu(() => table.encodeParquet(dropped["table"]));
  result.push({ ingest, ingestWrite, dropRead, drop, dropWrite, ingestDigest: sha256Hex(ingestParquet), dropDigest: sha256Hex(dropParquet) });
}
process.stdout.write(`${JSON.stringify({ root: path.basename(root), rows, result })}\n`);
