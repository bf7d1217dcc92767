/**
 * The document a few-shot cell writes (format `strata-few-shot-cell/1`) and the summary reads: one held-out site,
 * shot count and seed; the support set drawn; the query set's labels; and every method's probabilities on the
 * query rows (null, with the reason, where a method is undefined for this support set).
 */
import { Schema } from "effect";

export const CELL_FORMAT = "strata-few-shot-cell/1";

export const MethodScoresSchema = Schema.Struct({
  method: Schema.String,
  probabilities: Schema.NullOr(Schema.Array(Schema.Number)),
  /** Why the probabilities are null. */
  undefinedBecause: Schema.optionalKey(Schema.String),
});

export const CellDocumentSchema = Schema.Struct({
  format: Schema.Literal(CELL_FORMAT),
  site: Schema.String,
  shots: Schema.Number,
  seed: Schema.Number,
  support: Schema.Struct({ size: Schema.Number, positives: Schema.Number, available: Schema.Number, capped: Schema.Boolean }),
  query: Schema.Struct({ labels: Schema.Array(Schema.Number) }),
  methods: Schema.Array(MethodScoresSchema),
});
export type CellDocument = typeof CellDocumentSchema.Type;
export type MethodScores = typeof MethodScoresSchema.Type;
