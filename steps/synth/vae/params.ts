/** synth.fit's params for method "vae" beside the common ones, each defaulting to ./defaults.ts. */
import { Effect, Schema } from "effect";
import { VAE_DEFAULTS } from "./defaults.js";

const Whole = (minimum: number) => Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(minimum));
const NonNegative = Schema.Number.check(Schema.isFinite(), Schema.isGreaterThanOrEqualTo(0));
const withDefault = <S extends Schema.Top & { readonly Type: unknown }>(schema: S, value: S["Type"]) => schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)));

export const VaeParamFields = {
  epochs: withDefault(Whole(0), VAE_DEFAULTS.epochs),
  batchSize: withDefault(Whole(1), VAE_DEFAULTS.batchSize),
  lr: withDefault(Schema.Number.check(Schema.isFinite(), Schema.isGreaterThan(0)), VAE_DEFAULTS.lr),
  l2: withDefault(NonNegative, VAE_DEFAULTS.l2),
  lossFactor: withDefault(Schema.Number.check(Schema.isFinite(), Schema.isGreaterThan(0)), VAE_DEFAULTS.lossFactor),
  encoderHidden: withDefault(Schema.Array(Whole(1)), VAE_DEFAULTS.encoderHidden),
  latent: withDefault(Whole(1), VAE_DEFAULTS.latent),
  decoderHidden: withDefault(Schema.Array(Whole(1)), VAE_DEFAULTS.decoderHidden),
  /** Float or int columns to model by their levels (coded categories), not as Gaussian values. */
  categorical: Schema.optionalKey(Schema.Array(Schema.String).check(Schema.isUnique({ message: "a column is listed twice" }))),
};

/** What a study may write for a VAE fit (every field optional); K: the table's column names. */
export type VaeParamsInput<K extends string> = Partial<{ -readonly [P in keyof typeof VAE_DEFAULTS]: (typeof VAE_DEFAULTS)[P] }> & { readonly categorical?: readonly K[] };
