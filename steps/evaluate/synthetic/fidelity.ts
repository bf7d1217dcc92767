/**
 * The fidelity part of evaluate.synthetic: every column's shape score and every pair's trend score, on all rows
 * and on each level of the subgroup column with at least minCell real and minCell synthetic rows (smaller levels
 * are listed as suppressed, unscored). The summary scores are means of the non-null scores, as SDMetrics'
 * QualityReport averages its properties.
 */
import { binCodes, contingencySimilarity, correlationSimilarity, histogramEdges } from "./column-pairs.js";
import { ksComplement, tvComplement } from "./column-shapes.js";
import type { ColumnScore, LevelScore, PairScore, SyntheticEvaluation } from "./document.js";
import { type ColumnSpec, type EncodedTable, takeEncodedRows } from "./encoded-tables.js";

interface Scored {
  readonly columns: readonly { readonly score: number | null }[];
  readonly pairs: readonly { readonly score: number | null; readonly real?: number | null; readonly synthetic?: number | null }[];
}

const columnScores = (specs: readonly ColumnSpec[], real: EncodedTable, synthetic: EncodedTable) =>
  specs.map((spec, c) => ({
    score:
      spec.kind === "numeric"
        ? ksComplement(real.cells[c] as Float64Array, synthetic.cells[c] as Float64Array)
        : tvComplement(real.cells[c] as Int32Array, synthetic.cells[c] as Int32Array, spec.levels.length),
  }));

/** A pair's two columns as codes for ContingencySimilarity: categorical codes, numeric ones binned on the real rows. */
const asCodes = (spec: ColumnSpec, real: Float64Array | Int32Array, synthetic: Float64Array | Int32Array) => {
  if (spec.kind === "categorical") return { real: real as Int32Array, synthetic: synthetic as Int32Array, levels: spec.levels.length };
  const edges = histogramEdges(real as Float64Array);
  return { real: binCodes(real as Float64Array, edges), synthetic: binCodes(synthetic as Float64Array, edges), levels: 12 };
};

/** Column index pairs (a < b) in column order. */
export const columnPairs = (width: number): (readonly [number, number])[] => {
  const out: (readonly [number, number])[] = [];
  for (let a = 0; a < width; a++) for (let b = a + 1; b < width; b++) out.push([a, b]);
  return out;
};

const pairScores = (specs: readonly ColumnSpec[], real: EncodedTable, synthetic: EncodedTable) => {
  // Each column's codes are made once (numeric columns binned once), not once per pair.
  const codes = new Map<number, ReturnType<typeof asCodes>>();
  const codesOf = (c: number) => {
    if (!codes.has(c)) codes.set(c, asCodes(specs[c]!, real.cells[c]!, synthetic.cells[c]!));
    return codes.get(c)!;
  };
  return columnPairs(specs.length).map(([a, b]) => {
    if (specs[a]!.kind === "numeric" && specs[b]!.kind === "numeric") {
      return correlationSimilarity(real.cells[a] as Float64Array, real.cells[b] as Float64Array, synthetic.cells[a] as Float64Array, synthetic.cells[b] as Float64Array);
    }
    const x = codesOf(a);
    const y = codesOf(b);
    return { score: contingencySimilarity(x.real, y.real, x.synthetic, y.synthetic, x.levels, y.levels) };
  });
};

const scoreAll = (specs: readonly ColumnSpec[], real: EncodedTable, synthetic: EncodedTable): Scored => ({
  columns: columnScores(specs, real, synthetic),
  pairs: pairScores(specs, real, synthetic),
});

const meanOf = (scores: readonly { readonly score: number | null }[]): number | null => {
  let sum = 0;
  let n = 0;
  for (const s of scores) {
    if (s.score === null) continue;
    sum += s.score;
    n++;
  }
  return n === 0 ? null : sum / n;
};

/** The rows of each subgroup level, levels in code order (a counting sort of the row numbers). */
const rowsByLevel = (codes: Int32Array, levels: number): Int32Array[] => {
  const counts = new Int32Array(levels);
  for (const c of codes) if (c >= 0) counts[c]!++;
  const buckets = Array.from(counts, (n) => new Int32Array(n));
  const filled = new Int32Array(levels);
  for (let r = 0; r < codes.length; r++) {
    const c = codes[r]!;
    if (c >= 0) buckets[c]![filled[c]!++] = r;
  }
  return buckets;
};

export const fidelity = (
  specs: readonly ColumnSpec[],
  real: EncodedTable,
  synthetic: EncodedTable,
  subgroup: { readonly spec: ColumnSpec; readonly real: Int32Array; readonly synthetic: Int32Array } | undefined,
  minCell: number,
): Pick<SyntheticEvaluation, "columns" | "pairs" | "summary"> => {
  const overall = scoreAll(specs, real, synthetic);
  const pairIndex = columnPairs(specs.length);
  const levels = subgroup === undefined ? [] : subgroup.spec.levels;
  const realRows = subgroup === undefined ? [] : rowsByLevel(subgroup.real, levels.length);
  const synRows = subgroup === undefined ? [] : rowsByLevel(subgroup.synthetic, levels.length);
  const byLevel = levels.map((level, l) => {
    const suppressed = realRows[l]!.length < minCell || synRows[l]!.length < minCell;
    const scored = suppressed ? undefined : scoreAll(specs, takeEncodedRows(real, realRows[l]!), takeEncodedRows(synthetic, synRows[l]!));
    return { level, realN: realRows[l]!.length, syntheticN: synRows[l]!.length, suppressed, scored };
  });
  // The subgroup column is constant within a level: its own scores there would say nothing.
  const skip = (c: number) => subgroup !== undefined && specs[c]!.name === subgroup.spec.name;
  const levelScores = (pick: (s: Scored) => number | null, shown: boolean): LevelScore[] =>
    shown ? byLevel.map((b) => ({ level: b.level, suppressed: b.suppressed, score: b.scored === undefined ? null : pick(b.scored) })) : [];
  const columns: ColumnScore[] = specs.map((spec, c) => ({
    column: spec.name,
    metric: spec.kind === "numeric" ? "KSComplement" : "TVComplement",
    score: overall.columns[c]!.score,
    bySubgroup: levelScores((s) => s.columns[c]!.score, !skip(c)),
  }));
  const pairs: PairScore[] = pairIndex.map(([a, b], p) => {
    const numericPair = specs[a]!.kind === "numeric" && specs[b]!.kind === "numeric";
    const result = overall.pairs[p]!;
    return {
      columns: [specs[a]!.name, specs[b]!.name] as const,
      metric: numericPair ? "CorrelationSimilarity" : "ContingencySimilarity",
      binned: numericPair ? [] : [a, b].filter((c) => specs[c]!.kind === "numeric").map((c) => specs[c]!.name),
      score: result.score,
      ...(numericPair ? { real: result.real ?? null, synthetic: result.synthetic ?? null } : {}),
      bySubgroup: levelScores((s) => s.pairs[p]!.score, !skip(a) && !skip(b)),
    };
  });
  return {
    columns,
    pairs,
    summary: {
      overall: { columnShapes: meanOf(overall.columns), columnPairTrends: meanOf(overall.pairs) },
      bySubgroup: byLevel.map((b) => ({
        level: b.level,
        realN: b.realN,
        syntheticN: b.syntheticN,
        suppressed: b.suppressed,
        columnShapes: b.scored === undefined ? null : meanOf(b.scored.columns.filter((_, c) => !skip(c))),
        columnPairTrends: b.scored === undefined ? null : meanOf(b.scored.pairs.filter((_, p) => !skip(pairIndex[p]![0]) && !skip(pairIndex[p]![1]))),
      })),
    },
  };
};
