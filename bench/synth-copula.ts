/**
 * The Gaussian copula at scale, in-process: fits 10^6 rows × 20 columns (14 correlated floats, 3 ints, 2 strings,
 * a bool; 5 % missing cells in one float) and samples 10^6 rows. Prints fit and sample seconds, the generator's
 * JSON size and peak RSS. Usage: node bin/run-ts.mjs bench/synth-copula.ts [rows].
 */
import { type DenseColumn, denseFromCodes, denseFromValues } from "../artifacts/dense-column.js";
import { seededRandom } from "../engine/random.js";
import { fitGaussianCopula, sampleCopula } from "../steps/synth/gaussian-copula.js";

const rows = Number(process.argv[2] ?? 1_000_000);
const u = seededRandom(1, "bench");
const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

const shared = Float64Array.from({ length: rows }, normal);
const columns: DenseColumn[] = [];
for (let c = 0; c < 14; c++) {
  const weight = 0.2 + 0.05 * c;
  const values = Float64Array.from(shared, (s) => weight * s + Math.sqrt(1 - weight * weight) * normal());
  columns.push(c === 0 ? denseFromValues(`f${c}`, "float", Array.from(values, (v) => (u() < 0.05 ? null : v))) : denseFromValues(`f${c}`, "float", values));
}
for (let c = 0; c < 3; c++) columns.push(denseFromValues(`i${c}`, "int", Int32Array.from(shared, (s) => Math.round(3 * s + 2 * normal()))));
for (let c = 0; c < 2; c++) columns.push(denseFromCodes(`s${c}`, Int32Array.from(shared, (s) => (s + normal() > 0.5 ? 0 : u() < 0.5 ? 1 : 2)), ["a", "b", "c"]));
columns.push(denseFromValues("b0", "bool", Array.from(shared, (s) => s > 0)));

const fitStart = performance.now();
const generator = fitGaussianCopula(columns);
const fitSeconds = (performance.now() - fitStart) / 1000;
const sampleStart = performance.now();
const table = sampleCopula(generator, rows, (stream) => seededRandom(2, stream));
const sampleSeconds = (performance.now() - sampleStart) / 1000;
const bytes = JSON.stringify(generator).length;
console.log(
  `${rows} rows × ${columns.length} columns: fit ${fitSeconds.toFixed(2)} s, sample ${sampleSeconds.toFixed(2)} s (${table.numRows} rows), generator ${(bytes / 1024).toFixed(0)} KiB, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);
