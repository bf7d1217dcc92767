/**
 * Writes data/rare-weighted/cohort.csv: a synthetic cohort with a planted rare, high-utility subgroup, for
 * pipelines/rare-weighted.ts (SOURCE.md beside this file says what it holds). Deterministic: a fixed-seed
 * mulberry32 stream and values rounded to 4 decimals, so the committed file is the file this script writes.
 *
 *   node bin/run-ts.mjs data/rare-weighted/generate.ts
 */
import * as fs from "node:fs";
import * as path from "node:path";

const ROWS = 3000;
const SEED = 20261201;

const mulberry32 = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const random = mulberry32(SEED);
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * The outcome's log-odds per subgroup. In the common subgroups x1 and x3 carry the risk; in the rare one the
 * risk is carried by x2, which is noise elsewhere, so a model fitted to the average patient underweights it.
 */
const LOGIT: Record<string, (x1: number, x2: number, x3: number) => number> = {
  common_a: (x1, _x2, x3) => -0.6 + 1.8 * x1 + 0.6 * x3,
  common_b: (x1, _x2, x3) => -0.3 + 1.5 * x1 + 0.8 * x3,
  rare: (x1, x2, _x3) => 0.2 - 0.3 * x1 + 2.5 * x2,
};

const lines = ["patient,subgroup,x1,x2,x3,outcome"];
for (let i = 0; i < ROWS; i++) {
  const u = random();
  const subgroup = u < 0.05 ? "rare" : u < 0.45 ? "common_b" : "common_a";
  const [x1, x2, x3] = [round4(normal()), round4(normal()), round4(normal())];
  const outcome = random() < sigmoid(LOGIT[subgroup]!(x1, x2, x3)) ? 1 : 0;
  lines.push(`${i + 1},${subgroup},${x1},${x2},${x3},${outcome}`);
}
fs.writeFileSync(path.join(import.meta.dirname, "cohort.csv"), `${lines.join("\n")}\n`);
