/**
 * The training engines of the MLP family (train.mlp, train.dcp, train.conditional-bias), one registry of names:
 *
 * - "kernels" (the default): fast-mlp/, fused training steps on Strata's own WebAssembly SIMD kernels. float32
 *   with one fixed summation order and no relaxed or fused operations, so its bytes are the same on every machine.
 * - "tfjs": the tfjs wasm backend (mlp-toolkit.ts, conditional-bias.ts), the reference the kernels are tested
 *   against. Same initial weights, batches and dropout masks; results agree to float32 rounding, not bit for bit.
 *
 * A model set records the engine that trained it, and predictions from a stored set use the same engine, so a
 * stored model reproduces its trainer's test predictions exactly. Sets written before the field existed were
 * trained by tfjs.
 */
import { Effect, Schema } from "effect";

export const TrainingEngineSchema = Schema.Literals(["kernels", "tfjs"]);
export type TrainingEngine = typeof TrainingEngineSchema.Type;

/** The step parameter choosing the engine. */
export const trainingEngineField = {
  engine: TrainingEngineSchema.pipe(Schema.withDecodingDefaultKey(Effect.succeed("kernels" as const))),
};

/** The engine that trained a stored set (tfjs when the set predates the field). */
export const engineOf = (set: { readonly engine?: TrainingEngine }): TrainingEngine => set.engine ?? "tfjs";
