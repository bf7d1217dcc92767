/**
 * evaluate.synthetic's params and the document it writes (format strata-synth-evaluation/1), an effect/Schema so
 * a reader (report.synthetic) decodes it rather than trusting its shape. Scores are in [0, 1], higher = more
 * alike; null where the metric is undefined (see column-shapes.ts, column-pairs.ts) or the cell is suppressed.
 */
import { Effect, Schema } from "effect";

export const SYNTH_EVALUATION_FORMAT = "strata-synth-evaluation/1";

const ColumnList = Schema.Array(Schema.String.check(Schema.isMinLength(1))).check(Schema.isUnique({ message: "a column is listed twice" }));

export const SyntheticEvaluationParams = Schema.Struct({
  /** The columns compared (fidelity and privacy distances). */
  columns: ColumnList.check(Schema.isMinLength(1)),
  /** Numeric columns to score as categories (TVComplement, contingency), e.g. integer codes. */
  categorical: ColumnList.pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  /** A column whose levels are also scored one by one. */
  subgroup: Schema.optional(Schema.String),
  /** A subgroup level with fewer real or synthetic rows than this is not scored (suppressed); also the rare-combination cut. */
  minCell: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(10))),
  /** Privacy distances use at most this many rows of each table (a seeded sample beyond it). */
  maxRows: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 2, maximum: 100_000 })).pipe(Schema.withDecodingDefaultKey(Effect.succeed(5000))),
  /** Columns whose value combinations could identify a person (rare-combination disclosure); none by default. */
  quasiIdentifiers: ColumnList.pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
});
export type SyntheticEvaluationParams = typeof SyntheticEvaluationParams.Type;

const Score = Schema.NullOr(Schema.Number);

const LevelScore = Schema.Struct({ level: Schema.String, score: Score, suppressed: Schema.Boolean });

const ColumnScore = Schema.Struct({
  column: Schema.String,
  metric: Schema.Literals(["KSComplement", "TVComplement"]),
  score: Score,
  bySubgroup: Schema.Array(LevelScore),
});

const PairScore = Schema.Struct({
  columns: Schema.Tuple([Schema.String, Schema.String]),
  metric: Schema.Literals(["CorrelationSimilarity", "ContingencySimilarity"]),
  /** Numeric columns binned into ten bins for ContingencySimilarity. */
  binned: Schema.Array(Schema.String),
  score: Score,
  /** CorrelationSimilarity: Pearson's r in the real and in the synthetic rows. */
  real: Schema.optional(Score),
  synthetic: Schema.optional(Score),
  bySubgroup: Schema.Array(LevelScore),
});

const Summary = Schema.Struct({ columnShapes: Score, columnPairTrends: Score });

const LevelSummary = Schema.Struct({
  level: Schema.String,
  realN: Schema.Number,
  syntheticN: Schema.Number,
  suppressed: Schema.Boolean,
  columnShapes: Score,
  columnPairTrends: Score,
});

const Privacy = Schema.Struct({
  columns: Schema.Array(Schema.String),
  rowsCompared: Schema.Struct({ real: Schema.Number, synthetic: Schema.Number, holdout: Schema.Number }),
  sampled: Schema.Boolean,
  dcr: Schema.Struct({ medianSyntheticToTrain: Score, medianHoldoutToTrain: Score, medianSyntheticToHoldout: Score, baselineRatio: Score }),
  overfittingProtection: Schema.Struct({ score: Score, closerToTraining: Score }),
  nndr: Schema.Struct({ median: Score }),
  exactCopyRate: Score,
  holdoutExactCopyRate: Score,
  membershipInferenceAuc: Score,
  rareCombinations: Schema.Struct({ quasiIdentifiers: Schema.Array(Schema.String), rare: Schema.Number, reproduced: Schema.Number, rate: Score }),
  flags: Schema.Array(Schema.String),
});

export const SyntheticEvaluationSchema = Schema.Struct({
  format: Schema.Literal(SYNTH_EVALUATION_FORMAT),
  rows: Schema.Struct({ real: Schema.Number, synthetic: Schema.Number, holdout: Schema.Number }),
  subgroup: Schema.NullOr(Schema.String),
  minCell: Schema.Number,
  columns: Schema.Array(ColumnScore),
  pairs: Schema.Array(PairScore),
  summary: Schema.Struct({ overall: Summary, bySubgroup: Schema.Array(LevelSummary) }),
  privacy: Privacy,
});
export type SyntheticEvaluation = typeof SyntheticEvaluationSchema.Type;
export type ColumnScore = typeof ColumnScore.Type;
export type PairScore = typeof PairScore.Type;
export type LevelScore = typeof LevelScore.Type;

/** Decodes a stored evaluation (a report reads it this way); a wrong shape throws a message naming the field. */
export const decodeSyntheticEvaluation = Schema.decodeUnknownSync(SyntheticEvaluationSchema);
