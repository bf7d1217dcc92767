import { Schema } from "effect";
import type { ColumnType } from "../../artifacts/table.js";

/** One declared column of an ingested file. Order matters: a headerless CSV maps fields to columns by position. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
}

/** The column schema a list of specs declares, e.g. [{name: "age", type: "float"}] -> { age: "float" }. */
export type ColumnsOf<S extends readonly ColumnSpec[]> = { readonly [E in S[number] as E["name"]]: E["type"] };

export const ColumnTypeSchema = Schema.Literals(["float", "int", "string", "bool"]);

/** A non-empty list of columns with distinct, non-empty names. */
export const ColumnSpecsSchema = Schema.Array(
  Schema.Struct({ name: Schema.String.check(Schema.isMinLength(1)), type: ColumnTypeSchema }),
).check(
  Schema.isMinLength(1),
  Schema.makeFilter((specs) => {
    const seen = new Set<string>();
    for (const [i, spec] of specs.entries()) {
      if (seen.has(spec.name)) return { path: [i, "name"], issue: `column ${JSON.stringify(spec.name)} is declared twice` };
      seen.add(spec.name);
    }
    return undefined;
  }),
);

/** The runtime column record a TableHandle carries, in declared order. */
export const columnsRecord = <S extends readonly ColumnSpec[]>(specs: S): ColumnsOf<S> =>
  Object.fromEntries(specs.map((s) => [s.name, s.type])) as ColumnsOf<S>;
