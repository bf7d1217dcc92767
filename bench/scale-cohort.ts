/**
 * Seeded Cleveland-shaped cohorts for the scale benchmark: rows of processed.cleveland.data resampled with
 * replacement, with noise on the continuous columns (kept in the file's own format, e.g. "63.0"), so the
 * protocol's steps see the same columns, categories and share of "?" cells as the real data, at any size.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { seededRandom } from "../engine/random.js";

const SOURCE = "data/heart-cleveland/processed.cleveland.data";

/** Column index -> noise half-width and decimals; other columns (categories, the label) are copied as they are. */
const NOISE: Readonly<Record<number, { readonly width: number; readonly decimals: number; readonly min: number }>> = {
  0: { width: 3, decimals: 1, min: 18 }, // age
  3: { width: 8, decimals: 1, min: 80 }, // trestbps
  4: { width: 20, decimals: 1, min: 100 }, // chol
  7: { width: 10, decimals: 1, min: 60 }, // thalach
  9: { width: 0.4, decimals: 1, min: 0 }, // oldpeak
};

/** Writes the cohort (CSV, no header, like the source) to `file` unless it is already there; returns its path. */
export const writeCohort = (root: string, rows: number, seed: number, file: string): string => {
  const out = path.join(root, file);
  if (fs.existsSync(out)) return out;
  const source = fs.readFileSync(path.join(root, SOURCE), "utf8").trim().split("\n").map((l) => l.split(","));
  const random = seededRandom(seed, "scale-cohort");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const fd = fs.openSync(`${out}.partial`, "w");
  const chunk: string[] = [];
  for (let r = 0; r < rows; r++) {
    const fields = [...source[Math.floor(random() * source.length)]!];
    for (const [c, noise] of Object.entries(NOISE)) {
      const i = Number(c);
      if (fields[i] === "?") continue;
      const jittered = Math.max(noise.min, Number(fields[i]) + (random() * 2 - 1) * noise.width);
      fields[i] = (Math.round(jittered * 10 ** noise.decimals) / 10 ** noise.decimals).toFixed(noise.decimals);
    }
    chunk.push(fields.join(","));
    if (chunk.length === 50_000) {
      fs.writeSync(fd, chunk.join("\n") + "\n");
      chunk.length = 0;
    }
  }
  if (chunk.length > 0) fs.writeSync(fd, chunk.join("\n") + "\n");
  fs.closeSync(fd);
  fs.renameSync(`${out}.partial`, out);
  return out;
};
