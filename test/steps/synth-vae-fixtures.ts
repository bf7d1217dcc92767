/** Cleveland as the VAE tests see it: complete rows, five numeric columns and nine categorical ones. */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { VaeColumnValues } from "../../steps/synth/vae/encoding.js";
import { CLEVELAND_COLUMNS } from "../../pipelines/heart-common.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const NUMERIC = new Set(["age", "trestbps", "chol", "thalach", "oldpeak"]);

export const clevelandColumns = (): { columns: VaeColumnValues[]; n: number } => {
  const lines = fs.readFileSync(path.join(root, "data/heart-cleveland/processed.cleveland.data"), "utf8").trim().split("\n");
  const rows = lines.map((l) => l.trim().split(",")).filter((cells) => !cells.includes("?"));
  const columns = CLEVELAND_COLUMNS.map(({ name }, c): VaeColumnValues => {
    const cells = rows.map((cells) => cells[c]!);
    if (NUMERIC.has(name)) return { name, kind: "numeric", values: Float64Array.from(cells, Number) };
    const levels = [...new Set(cells.map((v) => String(Number(v))))].sort((a, b) => Number(a) - Number(b));
    return { name, kind: "categorical", levels: levels.length, codes: Int32Array.from(cells, (v) => levels.indexOf(String(Number(v)))) };
  });
  return { columns, n: rows.length };
};
