/**
 * The model weight encoding every model kind stores: one tensor per named weight, its shape, and its values as
 * base64 of little-endian float32. Plain code with no tfjs: logistic regression uses it without loading tfjs, and
 * the bytes of a stored model do not depend on which library trained it.
 */
import { Schema } from "effect";

/** One weight tensor: a stable name, its shape and its values as base64 of little-endian float32. */
export const EncodedWeightSchema = Schema.Struct({
  name: Schema.String,
  shape: Schema.Array(Schema.Number),
  data: Schema.String,
});
export type EncodedWeight = typeof EncodedWeightSchema.Type;

/** A trained model as stored in a model set: a plain topology its model kind defines and its weights, in order. */
export const encodedModelSchema = <T extends Schema.Top>(topology: T) => Schema.Struct({ topology, weights: Schema.Array(EncodedWeightSchema) });
export interface EncodedModel<T> {
  readonly topology: T;
  readonly weights: readonly EncodedWeight[];
}

/** The name and shape a model kind expects of one weight, in its fixed order. */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

export const encodeFloat32 = (values: ArrayLike<number>): string => {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return Buffer.from(view.buffer).toString("base64");
};

export const decodeFloat32 = (data: string): Float32Array => {
  const bytes = Buffer.from(data, "base64");
  if (bytes.length % 4 !== 0) throw new Error(`weight data of ${bytes.length} bytes is not a whole number of float32 values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
};

export const encodeWeight = (name: string, shape: readonly number[], values: ArrayLike<number>): EncodedWeight => {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== values.length) throw new Error(`weight ${name}: shape [${shape.join(", ")}] holds ${size} values, got ${values.length}`);
  return { name, shape: [...shape], data: encodeFloat32(values) };
};

/** The weights of an encoded model by name, checked against the expected names and shapes, in that order. */
export const decodeWeights = (model: EncodedModel<unknown>, expected: readonly WeightSpec[]): Float32Array[] => {
  if (model.weights.length !== expected.length) {
    throw new Error(`model has ${model.weights.length} weights, expected ${expected.length} (${expected.map((e) => e.name).join(", ")})`);
  }
  return expected.map((e, i) => {
    const w = model.weights[i]!;
    if (w.name !== e.name || w.shape.join(",") !== e.shape.join(",")) {
      throw new Error(`weight ${i}: expected ${e.name} [${e.shape.join(", ")}], got ${w.name} [${w.shape.join(", ")}]`);
    }
    const values = decodeFloat32(w.data);
    if (values.length !== e.shape.reduce((a, b) => a * b, 1)) throw new Error(`weight ${e.name}: data length does not match its shape`);
    return values;
  });
};
