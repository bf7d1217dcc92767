// Output comparison, in-process: file digest, then logical digest, then values.
import { describe, expect, it } from "vitest";
import { canonicalJsonBytes } from "../../artifacts/canonical-json.js";
import { sha256Hex } from "../../artifacts/digest.js";
import { encodeParquet, logicalDigest, makeTable } from "../../artifacts/table.js";
import { compareJson, compareOutput, compareTables, compareText, describeComparison } from "../../engine/audit/compare.js";

const table = (z: number[], extra?: { name: string; values: (string | null)[] }) =>
  makeTable([
    { name: "id", type: "int", values: z.map((_, i) => i) },
    { name: "z", type: "float", values: z },
    ...(extra ? [{ name: extra.name, type: "string" as const, values: extra.values }] : []),
  ]);

const record = (kind: "table" | "models" | "report", bytes: Uint8Array, logical?: string) => ({ kind, digest: sha256Hex(bytes), ...(logical ? { logicalDigest: logical } : {}) });

describe("compareOutput", () => {
  it("calls equal bytes identical without reading them", () => {
    const bytes = encodeParquet(table([1, 2]));
    const c = compareOutput("table", record("table", bytes), record("table", bytes), () => { throw new Error("not read"); }, () => { throw new Error("not read"); });
    expect(c.level).toBe("identical");
  });

  it("calls a table whose bytes differ but whose values are equal an encoding difference", () => {
    // As if another Parquet writer had written the recorded table: another file digest, the same logical digest.
    const t = table([1.5, -2, 3]);
    const bytes = encodeParquet(t);
    const recorded = { kind: "table" as const, digest: "0".repeat(64), logicalDigest: logicalDigest(t) };
    const c = compareOutput("table", recorded, record("table", bytes, logicalDigest(t)), () => bytes, () => bytes);
    expect(c).toMatchObject({ level: "encoding", logical: { recorded: logicalDigest(t), replayed: logicalDigest(t) } });
    expect(describeComparison(c)).toContain("values are equal");
  });

  it("reports numeric columns by max absolute and relative difference", () => {
    const a = encodeParquet(table([1, 2, 4], { name: "g", values: ["a", "b", null] }));
    const b = encodeParquet(table([1, 2.5, 3], { name: "g", values: ["a", "b", "c"] }));
    const c = compareOutput("table", record("table", a), record("table", b), () => a, () => b);
    expect(c.level).toBe("values");
    expect(c.values).toMatchObject({
      type: "table",
      rows: { recorded: 3, replayed: 3 },
      numeric: { maxAbs: 1, maxRel: 0.25 },
      columns: [
        { name: "z", differing: 2, firstRow: 1, recorded: 2, replayed: 2.5, maxAbs: 1, maxRel: 0.25 },
        { name: "g", differing: 1, firstRow: 2, recorded: null, replayed: "c" },
      ],
    });
    expect(describeComparison(c)).toMatch(/column z \(2 of 3 cells, first row 1: 2 → 2\.5, max abs 1, max rel 0\.25\)/);
  });

  it("names schema and row-count changes", () => {
    const d = compareTables(encodeParquet(table([1, 2, 3])), encodeParquet(makeTable([{ name: "id", type: "float", values: [0, 1] }, { name: "w", type: "float", values: [1, 1] }])));
    expect(d).toMatchObject({ rows: { recorded: 3, replayed: 2 }, columnsRemoved: ["z"], columnsAdded: ["w"], typeChanged: [{ name: "id", recorded: "int", replayed: "float" }] });
  });

  it("treats -0 and 0 as different and NaN as equal to NaN, like the logical digest", () => {
    const d = compareTables(encodeParquet(table([0, NaN])), encodeParquet(table([-0, NaN])));
    expect(d.columns).toEqual([expect.objectContaining({ name: "z", differing: 1, firstRow: 0 })]);
  });

  it("compares model weights and names the first differing JSON path", () => {
    const a = { kind: "line", weights: [1, 2, 3], meta: { n: 4 } };
    const b = { kind: "line", weights: [1, 2.001, 2.5], meta: { n: 4, note: "x" } };
    const ab = canonicalJsonBytes(a);
    const bb = canonicalJsonBytes(b);
    const c = compareOutput("model", record("models", ab), record("models", bb), () => ab, () => bb);
    expect(c.level).toBe("values");
    expect(c.values).toMatchObject({ type: "json", firstPath: "$.meta.note", recorded: "absent", replayed: '"x"', differingLeaves: 3 });
    const v = c.values as { numeric: { count: number; maxAbs: number; maxRel: number } };
    expect(v.numeric.count).toBe(2);
    expect(v.numeric.maxAbs).toBeCloseTo(0.5, 12);
    expect(v.numeric.maxRel).toBeCloseTo(0.5 / 3, 12);
    expect(compareJson({ a: [1, { "b c": 2 }] }, { a: [1, { "b c": 3 }] })?.firstPath).toBe('$.a[1]["b c"]');
    expect(compareJson({ a: 1 }, { a: 1 })).toBeUndefined();
  });

  it("gives the first differing line of a text report", () => {
    expect(compareText("# T\nA 0.51\nB\n", "# T\nA 0.52\nB\n")).toEqual({ type: "text", firstLine: 2, recorded: "A 0.51", replayed: "A 0.52" });
  });

  it("says when the recorded object cannot be read, and when an output is missing", () => {
    const a = canonicalJsonBytes({ x: 1 });
    const b = canonicalJsonBytes({ x: 2 });
    const c = compareOutput("m", record("models", a), record("models", b), () => { throw new Error("store object is corrupt"); }, () => b);
    expect(c).toMatchObject({ level: "recorded-unreadable", note: "store object is corrupt" });
    expect(compareOutput("m", record("models", a), undefined, () => a, () => a).level).toBe("missing-output");
  });
});
