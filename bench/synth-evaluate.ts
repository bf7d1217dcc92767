/**
 * evaluate.synthetic's cost: fidelity on every row (n real + n synthetic rows, 16 numeric + 4 categorical columns,
 * one 3-level subgroup) and the privacy distances on the default maxRows sample.
 *   node bin/run-ts.mjs bench/synth-evaluate.ts [--rows 100000] [--max-rows 5000]
 */
import { makeTable } from "../artifacts/table.js";
import type { StepContext } from "../dsl/step.js";
import { seededRandom } from "../engine/random.js";
import { encodeTables } from "../steps/evaluate/synthetic/encoded-tables.js";
import { fidelity } from "../steps/evaluate/synthetic/fidelity.js";
import { privacyMeasures } from "../steps/evaluate/synthetic/privacy.js";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const rows = arg("--rows", 100_000);
const maxRows = arg("--max-rows", 5000);
const NUMERIC = 16;
const CATEGORICAL = 4;

const table = (stream: string) => {
  const random = seededRandom(1, stream);
  const numeric = Array.from({ length: NUMERIC }, (_, c) => ({ name: `x${c}`, type: "float" as const, values: Array.from({ length: rows }, () => Math.round(random() * 1000) / 10) }));
  const categorical = Array.from({ length: CATEGORICAL }, (_, c) => ({ name: `c${c}`, type: "string" as const, values: Array.from({ length: rows }, () => `level${Math.floor(random() * (3 + c))}`) }));
  return makeTable([...numeric, ...categorical]);
};

const ctx = { fail: (field: string, problem: string) => { throw new Error(`${field}: ${problem}`); }, random: (s: string) => seededRandom(0, s) } as unknown as StepContext;
const columns = [...Array.from({ length: NUMERIC }, (_, c) => `x${c}`), ...Array.from({ length: CATEGORICAL }, (_, c) => `c${c}`)];
const tables = { real: table("real"), synthetic: table("synthetic"), holdout: table("holdout") };
let t = performance.now();
const encoded = encodeTables(tables, columns, new Set(), ctx);
const encodeSeconds = (performance.now() - t) / 1000;
t = performance.now();
const s = encoded.specs.length - 1;
fidelity(encoded.specs, encoded.real, encoded.synthetic, { spec: encoded.specs[s]!, real: encoded.real.cells[s] as Int32Array, synthetic: encoded.synthetic.cells[s] as Int32Array }, 10);
const fidelitySeconds = (performance.now() - t) / 1000;
t = performance.now();
privacyMeasures(encoded.specs, encoded, maxRows, ctx.random);
const privacySeconds = (performance.now() - t) / 1000;
console.log(JSON.stringify({ rows, columns: columns.length, maxRows, encodeSeconds, fidelitySeconds, privacySeconds, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
