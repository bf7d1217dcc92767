/**
 * A generated structural cohort as an Arrow table, built from typed buffers (no per-row JS values): string columns
 * are written straight from level codes into UTF-8 bytes and offsets.
 */
import type * as arrow from "apache-arrow";
import type { DenseColumn } from "../../artifacts/dense-column.js";
import { tableOfDense } from "../../artifacts/table.js";
import type { GeneratedCohort } from "./structural-generate.js";
import type { StructuralSpec } from "./structural-spec.js";

const countNulls = (present: Uint8Array | undefined, n: number): number => {
  if (present === undefined) return 0;
  let nulls = 0;
  for (let r = 0; r < n; r++) if ((present[r >> 3]! & (1 << (r & 7))) === 0) nulls++;
  return nulls;
};

/** A string column of level names from codes; a null (present bit clear) holds no bytes. */
const stringColumn = (name: string, levels: readonly string[], codes: Int32Array, present: Uint8Array | undefined): DenseColumn => {
  const n = codes.length;
  const bytes = levels.map((l) => Buffer.from(l, "utf8"));
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let r = 0; r < n; r++) {
    if (present === undefined || (present[r >> 3]! & (1 << (r & 7))) !== 0) total += bytes[codes[r]!]!.length;
    offsets[r + 1] = total;
  }
  const values = new Uint8Array(total);
  for (let r = 0; r < n; r++) if (offsets[r + 1]! > offsets[r]!) values.set(bytes[codes[r]!]!, offsets[r]!);
  const nullCount = countNulls(present, n);
  return { name, type: "string", length: n, nullCount, valid: nullCount > 0 ? present : undefined, values, offsets };
};

const numericColumn = (name: string, type: "float" | "int", values: Float64Array | Int32Array, present: Uint8Array | undefined): DenseColumn => {
  const nullCount = countNulls(present, values.length);
  return { name, type, length: values.length, nullCount, valid: nullCount > 0 ? present : undefined, values, offsets: undefined };
};

export const cohortTable = (spec: StructuralSpec, cohort: GeneratedCohort): arrow.Table => {
  const n = cohort.n;
  const patient = new Int32Array(n);
  for (let r = 0; r < n; r++) patient[r] = r + 1;
  return tableOfDense([
    numericColumn("patient", "int", patient, undefined),
    ...spec.covariates.map((c, i) => {
      const values = cohort.covariates[i]!;
      const present = cohort.present[i];
      if (c.kind === "categorical") return stringColumn(c.name, c.levels, values as Int32Array, present);
      return numericColumn(c.name, c.kind === "binary" ? "int" : "float", values, present);
    }),
    ...spec.subgroups.map((g, i) => stringColumn(g.name, g.levels, cohort.subgroups[i]!, undefined)),
    ...(spec.site ? [stringColumn(spec.site.name, spec.site.levels, cohort.site!, undefined)] : []),
    numericColumn(spec.outcome.name, "int", cohort.outcome, undefined),
  ]);
};
