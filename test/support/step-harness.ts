import * as arrow from "apache-arrow";
import { canonicalJsonBytes } from "../../artifacts/canonical-json.js";
import { sha256Hex } from "../../artifacts/digest.js";
import { decodeParquet, encodeParquet } from "../../artifacts/table.js";
import { DataError } from "../../dsl/errors.js";
import type { InputSpecs, StepContext, StepDefinition, StepInput, StepOutputValue } from "../../dsl/step.js";
import { decodeStepParams } from "../../dsl/study.js";
import { seededRandom } from "../../engine/random.js";
import { folderContent } from "../../engine/source-input.js";

/** A folder source handed to a step under test: its files by name (the engine's order, by name, is applied). */
export class HarnessFolder {
  constructor(readonly files: Readonly<Record<string, string | Uint8Array>>) {}
}

/** A value handed to a step under test: a table, raw bytes (a source file), a source folder or a JSON document. */
export type HarnessValue = arrow.Table | Uint8Array | HarnessFolder | string | object;

const toBytes = (v: HarnessValue): Uint8Array =>
  v instanceof arrow.Table ? encodeParquet(v) : v instanceof Uint8Array ? v : typeof v === "string" ? new TextEncoder().encode(v) : canonicalJsonBytes(v);

const readers = (bytes: Uint8Array) => ({
  digest: sha256Hex(bytes),
  bytes: () => bytes,
  table: () => decodeParquet(bytes),
  json: () => JSON.parse(new TextDecoder().decode(bytes)) as unknown,
  text: () => new TextDecoder().decode(bytes),
});

const notASource = (): never => {
  throw new Error("files() reads only source inputs");
};

/** Raw bytes are a single-file source named "file"; a HarnessFolder a folder source; anything else not a source. */
const toInput = (v: HarnessValue): StepInput => {
  if (v instanceof HarnessFolder) {
    const folder = folderContent(Object.entries(v.files).map(([name, f]) => ({ name, bytes: typeof f === "string" ? new TextEncoder().encode(f) : f })));
    return { ...readers(folder.bytes), folder: true, files: () => folder.files };
  }
  const bytes = toBytes(v);
  return { ...readers(bytes), folder: false, files: v instanceof Uint8Array ? () => [{ name: "file", bytes }] : notASource };
};

/**
 * Runs one step definition in-process, the way the engine does (params decoded strictly, seeded context, inputs
 * round-tripped through their real codecs), for unit tests of step logic. Integration tests use the real engine.
 */
export const runStep = async <P, IS extends InputSpecs, O extends string>(
  definition: StepDefinition<P, IS, O>,
  inputs: { readonly [K in keyof IS as IS[K] extends { readonly optional: unknown } ? never : K]: HarnessValue | readonly HarnessValue[] } & {
    readonly [K in keyof IS as IS[K] extends { readonly optional: unknown } ? K : never]?: HarnessValue;
  },
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
    fail: (field, problem, file) => {
      throw new DataError({ file, ...where, field, problem });
    },
  };
  return definition.run(stepInputs as never, decoded, ctx);
};
