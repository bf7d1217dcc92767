/**
 * The method-specific fields of a VAE generator document (method "vae" of `strata-synth-generator/1`, assembled in
 * steps/synth/generator-document.ts): how each column was encoded, the network's shape, the training options and
 * the trained parameters as one flat number array (layout of ./architecture.ts). Like every generator document it
 * holds figures of the real table (each numeric column's mean, sd, min and max, every level), so it is as
 * sensitive as the data.
 */
import { Schema } from "effect";

const Count = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0));
const Positive = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1));

const VaeNumericColumn = Schema.Struct({
  name: Schema.String,
  kind: Schema.Literal("numeric"),
  mean: Schema.Number,
  sd: Schema.Number.check(Schema.isGreaterThan(0)),
  min: Schema.Number,
  max: Schema.Number,
  /** Every observed value was whole: sampled values are rounded. */
  integer: Schema.Boolean,
  /** The column had missing cells: a [present, missing] softmax block follows its value. */
  missing: Schema.Boolean,
});

const VaeCategoricalColumn = Schema.Struct({
  name: Schema.String,
  kind: Schema.Literal("categorical"),
  /** The levels (strings in code-unit order, false before true, numbers ascending); a missing level, when `missing`, comes last. */
  levels: Schema.Union([Schema.Array(Schema.String), Schema.Array(Schema.Boolean), Schema.Array(Schema.Number)]),
  missing: Schema.Boolean,
});

export const VaeColumnDocument = Schema.Union([VaeNumericColumn, VaeCategoricalColumn]);
export type VaeColumnDocument = typeof VaeColumnDocument.Type;

export const VaeGeneratorFields = {
  method: Schema.Literal("vae"),
  rows: Count,
  /** Conditioned fits: the condition's levels in code-unit order, with their fitted rows. */
  levels: Schema.optionalKey(Schema.Array(Schema.Struct({ level: Schema.String, rows: Count })).check(Schema.isMinLength(2))),
  /** One per fitted column but the condition, in table order. */
  encoding: Schema.Array(VaeColumnDocument).check(Schema.isMinLength(1)),
  network: Schema.Struct({ encoderHidden: Schema.Array(Positive), latent: Positive, decoderHidden: Schema.Array(Positive) }),
  /** The options trained with; finalLoss: the last epoch's mean loss per row (absent after 0 epochs). */
  training: Schema.Struct({ epochs: Count, batchSize: Positive, lr: Schema.Number, l2: Schema.Number, lossFactor: Schema.Number, finalLoss: Schema.optionalKey(Schema.Number) }),
  params: Schema.Array(Schema.Number),
};
