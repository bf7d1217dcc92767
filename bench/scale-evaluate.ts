/**
 * evaluate.subgroup-metrics alone at cohort scale, with no engine and no files: a synthetic cohort shaped like
 * bench/scale-study.ts's (four subgroups, two of them rare, one model, 5 seeds × 5 folds over 80% of the rows),
 * scored with `--resamples` bootstrap resamples. Prints wall and CPU seconds and a digest of the document, so two
 * versions of the evaluation can be compared on the same machine (the digest must match).
 *
 *   node bin/run-ts.mjs bench/scale-evaluate.ts --rows 100000 --resamples 1000
 */
import { createHash } from "node:crypto";
import { seededRandom } from "../engine/random.js";
import { computeSubgroupMetrics } from "../steps/evaluate/subgroup-metrics/compute.js";
import type { ReplicateScores } from "../steps/evaluate/subgroup-metrics/document.js";
import { replicateScoresOfDense } from "../steps/evaluate/subgroup-metrics/replicate-scores.js";

const flag = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const rows = flag("--rows", 100_000);
const resamples = flag("--resamples", 1000);

const random = seededRandom(7, "scale-evaluate");
const groups = ["a-female-young", "b-female-old", "c-male-young", "d-male-old"];
const shares = [0.1, 0.2, 0.3, 0.4];
const y = new Uint8Array(rows);
const group = new Int32Array(rows);
const latent = new Float64Array(rows);
for (let r = 0; r < rows; r++) {
  const u = random();
  let g = 0;
  for (let c = shares[0]!; u > c && g < 3; ) c += shares[++g]!;
  group[r] = g;
  y[r] = random() < 0.3 + 0.1 * g ? 1 : 0;
  latent[r] = y[r]! + random() * 1.5;
}
const replicates: ReplicateScores[] = [];
for (let seed = 1; seed <= 5; seed++) {
  const fold = Int8Array.from({ length: rows }, () => Math.floor(random() * 5));
  for (let f = 0; f < 5; f++) {
    const prob = new Float64Array(rows).fill(Number.NaN);
    for (let r = 0; r < Math.floor(rows * 0.8); r++) if (fold[r] === f) prob[r] = 1 / (1 + Math.exp(1.5 - 2 * latent[r]! - seed * 0.01));
    replicates.push(replicateScoresOfDense({ replicate: replicates.length, seed, fold: f }, prob));
  }
}

const params = { models: ["logreg"], target: "target", subgroup: "subgroup", threshold: 0.5, resamples, level: 0.95, minCell: 10, rareBelow: 0.15, alpha: 0.05, adjust: "holm" as const };
const cpu = process.cpuUsage();
const start = performance.now();
const doc = computeSubgroupMetrics({ labels: { y, group, groups }, models: [{ label: "logreg", replicates }], digests: { table: "synthetic", predictions: { logreg: "synthetic" } } }, params, (stream) => seededRandom(2025, stream));
const used = process.cpuUsage(cpu);
console.log(
  JSON.stringify({
    rows,
    resamples,
    seconds: Number(((performance.now() - start) / 1000).toFixed(2)),
    cpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(2)),
    digest: createHash("sha256").update(JSON.stringify(doc)).digest("hex").slice(0, 16),
  }),
);
