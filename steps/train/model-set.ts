/**
 * The model-set document ("strata-models/1"), the one contract between the train steps that write it and every
 * reader (the promotion gate, `strata models promote`, tests): per model kind, the schema of what a set holds.
 * A set has one entry per replicate of its split, in replicate order; each entry carries the preprocessing fitted
 * on that replicate's train rows (recipe.ts: `recipe` when it has transforms, and the `standardizer`) and the
 * encoded model(s) (weights.ts). Decoupled sets (dcp) hold one model per
 * subgroup per replicate; conditional-bias sets one model per replicate that was told the subgroups in training.
 *
 * Adding a model kind: add its set schema to MODEL_SET_SCHEMAS; tsc then asks for its predictor in
 * predict-model-set.ts.
 */
import { Schema } from "effect";
import type { JsonValue } from "../../dsl/step.js";
import { TrainingEngineSchema } from "./training-engine.js";
import { storedPreprocessingFields } from "./recipe.js";
import { encodedModelSchema } from "./weights.js";

export const MODEL_SET_FORMAT = "strata-models/1";

const BatchNormSchema = Schema.Struct({ momentum: Schema.Number, epsilon: Schema.Number });

export const LogisticTopologySchema = Schema.Struct({
  type: Schema.Literal("logistic-regression"),
  features: Schema.Array(Schema.String),
});
export type LogisticTopology = typeof LogisticTopologySchema.Type;

export const MlpTopologySchema = Schema.Struct({
  type: Schema.Literal("mlp"),
  features: Schema.Array(Schema.String),
  layers: Schema.Array(Schema.Number),
  dropout: Schema.Number,
  batchNorm: BatchNormSchema,
  output: Schema.Literal("sigmoid"),
});
export type MlpTopology = typeof MlpTopologySchema.Type;

const PredictorShapeSchema = Schema.Struct({ layers: Schema.Array(Schema.Number), dropout: Schema.Number });

export const ConditionalBiasTopologySchema = Schema.Struct({
  type: Schema.Literal("conditional-bias"),
  features: Schema.Array(Schema.String),
  /** The attribute predictor's classes, in softmax order. */
  groups: Schema.Array(Schema.String),
  k: Schema.Number,
  batchNorm: BatchNormSchema,
  attribute: PredictorShapeSchema,
  label: PredictorShapeSchema,
  /** Where the embeddings come from and where the bias vectors go (see conditional-bias.ts). */
  embeddings: Schema.Literal("attribute-last-k-blocks-after-relu"),
  bias: Schema.Literal("label-last-k-blocks-after-batchnorm-before-relu"),
  output: Schema.Literal("sigmoid"),
});
export type ConditionalBiasTopology = typeof ConditionalBiasTopologySchema.Type;

/** How one early-stopped training run ended: epochs run, the kept epoch and its valid loss (null without valid rows). */
export const TrainingRecordSchema = Schema.Struct({
  epochsRun: Schema.Number,
  bestEpoch: Schema.Number,
  validLoss: Schema.NullOr(Schema.Number),
});
export type TrainingRecord = typeof TrainingRecordSchema.Type;

export const ConditionalBiasTrainingSchema = Schema.Struct({
  attribute: Schema.Struct({
    ...TrainingRecordSchema.fields,
    validAccuracy: Schema.NullOr(Schema.Number),
    testAccuracy: Schema.NullOr(Schema.Number),
  }),
  label: TrainingRecordSchema,
});
export type ConditionalBiasTraining = typeof ConditionalBiasTrainingSchema.Type;

const replicateFields = { replicate: Schema.Number, seed: Schema.Number, fold: Schema.Number };
const Replicates = <S extends Schema.Top>(entry: S) => Schema.Array(entry).check(Schema.isMinLength(1));
/** Sets of the MLP family name the engine that trained them (training-engine.ts); absent in sets trained by tfjs before. */
const engineField = { engine: Schema.optionalKey(TrainingEngineSchema) };
/** Sets whose models depend on a subgroup column: its name and the subgroups seen in training, in code-unit order. */
const subgroupFields = { subgroup: Schema.String, groups: Schema.Array(Schema.String) };

const LogisticRegressionSetSchema = Schema.Struct({
  format: Schema.Literal(MODEL_SET_FORMAT),
  model: Schema.Literal("logistic-regression"),
  replicates: Replicates(Schema.Struct({ ...replicateFields, ...storedPreprocessingFields, model: encodedModelSchema(LogisticTopologySchema) })),
});

const MlpSetSchema = Schema.Struct({
  format: Schema.Literal(MODEL_SET_FORMAT),
  model: Schema.Literal("mlp"),
  ...engineField,
  replicates: Replicates(
    Schema.Struct({ ...replicateFields, ...storedPreprocessingFields, model: encodedModelSchema(MlpTopologySchema), training: TrainingRecordSchema }),
  ),
});

/** One DCP subgroup model: trained on the subgroup's train rows only (counts recorded), its preprocessing fitted on them. */
const DcpGroupModelSchema = Schema.Struct({
  group: Schema.String,
  trainRows: Schema.Number,
  validRows: Schema.Number,
  ...storedPreprocessingFields,
  model: encodedModelSchema(MlpTopologySchema),
  training: TrainingRecordSchema,
});
export type DcpGroupModel = typeof DcpGroupModelSchema.Type;

const DcpSetSchema = Schema.Struct({
  format: Schema.Literal(MODEL_SET_FORMAT),
  model: Schema.Literal("dcp"),
  ...engineField,
  ...subgroupFields,
  replicates: Replicates(Schema.Struct({ ...replicateFields, groups: Schema.Array(DcpGroupModelSchema).check(Schema.isMinLength(1)) })),
});

const ConditionalBiasSetSchema = Schema.Struct({
  format: Schema.Literal(MODEL_SET_FORMAT),
  model: Schema.Literal("conditional-bias"),
  ...engineField,
  ...subgroupFields,
  replicates: Replicates(
    Schema.Struct({
      ...replicateFields,
      ...storedPreprocessingFields,
      model: encodedModelSchema(ConditionalBiasTopologySchema),
      training: ConditionalBiasTrainingSchema,
    }),
  ),
});

/** Every model kind and the schema of its set. */
export const MODEL_SET_SCHEMAS = {
  "logistic-regression": LogisticRegressionSetSchema,
  mlp: MlpSetSchema,
  dcp: DcpSetSchema,
  "conditional-bias": ConditionalBiasSetSchema,
} as const;

export type ModelKind = keyof typeof MODEL_SET_SCHEMAS;
export type ModelSetOf<K extends ModelKind> = (typeof MODEL_SET_SCHEMAS)[K]["Type"];
export type ModelSet = ModelSetOf<ModelKind>;
export type ReplicateOf<K extends ModelKind> = ModelSetOf<K>["replicates"][number];

const ModelSetSchema = Schema.Union(Object.values(MODEL_SET_SCHEMAS));

const isModelKind = (kind: unknown): kind is ModelKind => typeof kind === "string" && Object.hasOwn(MODEL_SET_SCHEMAS, kind);

/** The model-set document a train step writes as its "models" output (checked against its kind's schema). */
export const encodeModelSet = (set: ModelSet): JsonValue => Schema.encodeSync(ModelSetSchema)(set);

export type ModelSetDecoding = { readonly ok: true; readonly set: ModelSet } | { readonly ok: false; readonly problem: string };

/** Turns effect/Schema's "Expected X\n  at ["a"][0]" into "at replicates[0].model: Expected X". */
const schemaProblem = (e: unknown): string => {
  const lines = (e instanceof Error ? e.message : String(e)).split("\n");
  const at = lines.find((l) => l.trim().startsWith("at "));
  const path = at === undefined ? "" : at.trim().slice(3).replace(/\["([^"]+)"\]/g, ".$1").replace(/^\./, "");
  const problem = lines.filter((l) => !l.trim().startsWith("at ")).join("; ");
  return path === "" ? problem : `at ${path}: ${problem}`;
};

/**
 * Reads a parsed JSON document as a model set: the format, then the model kind, then the kind's schema. Every
 * reader of a "models" artifact goes through this; `problem` says why a document is not a model set.
 */
export const decodeModelSet = (doc: unknown): ModelSetDecoding => {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return { ok: false, problem: `it is not a model set (a JSON object with format ${MODEL_SET_FORMAT})` };
  const { format, model } = doc as { format?: unknown; model?: unknown };
  if (format !== MODEL_SET_FORMAT) return { ok: false, problem: `it is not a model set: its format is ${JSON.stringify(format ?? null)}, expected ${JSON.stringify(MODEL_SET_FORMAT)}` };
  if (!isModelKind(model)) {
    return { ok: false, problem: `it holds ${JSON.stringify(model ?? null)} models, which Strata does not know; the model kinds are ${Object.keys(MODEL_SET_SCHEMAS).join(", ")}` };
  }
  try {
    return { ok: true, set: Schema.decodeUnknownSync(MODEL_SET_SCHEMAS[model])(doc) };
  } catch (e) {
    return { ok: false, problem: `it is not a valid ${model} model set (${schemaProblem(e)})` };
  }
};
