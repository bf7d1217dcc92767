/**
 * Cache index entries: cache key -> the outputs a node produced. An entry is a small mutable file, so unlike an
 * object it cannot be checked by its name; instead it carries a checksum of its own content, and is served only
 * when it decodes, its checksum holds, and it matches the node asking for it (same key, step, output names and
 * kinds). Anything else (a flipped byte, a hand edit, an entry pointing at another node's objects) is reported and
 * recomputed, never trusted.
 *
 * The index also holds unit entries: for a step with units (dsl/step.ts), which unit of which node produced which
 * result object. Each is written the moment its unit finishes, so a killed run keeps the units it completed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Schema } from "effect";
import { canonicalJson } from "../artifacts/canonical-json.js";
import { digestOfJson, DigestSchema } from "../artifacts/digest.js";
import { LogicalDigestSchema } from "../artifacts/logical-digest.js";
import type { PlanNode } from "../dsl/plan.js";
import type { OutputRecord } from "./step-host.js";

export const INDEX_FORMAT = "strata-index/2";

const OutputRecordSchema = Schema.Struct({
  kind: Schema.String,
  digest: DigestSchema,
  logicalDigest: Schema.optional(LogicalDigestSchema),
});

const IndexEntrySchema = Schema.Struct({
  format: Schema.Literal(INDEX_FORMAT),
  key: DigestSchema,
  step: Schema.String,
  outputs: Schema.Record(Schema.String, OutputRecordSchema),
  /** sha256 of the canonical JSON of every other field. */
  check: DigestSchema,
});

type EntryBody = { readonly format: typeof INDEX_FORMAT; readonly key: string; readonly step: string; readonly outputs: { readonly [name: string]: OutputRecord } };

/** The entry's file content for a node that just produced `outputs`. */
export const encodeIndexEntry = (key: string, step: string, outputs: { readonly [name: string]: OutputRecord }): string => {
  const body: EntryBody = { format: INDEX_FORMAT, key, step, outputs };
  return canonicalJson({ ...body, check: digestOfJson(body) });
};

export const UNIT_FORMAT = "strata-unit/1";

const UnitEntrySchema = Schema.Struct({
  format: Schema.Literal(UNIT_FORMAT),
  key: DigestSchema,
  /** The cache key of the node the unit belongs to. */
  node: DigestSchema,
  index: Schema.Number,
  /** The unit's result: a canonical JSON object. */
  result: DigestSchema,
  check: DigestSchema,
});

type UnitBody = { readonly format: typeof UNIT_FORMAT; readonly key: string; readonly node: string; readonly index: number; readonly result: string };

/** The index key of unit `index` of the node with cache key `nodeKey`. */
export const unitKey = (nodeKey: string, index: number): string => digestOfJson({ format: UNIT_FORMAT, node: nodeKey, index });

/** The entry's file content for a unit that just stored its result. */
export const encodeUnitEntry = (nodeKey: string, index: number, result: string): string => {
  const body: UnitBody = { format: UNIT_FORMAT, key: unitKey(nodeKey, index), node: nodeKey, index, result };
  return canonicalJson({ ...body, check: digestOfJson(body) });
};

/** Decodes an entry of either format and checks its checksum; the body, or why it cannot be trusted. */
const decodeEntry = (raw: string): EntryBody | UnitBody | { readonly problem: string } => {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { problem: "it is not valid JSON" };
  }
  const format = (json as { format?: unknown } | null)?.format;
  const decoded = format === UNIT_FORMAT ? Schema.decodeUnknownExit(UnitEntrySchema)(json) : Schema.decodeUnknownExit(IndexEntrySchema)(json);
  if (decoded._tag === "Failure") {
    return { problem: format !== INDEX_FORMAT && format !== UNIT_FORMAT ? `it has format ${JSON.stringify(format)}, not ${INDEX_FORMAT}` : "it does not have the shape of a cache index entry" };
  }
  const { check, ...body } = decoded.value;
  if (digestOfJson(body) !== check) return { problem: "its content does not match its checksum (it was changed or damaged)" };
  return body as EntryBody | UnitBody;
};

/** The result object an entry records for unit `index` of the node with key `nodeKey`, or why it cannot be trusted. */
export const decodeUnitEntry = (raw: string, nodeKey: string, index: number): { readonly result: string } | { readonly problem: string } => {
  const body = decodeEntry(raw);
  if ("problem" in body) return body;
  if (body.format !== UNIT_FORMAT) return { problem: `it is a node entry, not a unit entry (${UNIT_FORMAT})` };
  if (body.node !== nodeKey || body.index !== index) return { problem: `it records unit ${body.index} of node key ${body.node}, not unit ${index} of ${nodeKey}` };
  return body;
};

/** The outputs an entry records for `node`, or why it cannot be trusted. */
export const decodeIndexEntry = (
  raw: string,
  key: string,
  node: PlanNode,
): { readonly outputs: { readonly [name: string]: OutputRecord } } | { readonly problem: string } => {
  const body = decodeEntry(raw);
  if ("problem" in body) return body;
  if (body.format !== INDEX_FORMAT) return { problem: `it is a unit entry, not a node entry (${INDEX_FORMAT})` };
  if (body.key !== key) return { problem: `it records key ${body.key}, not the key it is filed under` };
  if (body.step !== node.step) return { problem: `it was written by step ${body.step}, not ${node.step}` };
  const declared = Object.keys(node.outputs).sort();
  const recorded = Object.keys(body.outputs).sort();
  if (declared.join("\u0000") !== recorded.join("\u0000")) return { problem: `it records outputs ${recorded.join(", ")}, but the node declares ${declared.join(", ")}` };
  for (const name of declared) {
    if (body.outputs[name]!.kind !== node.outputs[name]) return { problem: `its output "${name}" is a ${body.outputs[name]!.kind}, but the node declares a ${node.outputs[name]}` };
  }
  return body;
};

/**
 * For `strata verify`, which has no plan: whether the entry file decodes, holds its checksum, is filed under its
 * own key, and names objects that are intact (`objectProblem` says why an object is not). undefined when sound.
 */
export const checkIndexEntryFile = (file: string, objectProblem: (digest: string) => string | undefined): string | undefined => {
  let raw: string;
  try {
    raw = fs.readFileSync(file, "utf8");
  } catch (e) {
    return `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
  const body = decodeEntry(raw);
  if ("problem" in body) return body.problem;
  if (path.basename(file) !== `${body.key}.json`) return `it records key ${body.key}, not the key it is filed under`;
  if (body.format === UNIT_FORMAT) {
    const problem = objectProblem(body.result);
    return problem ? `its unit result: ${problem}` : undefined;
  }
  for (const [name, o] of Object.entries(body.outputs)) {
    const problem = objectProblem(o.digest);
    if (problem) return `its output "${name}": ${problem}`;
  }
  return undefined;
};
