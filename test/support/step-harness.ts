import * as arrow from "apache-arrow";
import { canonicalJsonBytes } from "../../artifacts/canonical-json.js";
import { sha256Hex } from "../../artifacts/digest.js";
import { decodeParquet, encodeParquet } from "../../artifacts/table.js";
import { DataError } from "../../dsl/errors.js";
import type { InputSpecs, StepContext, StepDefinition, StepInput, StepOutputValue } from "../../dsl/step.js";
import { decodeStepParams } from "../../dsl/study.js";
import { seededRandom } from "../../engine/random.js";

/** A value handed to a step under test: a table, raw bytes (a source file) or a JSON document. */
export type HarnessValue = arrow.Table | Uint8Array | string | object;

const toBytes = (v: HarnessValue): Uint8Array =>
  v instanceof arrow.Table ? encodeParquet(v) : v instanceof Uint8Array ? v : typeof v === "string" ? new TextEncoder().encode(v) : canonicalJsonBytes(v);

const toInput = (v: HarnessValue): StepInput => {
  const bytes = toBytes(v);
  return {
    digest: sha256Hex(bytes),
    bytes: () => bytes,
    table: () => decodeParquet(bytes),
    json: () => JSON.parse(new TextDecoder().decode(bytes)) as unknown,
    text: () => new TextDecoder().decode(bytes),
  };
};

/**
 * Runs one step definition in-process, the way the engine does (params decoded strictly, seeded context, inputs
 * round-tripped through their real codecs), for unit tests of step logic. Integration tests use the real engine.
 */
export const runStep = async <P, IS extends InputSpecs, O extends string>(
  definition: StepDefinition<P, IS, O>,
  inputs: { readonly [K in keyof IS]: HarnessValue | readonly HarnessValue[] },
  params: unknown,
  seed = 0,
): Promise<{ readonly [K in O]: StepOutputValue }> => {
  const where = { node: "test-node", step: definition.kind };
  const decoded = decodeStepParams(definition, params, where);
  const stepInputs: Record<string, StepInput | StepInput[]> = {};
  for (const [name, value] of Object.entries(inputs as Record<string, HarnessValue | HarnessValue[]>)) {
    stepInputs[name] = Array.isArray(value) ? value.map(toInput) : toInput(value as HarnessValue);
  }
  const ctx: StepContext = {
    nodeId: where.node,
    step: where.step,
    seed,
    random: (stream) => seededRandom(seed, stream),
    log: () => {},
    progress: () => {},
    fail: (field, problem) => {
      throw new DataError({ ...where, field, problem });
    },
  };
  return definition.run(stepInputs as never, decoded, ctx);
};
