/** Small helpers shared by the ingest, preprocess, subgroups and split step tests. */
import * as arrow from "apache-arrow";
import { expect } from "vitest";
import { type CellValue, type ColumnType, makeTable, tableColumns } from "../../artifacts/table.js";
import { DataError, PipelineError } from "../../dsl/errors.js";
import type { StepOutputValue } from "../../dsl/step.js";
import { ROLES, ROLE_CODE, type Role, decodeSplit, encodeSplit } from "../../steps/split/split-codec.js";

/** Builds a table from { name: [type, values] } in key order. */
export const table = (columns: Record<string, readonly [ColumnType, readonly CellValue[]]>): arrow.Table =>
  makeTable(Object.entries(columns).map(([name, [type, values]]) => ({ name, type, values })));

export const asTable = (v: StepOutputValue | undefined): arrow.Table => {
  if (!(v instanceof arrow.Table)) throw new Error("expected a table output");
  return v;
};

/** The table as plain row objects. */
export const rows = (t: StepOutputValue | undefined): Record<string, CellValue>[] => {
  const cols = tableColumns(asTable(t));
  return Array.from({ length: asTable(t).numRows }, (_, r) => Object.fromEntries(cols.map((c) => [c.name, c.values[r] ?? null])));
};

export const schemaOf = (t: StepOutputValue | undefined): [string, ColumnType][] => tableColumns(asTable(t)).map((c) => [c.name, c.type]);

/** The user error a promise (or function) fails with; fails the test if it is not of the expected class. */
export const userError = async <E extends typeof DataError | typeof PipelineError>(
  kind: E,
  run: () => unknown,
): Promise<InstanceType<E>> => {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(kind);
    return e as InstanceType<E>;
  }
  throw new Error(`expected a ${kind.name}`);
};

/** A split as one line per (replicate, row), replicates ascending then rows: what tests check it against. */
export const splitLines = (t: StepOutputValue | undefined): { replicate: number; seed: number; fold: number; row: number; role: Role }[] => {
  const split = asTable(t);
  const replicates = decodeSplit(split, split.numRows, (problem) => {
    throw new Error(problem);
  });
  return replicates.flatMap((r) => Array.from(r.roles, (code, row) => ({ replicate: r.replicate, seed: r.seed, fold: r.fold, row, role: ROLES[code]! })));
};

/** A split artifact from roles written out, e.g. splitOf([{ replicate: 0, seed: 0, fold: 0, roles: ["train", "test"] }]). */
export const splitOf = (replicates: readonly { replicate: number; seed: number; fold: number; roles: readonly Role[] }[]): arrow.Table =>
  encodeSplit(replicates.map((r) => ({ ...r, roles: Int32Array.from(r.roles, (role) => ROLE_CODE[role]) })));
