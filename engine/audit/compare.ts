import { canonicalJson } from "../../artifacts/canonical-json.js";
import { isCurrentLogicalDigest } from "../../artifacts/logical-digest.js";
import { decodeParquet, logicalDigest, tableColumns, type CellValue, type ColumnType } from "../../artifacts/table.js";
import { artifactCodec, type HandleKind } from "../../dsl/handles.js";

/**
 * How far a replayed output is from the recorded one, in the order replay checks: the file digest; for tables the
 * logical digest (schema and values, independent of encoding); then the values themselves.
 */
export type ComparisonLevel =
  | "identical" // same bytes
  | "encoding" // bytes differ, values equal (tables: same logical digest)
  | "values" // values differ (see `values`)
  | "missing-output" // the replay did not produce a recorded output
  | "extra-output" // the replay produced an output the run did not record
  | "recorded-unreadable"; // the recorded object is corrupt or missing, so only digests could be compared

export interface NumericSpread {
  /** max |recorded - replayed| over cells (or JSON numbers) present on both sides */
  readonly maxAbs: number;
  /** max |recorded - replayed| / max(|recorded|, |replayed|): 0 when equal, at most 2 */
  readonly maxRel: number;
}

export interface ColumnDifference extends Partial<NumericSpread> {
  readonly name: string;
  readonly type: ColumnType;
  /** cells that differ among the rows both tables have (a null on one side only counts) */
  readonly differing: number;
  readonly firstRow: number;
  readonly recorded: CellValue;
  readonly replayed: CellValue;
}

export interface TableDifference {
  readonly type: "table";
  readonly rows: { readonly recorded: number; readonly replayed: number };
  readonly columnsRemoved: readonly string[];
  readonly columnsAdded: readonly string[];
  readonly typeChanged: readonly { readonly name: string; readonly recorded: ColumnType; readonly replayed: ColumnType }[];
  readonly columns: readonly ColumnDifference[];
  /** over all numeric columns that differ; undefined when no numeric cell differs */
  readonly numeric?: NumericSpread;
}

export interface JsonDifference {
  readonly type: "json";
  /** first differing path in canonical (sorted-key, depth-first) order, e.g. $.weights[3] */
  readonly firstPath: string;
  readonly recorded: string;
  readonly replayed: string;
  readonly differingLeaves: number;
  /** over numbers present at the same path on both sides (e.g. model weights) */
  readonly numeric?: NumericSpread & { readonly count: number };
}

export interface TextDifference {
  readonly type: "text";
  readonly firstLine: number;
  readonly recorded: string;
  readonly replayed: string;
}

export type ValueDifference = TableDifference | JsonDifference | TextDifference;

export interface OutputComparison {
  readonly output: string;
  readonly kind: HandleKind;
  readonly recorded: string | null;
  readonly replayed: string | null;
  readonly level: ComparisonLevel;
  readonly logical?: { readonly recorded?: string; readonly replayed?: string };
  readonly values?: ValueDifference;
  readonly note?: string;
}

const spread = (a: number, b: number): NumericSpread => {
  const abs = Math.abs(a - b);
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return { maxAbs: Number.isFinite(abs) ? abs : Number.MAX_VALUE, maxRel: scale === 0 ? 0 : Number.isFinite(abs / scale) ? abs / scale : 2 };
};

const widen = (s: NumericSpread | undefined, t: NumericSpread): NumericSpread =>
  s === undefined ? t : { maxAbs: Math.max(s.maxAbs, t.maxAbs), maxRel: Math.max(s.maxRel, t.maxRel) };

/** Floats compare by value with NaN equal to NaN and -0 unequal to 0 (as the logical digest sees them). */
const sameCell = (a: CellValue | undefined, b: CellValue | undefined): boolean => Object.is(a ?? null, b ?? null);

export const compareTables = (recordedBytes: Uint8Array, replayedBytes: Uint8Array): TableDifference => {
  const a = tableColumns(decodeParquet(recordedBytes));
  const b = tableColumns(decodeParquet(replayedBytes));
  const rowsA = a[0]?.values.length ?? 0;
  const rowsB = b[0]?.values.length ?? 0;
  const byName = new Map(b.map((c) => [c.name, c]));
  const columns: ColumnDifference[] = [];
  const typeChanged: { name: string; recorded: ColumnType; replayed: ColumnType }[] = [];
  let numeric: NumericSpread | undefined;
  for (const col of a) {
    const other = byName.get(col.name);
    if (!other) continue;
    if (other.type !== col.type) typeChanged.push({ name: col.name, recorded: col.type, replayed: other.type });
    const isNumeric = (col.type === "float" || col.type === "int") && (other.type === "float" || other.type === "int");
    let differing = 0;
    let first = -1;
    let colSpread: NumericSpread | undefined;
    const n = Math.min(col.values.length, other.values.length);
    for (let r = 0; r < n; r++) {
      const x = col.values[r];
      const y = other.values[r];
      if (sameCell(x, y)) continue;
      differing++;
      if (first < 0) first = r;
      if (isNumeric && typeof x === "number" && typeof y === "number") colSpread = widen(colSpread, spread(x, y));
    }
    if (differing === 0) continue;
    if (colSpread) numeric = widen(numeric, colSpread);
    columns.push({ name: col.name, type: col.type, differing, firstRow: first, recorded: col.values[first] ?? null, replayed: other.values[first] ?? null, ...(colSpread ?? {}) });
  }
  const namesA = new Set(a.map((c) => c.name));
  return {
    type: "table",
    rows: { recorded: rowsA, replayed: rowsB },
    columnsRemoved: a.filter((c) => !byName.has(c.name)).map((c) => c.name),
    columnsAdded: b.filter((c) => !namesA.has(c.name)).map((c) => c.name),
    typeChanged,
    columns,
    ...(numeric ? { numeric } : {}),
  };
};

const key = (k: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);

const brief = (v: unknown): string => {
  const s = v === undefined ? "absent" : canonicalJson(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

export const compareJson = (recorded: unknown, replayed: unknown): JsonDifference | undefined => {
  let first: { path: string; a: unknown; b: unknown } | undefined;
  let leaves = 0;
  let numeric: NumericSpread | undefined;
  let count = 0;
  const differ = (path: string, a: unknown, b: unknown) => {
    leaves++;
    first ??= { path, a, b };
  };
  const walk = (path: string, a: unknown, b: unknown): void => {
    if (typeof a === "number" && typeof b === "number") {
      if (!Object.is(a, b)) {
        differ(path, a, b);
        numeric = widen(numeric, spread(a, b));
        count++;
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const n = Math.max(a.length, b.length);
      for (let i = 0; i < n; i++) walk(`${path}[${i}]`, a[i], b[i]);
      return;
    }
    const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
    if (isObj(a) && isObj(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) walk(path + key(k), a[k], b[k]);
      return;
    }
    if (a === undefined || b === undefined || canonicalJson(a) !== canonicalJson(b)) differ(path, a, b);
  };
  walk("$", recorded, replayed);
  if (!first) return undefined;
  const f = first as { path: string; a: unknown; b: unknown };
  return {
    type: "json",
    firstPath: f.path,
    recorded: brief(f.a),
    replayed: brief(f.b),
    differingLeaves: leaves,
    ...(numeric ? { numeric: { ...(numeric as NumericSpread), count } } : {}),
  };
};

export const compareText = (recorded: string, replayed: string): TextDifference | undefined => {
  const a = recorded.split("\n");
  const b = replayed.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      const cut = (s: string | undefined) => (s === undefined ? "(no line)" : s.length > 200 ? `${s.slice(0, 197)}...` : s);
      return { type: "text", firstLine: i + 1, recorded: cut(a[i]), replayed: cut(b[i]) };
    }
  }
  return undefined;
};

interface Recorded {
  readonly kind: HandleKind;
  readonly digest: string;
  readonly logicalDigest?: string | undefined;
}

/**
 * Compares one output of a node: recorded (from the manifest, bytes from the audited store) with replayed (from
 * the isolated replay). `read*` return the bytes or throw when they cannot be read.
 */
export const compareOutput = (
  output: string,
  recorded: Recorded | undefined,
  replayed: Recorded | undefined,
  readRecorded: () => Uint8Array,
  readReplayed: () => Uint8Array,
): OutputComparison => {
  if (!recorded) return { output, kind: replayed!.kind, recorded: null, replayed: replayed!.digest, level: "extra-output" };
  if (!replayed) return { output, kind: recorded.kind, recorded: recorded.digest, replayed: null, level: "missing-output" };
  const base = { output, kind: recorded.kind, recorded: recorded.digest, replayed: replayed.digest };
  if (recorded.digest === replayed.digest) return { ...base, level: "identical" };
  let a: Uint8Array;
  try {
    a = readRecorded();
  } catch (e) {
    return { ...base, level: "recorded-unreadable", note: e instanceof Error ? e.message : String(e) };
  }
  const b = readReplayed();
  const codec = artifactCodec(recorded.kind);
  if (codec === "parquet") {
    // The manifest's logical digest is what the run claimed; recompute it from the stored bytes when the record
    // lacks it or holds one of an older format, so a re-encoded but equal table is told apart from a changed one.
    const claimed = (r: Recorded, bytes: Uint8Array) =>
      r.logicalDigest !== undefined && isCurrentLogicalDigest(r.logicalDigest) ? r.logicalDigest : logicalDigest(decodeParquet(bytes));
    const logical = { recorded: claimed(recorded, a), replayed: claimed(replayed, b) };
    if (logical.recorded === logical.replayed) return { ...base, level: "encoding", logical };
    return { ...base, level: "values", logical, values: compareTables(a, b) };
  }
  if (codec === "json") {
    const parse = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    const diff = compareJson(parse(a), parse(b));
    return diff ? { ...base, level: "values", values: diff } : { ...base, level: "encoding" };
  }
  const diff = compareText(new TextDecoder().decode(a), new TextDecoder().decode(b));
  return diff ? { ...base, level: "values", values: diff } : { ...base, level: "encoding" };
};

const fmt = (n: number): string => (n === 0 ? "0" : Math.abs(n) >= 1e-3 && Math.abs(n) < 1e6 ? String(Number(n.toPrecision(4))) : n.toExponential(3));

/** One line per comparison, e.g. `table "table": values differ: column z (30 of 30 cells) max abs 1.2e-4, max rel 3e-6`. */
export const describeComparison = (c: OutputComparison): string => {
  const name = `${c.kind} "${c.output}"`;
  switch (c.level) {
    case "identical":
      return `${name}: identical bytes`;
    case "encoding":
      return `${name}: bytes differ but values are equal${c.logical ? " (same logical digest)" : ""}`;
    case "missing-output":
      return `${name}: recorded, but the replay did not produce it`;
    case "extra-output":
      return `${name}: produced by the replay, but not in the record`;
    case "recorded-unreadable":
      return `${name}: digests differ and the recorded object cannot be read (${c.note ?? "unreadable"})`;
    case "values": {
      const v = c.values!;
      if (v.type === "json") {
        const num = v.numeric ? `; ${v.numeric.count} numbers differ, max abs ${fmt(v.numeric.maxAbs)}, max rel ${fmt(v.numeric.maxRel)}` : "";
        return `${name}: values differ: first at ${v.firstPath} (${v.recorded} → ${v.replayed}), ${v.differingLeaves} differing value${v.differingLeaves === 1 ? "" : "s"}${num}`;
      }
      if (v.type === "text") return `${name}: text differs from line ${v.firstLine}: ${JSON.stringify(v.recorded)} → ${JSON.stringify(v.replayed)}`;
      const parts: string[] = [];
      if (v.rows.recorded !== v.rows.replayed) parts.push(`rows ${v.rows.recorded} → ${v.rows.replayed}`);
      if (v.columnsRemoved.length) parts.push(`columns missing: ${v.columnsRemoved.join(", ")}`);
      if (v.columnsAdded.length) parts.push(`new columns: ${v.columnsAdded.join(", ")}`);
      for (const t of v.typeChanged) parts.push(`column ${t.name} type ${t.recorded} → ${t.replayed}`);
      for (const col of v.columns) {
        const num = col.maxAbs !== undefined ? `, max abs ${fmt(col.maxAbs)}, max rel ${fmt(col.maxRel!)}` : "";
        parts.push(`column ${col.name} (${col.differing} of ${Math.min(v.rows.recorded, v.rows.replayed)} cells, first row ${col.firstRow}: ${brief(col.recorded)} → ${brief(col.replayed)}${num})`);
      }
      return `${name}: values differ: ${parts.join("; ") || "see the full comparison (--json)"}`;
    }
  }
};
