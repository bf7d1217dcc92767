import { Schema } from "effect";
import { DigestSchema } from "./digest.js";

/**
 * The document of a "promotion" output: a step's verdict on whether a candidate model set should replace the
 * champion of a registry channel. Steps only decide; after every run the engine applies each promotion output to
 * the registry, whichever step made it. The fields below are what the engine reads; a step may add its own
 * (figures, per-group comparisons), which stay in the stored document and are ignored here.
 */
export const PROMOTION_DECISION_FORMAT = "strata-promotion-decision/1";

export const PromotionDecisionSchema = Schema.Struct({
  format: Schema.Literal(PROMOTION_DECISION_FORMAT),
  /** "<study>/<model>:<channel>". */
  channel: Schema.String,
  /** The candidate model set. */
  candidate: DigestSchema,
  /** The champion the decision was taken against, or null when the channel had none. */
  champion: Schema.NullOr(DigestSchema),
  promote: Schema.Boolean,
  /** One sentence for people: why the candidate is or is not promoted. */
  reason: Schema.String,
  /** What blocks the promotion (e.g. harmed subgroups); empty when promoted. */
  blockedBy: Schema.Array(Schema.String),
});
export type PromotionDecisionDocument = typeof PromotionDecisionSchema.Type;

/** Reads a stored promotion document; a document that is not one names the output and what is wrong with it. */
export const decodePromotionDecision = (bytes: Uint8Array, where: string): PromotionDecisionDocument => {
  const text = new TextDecoder().decode(bytes);
  try {
    return Schema.decodeUnknownSync(PromotionDecisionSchema)(JSON.parse(text));
  } catch (e) {
    throw new Error(`${where} is not a ${PROMOTION_DECISION_FORMAT} document, so its promotion cannot be applied: ${e instanceof Error ? e.message : String(e)}`);
  }
};
