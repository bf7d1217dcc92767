// The heart bias-modulation study's work with no engine: every node's step function is called in order, in this one
// thread, on in-memory values. No store, no hashing, no Parquet round trips between nodes, no worker threads, no
// cache, no manifest: what is left is the data preparation and the same trainings (same functions, same seeded
// streams) that the engine runs. bench/heart-bias-modulation.ts compares the engine's run with this one to give the
// engine's overhead as a ratio.
//
// Usage: node bin/run-ts.mjs bench/heart-bias-modulation-plain.ts [pipeline]
// Prints one JSON object: wall and CPU seconds in total and per node, and the digests the engine would give each
// output (computed after the timed part), so the caller can check the two runs computed the same bytes.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as arrow from "apache-arrow";
import { canonicalJsonBytes } from "../artifacts/canonical-json.js";
import { sha256Hex } from "../artifacts/digest.js";
import { encodeParquet } from "../artifacts/table.js";
import { artifactCodec } from "../dsl/handles.js";
import type { SourceFile, StepContext, StepDefinition, StepInput, StepOutputValue } from "../dsl/step.js";
import { type Study, decodeStepParams } from "../dsl/study.js";
import { seededRandom } from "../engine/random.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pipeline = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "pipelines/heart-bias-modulation.ts";

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** `file`: for a (single-file) source input, the file that files() returns. */
const inMemory = (value: StepOutputValue | Uint8Array, digest: string, file?: SourceFile): StepInput => ({
  digest,
  bytes: () => (value instanceof Uint8Array ? value : new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value))),
  table: () => {
    if (!(value instanceof arrow.Table)) throw new Error("not a table");
    return value;
  },
  json: () => value as unknown,
  text: () => (typeof value === "string" ? value : new TextDecoder().decode(value as Uint8Array)),
  folder: false,
  files: () => {
    if (file === undefined) throw new Error("not a source input");
    return [file];
  },
});

const definitionOf = async (moduleUrl: string, kind: string): Promise<StepDefinition> => {
  const mod = (await import(moduleUrl)) as Record<string, unknown>;
  const found = Object.values(mod).find((v): v is StepDefinition => typeof v === "object" && v !== null && (v as StepDefinition).kind === kind && "run" in v);
  if (found === undefined) throw new Error(`${moduleUrl} exports no step ${kind}`);
  return found;
};

const wall0 = performance.now();
const cpu0 = cpuSeconds();
const study = (await import(path.resolve(root, pipeline))).default as Study;
const values = new Map<string, StepOutputValue>();
const digests = new Map<string, string>();
let digestSeconds = 0;
let digestCpuSeconds = 0;
const nodes: { id: string; step: string; seconds: number; cpuSeconds: number }[] = [];
for (const node of study.nodes) {
  const definition = await definitionOf(node.moduleUrl, node.step);
  const params = decodeStepParams(definition, node.params, { node: node.id, step: node.step });
  const input = (ref: unknown): StepInput => {
    const r = ref as { source?: string; node?: string; output?: string };
    if (r.source !== undefined) {
      const bytes = new Uint8Array(fs.readFileSync(path.join(root, r.source)));
      return inMemory(bytes, sha256Hex(bytes), { name: path.posix.basename(r.source), bytes });
    }
    const key = `${r.node}/${r.output}`;
    return inMemory(values.get(key)!, digests.get(key)!);
  };
  const inputs = Object.fromEntries(Object.entries(node.inputs).map(([name, ref]) => [name, Array.isArray(ref) ? ref.map(input) : input(ref)]));
  const ctx: StepContext = {
    nodeId: node.id,
    step: node.step,
    seed: node.seed,
    random: (stream) => seededRandom(node.seed, stream),
    log: () => {},
    progress: () => {},
    fail: (field, problem) => {
      throw new Error(`${node.id}: ${field}: ${problem}`);
    },
  };
  const t0 = performance.now();
  const c0 = cpuSeconds();
  const out = (await definition.run(inputs as never, params, ctx)) as Record<string, StepOutputValue>;
  nodes.push({ id: node.id, step: node.step, seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSeconds() - c0 });
  process.stderr.write(`  plain ${node.id} ${nodes.at(-1)!.seconds.toFixed(2)}s\n`);
  // The digests the engine's store would give these outputs: later steps read their inputs' digests (reports show
  // them as provenance), and the caller compares them with the engine's. Timed apart and left out of the totals.
  const d0 = performance.now();
  const dc0 = cpuSeconds();
  for (const [name, value] of Object.entries(out)) {
    const codec = artifactCodec(node.outputs[name]!);
    const bytes = codec === "parquet" ? encodeParquet(value as arrow.Table) : codec === "text" ? new TextEncoder().encode(value as string) : canonicalJsonBytes(value);
    values.set(`${node.id}/${name}`, value);
    digests.set(`${node.id}/${name}`, sha256Hex(bytes));
  }
  digestSeconds += (performance.now() - d0) / 1000;
  digestCpuSeconds += cpuSeconds() - dc0;
}
const seconds = (performance.now() - wall0) / 1000 - digestSeconds;
const cpu = cpuSeconds() - cpu0 - digestCpuSeconds;
const byNode = Object.fromEntries(study.nodes.map((n) => [n.id, Object.fromEntries(Object.keys(n.outputs).map((o) => [o, digests.get(`${n.id}/${o}`)!]))]));
process.stdout.write(`${JSON.stringify({ pipeline, seconds, cpuSeconds: cpu, digestSeconds, digestCpuSeconds, nodes, digests: byNode })}\n`);
