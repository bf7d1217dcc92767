/**
 * The VAE generator on Cleveland (297 complete rows, the coded categories as levels): training time with the
 * defaults (1,000 epochs), CPU time of the process beside it (the machine is shared), and the KS complement of each
 * numeric column and TV complement of each categorical one for 3,000 sampled rows (SDMetrics' definitions).
 *   node bin/run-ts.mjs bench/synth-vae-cleveland.ts [epochs]
 */
import { seededRandom } from "../engine/random.js";
import { decodeRows, encodeRows, fitEncoding, type VaeColumnValues } from "../steps/synth/vae/encoding.js";
import { VAE_DEFAULTS } from "../steps/synth/vae/defaults.js";
import { sampleVae } from "../steps/synth/vae/sample.js";
import { trainVae } from "../steps/synth/vae/train.js";
import { clevelandColumns } from "../test/steps/synth-vae-fixtures.js";

const SAMPLED = 3000;
const epochs = Number(process.argv[2] ?? VAE_DEFAULTS.epochs);

const ksComplement = (a: Float64Array, b: Float64Array): number => {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let gap = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    gap = Math.max(gap, Math.abs(i / x.length - j / y.length));
  }
  return 1 - gap;
};

const tvComplement = (a: Int32Array, b: Int32Array, levels: number): number => {
  let distance = 0;
  for (let level = 0; level < levels; level++) distance += Math.abs(a.filter((c) => c === level).length / a.length - b.filter((c) => c === level).length / b.length);
  return 1 - distance / 2;
};

const { columns, n } = clevelandColumns();
const encoding = fitEncoding(columns);
const data = { x: encodeRows(encoding, columns, n), n, layout: encoding.layout };
const cpu = process.cpuUsage();
const start = performance.now();
const trained = trainVae(data, { ...VAE_DEFAULTS, epochs }, (stream) => seededRandom(1, stream));
const trainSeconds = (performance.now() - start) / 1000;
const cpuSeconds = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1e6;
const sampled = decodeRows(encoding, sampleVae(trained.weights, SAMPLED, seededRandom(1, "sample")), SAMPLED);
const fidelity = Object.fromEntries(
  columns.map((real: VaeColumnValues, c) => {
    const synthetic = sampled[c]!;
    const score = real.kind === "numeric" && synthetic.kind === "numeric" ? ksComplement(real.values, synthetic.values) : real.kind === "categorical" && synthetic.kind === "categorical" ? tvComplement(real.codes, synthetic.codes, real.levels) : Number.NaN;
    return [real.name, Number(score.toFixed(3))];
  }),
);
console.log(JSON.stringify({ rows: n, width: encoding.layout.width, epochs, trainSeconds: Number(trainSeconds.toFixed(2)), cpuSeconds: Number(cpuSeconds.toFixed(2)), finalLoss: trained.epochLoss[epochs - 1], fidelity, load: (await import("node:os")).loadavg()[0] }, null, 1));
