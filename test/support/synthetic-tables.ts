/** A synthetic-data test's view of a stored table: its numeric columns as float arrays (no missing cells). */
import { decodeParquet, denseColumns } from "../../artifacts/table.js";

export const numericColumns = (bytes: Uint8Array): Map<string, Float64Array> =>
  new Map(denseColumns(decodeParquet(bytes)).filter((c) => c.type === "float" || c.type === "int").map((c) => [c.name, Float64Array.from(c.values as Float64Array | Int32Array)]));
