/**
 * Which field texts an ingest step reads as missing: `na` applies to every column, `naByColumn` adds tokens for
 * named columns only (e.g. `0` means "not measured" in Glucose and BMI but is a real value in Pregnancies and the
 * outcome). Each value turned missing is counted per column, so the node's `missing` output and the reports can say
 * how much of each column was absent.
 */
import { Effect, Schema } from "effect";
import type { CellValue } from "../../artifacts/table.js";
import type { JsonValue } from "../../dsl/step.js";

/** The params fields every ingest step that reads text takes (spread into its Params). */
export const missingTokenFields = {
  /** Field values read as null in any column, compared after unquoting (so "NA" and NA are both null). */
  na: Schema.Array(Schema.String).pipe(Schema.withDecodingDefaultKey(Effect.succeed(["", "NA"]))),
  /** Extra tokens read as null in the named columns only, e.g. { Glucose: ["0"] }. */
  naByColumn: Schema.optionalKey(Schema.Record(Schema.String, Schema.Array(Schema.String))),
};

export interface MissingTokens {
  /** The tokens read as missing in column `c` (declared order), for a reader that matches them without making a string per cell. */
  readonly tokens: (c: number) => readonly string[];
  /** Counts `n` values of column `c` read as missing by such a reader. */
  readonly count: (c: number, n: number) => void;
  /**
   * The node's `missing` output: the rows read and, per column, the values read as missing and the tokens that
   * applied; with `lines`, the row → line map of steps/row-reference.ts (only where it is not the identity).
   */
  readonly report: (rows: number, lines?: JsonValue) => JsonValue;
}

/** The `missing` output of a reader with typed nulls (Parquet): each column's nulls, no tokens. */
export const nullCounts = (columns: readonly { readonly name: string; readonly values: readonly CellValue[] }[]): JsonValue => ({
  format: "strata-missing/1",
  rows: columns[0]?.values.length ?? 0,
  columns: columns.map((c) => ({ column: c.name, missing: c.values.filter((v) => v === null).length, tokens: [] })),
});

/** The matcher for the declared columns; a naByColumn key that is not a declared column is an error on params.naByColumn. */
export const missingTokens = (
  columns: readonly string[],
  params: { readonly na: readonly string[]; readonly naByColumn?: { readonly [column: string]: readonly string[] } },
  fail: (field: string, problem: string) => never,
): MissingTokens => {
  const extra = params.naByColumn ?? {};
  const unknown = Object.keys(extra).find((name) => !columns.includes(name));
  if (unknown !== undefined) fail("params.naByColumn", `${JSON.stringify(unknown)} is not a declared column; the columns are ${columns.join(", ")}`);
  const perColumn = columns.map((name) => new Set([...params.na, ...(extra[name] ?? [])]));
  const lists = perColumn.map((tokens) => [...tokens]);
  const counts = columns.map(() => 0);
  return {
    tokens: (c) => lists[c]!,
    count: (c, n) => {
      counts[c]! += n;
    },
    report: (rows, lines) => ({
      format: "strata-missing/1",
      rows,
      columns: columns.map((name, c) => ({ column: name, missing: counts[c]!, tokens: [...perColumn[c]!].sort() })),
      ...(lines === undefined ? {} : { lines }),
    }),
  };
};
