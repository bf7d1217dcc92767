/**
 * Studies written in YAML, for authors who do not write TypeScript. The format, `strata-plan/1` with less to write:
 *
 *   study: heart-disease          # the study's name
 *   seed: 0                       # optional: every node's seed unless it sets its own (default 0)
 *   deviations:                   # optional: departures from the protocol the Methods sections print
 *     - { node: train, param: layers, protocol: "50 × 64", reason: "..." }
 *   notes: [ "..." ]              # optional: paragraphs for the Methods sections
 *   nodes:                        # in order: a node reads only from nodes above it
 *     - id: ingest
 *       step: ingest.csv          # a built-in step kind (steps/registry.ts)
 *       inputs:
 *         file: { source: data/heart/x.csv }      # a file or folder under the project root
 *       params: { columns: [...] }                # checked by the step's own schema, as in TypeScript
 *     - id: encode
 *       step: preprocess.ordinal-encode
 *       inputs: { table: ingest.table }           # "<node id>.<output>"; a list slot takes a list of them
 *       seed: 7                                   # optional
 *
 * An input may also be a registry channel, `{ channel: "<study>/<model>:<channel>", candidate: <slot> }`. A list
 * keeps the plan's node order explicit (a map keyed by id would make it implicit). Each node is added through
 * addNode with the step's own definition, so the plan is the one the TypeScript builders make; params a builder
 * derives from the study (RegisteredStep.derivedParams) are derived here too and not written. Every mistake is a
 * PipelineError naming the file, line and column, node and field.
 */
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, visit, type YAMLMap } from "yaml";
import { PipelineError } from "../dsl/errors.js";
import type { Handle, HandleKind } from "../dsl/handles.js";
import { isNodeInput, type PlanInput, type PlanInputRef, type StudyPlan } from "../dsl/plan.js";
import type { RegisteredStep, StepRegistry } from "../dsl/registered-step.js";
import type { JsonValue } from "../dsl/step.js";
import { addNode, type Deviation, type InputHandles, type Study, study, StudyGraph } from "../dsl/study.js";

const STUDY_KEYS = ["study", "seed", "deviations", "notes", "nodes"];
const DEVIATION_KEYS = ["node", "param", "protocol", "reason"];
const NODE_KEYS = ["id", "step", "inputs", "params", "seed"];

type InputHandle = Parameters<typeof addNode>[2][string];

/** The parsed file with what every error needs: where a YAML node sits. */
class YamlSource {
  private readonly lines = new LineCounter();
  readonly document;

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    this.document = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
  }

  at(offset: number): string {
    const { line, col } = this.lines.linePos(offset);
    return `line ${line}, column ${col}`;
  }

  fail(where: YamlNode | undefined | null, location: { node?: string; step?: string; field?: string }, problem: string): never {
    const offset = where?.range?.[0] ?? 0;
    throw new PipelineError({ file: this.file, ...location, problem: `${this.at(offset)}: ${problem}` });
  }
}

const keyOf = (pair: { key: unknown }): string => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key));

/** The YAML node under `key` of a map, or undefined. */
const child = (map: YAMLMap, key: string): YamlNode | undefined => map.get(key, true) as YamlNode | undefined;

const rejectUnknownKeys = (source: YamlSource, map: YAMLMap, allowed: readonly string[], location: { node?: string; step?: string }, what: string): void => {
  for (const pair of map.items) {
    const key = keyOf(pair);
    if (!allowed.includes(key)) source.fail(pair.key as YamlNode, { ...location, field: key }, `unknown field "${key}" in ${what}; expected ${allowed.join(", ")}`);
  }
};

/**
 * The YAML node a PipelineError's field names ("params.columns[0].type", "inputs.table[1]"), or the deepest part of
 * that path the file has (a missing param points at its node's `params`).
 */
const nodeAtField = (entry: YAMLMap, field: string | undefined): YamlNode => {
  let at: YamlNode = entry;
  if (field === undefined) return at;
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    const next: unknown = m[2] !== undefined ? (isSeq(at) ? at.get(Number(m[2]), true) : undefined) : isMap(at) ? at.get(m[1]!, true) : undefined;
    if (next === undefined || next === null) break;
    at = next as YamlNode;
  }
  return at;
};

const scalarString = (source: YamlSource, node: YamlNode | undefined, parent: YamlNode, location: { node?: string; step?: string; field: string }): string => {
  if (node === undefined) source.fail(parent, location, `missing field "${location.field}"`);
  if (!isScalar(node) || typeof node.value !== "string" || node.value === "") source.fail(node, location, `expected a non-empty text`);
  return node.value;
};

const integer = (source: YamlSource, node: YamlNode, location: { node?: string; step?: string; field: string }): number => {
  if (!isScalar(node) || typeof node.value !== "number" || !Number.isSafeInteger(node.value) || node.value < 0) source.fail(node, location, "expected a non-negative integer");
  return node.value;
};

/** One input reference: "<node>.<output>", { source }, or { channel, candidate }. */
const inputHandle = (source: YamlSource, graph: StudyGraph, value: YamlNode, location: { node: string; step: string; field: string }): { handle: InputHandle; ref: PlanInputRef } => {
  if (isScalar(value) && typeof value.value === "string") {
    const text = value.value;
    const dot = text.lastIndexOf(".");
    if (dot <= 0 || dot === text.length - 1) source.fail(value, location, `expected "<node id>.<output>", e.g. "raw.table" for the output table of node raw, got ${JSON.stringify(text)}`);
    const nodeId = text.slice(0, dot);
    const output = text.slice(dot + 1);
    const from = graph.nodes.find((n) => n.id === nodeId);
    if (from === undefined) {
      const earlier = graph.nodes.map((n) => n.id);
      source.fail(value, location, `no node above this one has id "${nodeId}"${earlier.length > 0 ? `; the nodes above are ${earlier.join(", ")}` : ""} (a node reads only from nodes declared before it)`);
    }
    const kind: HandleKind | undefined = from.outputs[output];
    if (kind === undefined) source.fail(value, location, `node "${nodeId}" (${from.step}) has no output "${output}"; its outputs are ${Object.keys(from.outputs).join(", ")}`);
    const ref = { node: nodeId, output };
    return { handle: { kind, ref, study: graph } as Handle, ref };
  }
  if (isMap(value)) {
    const js = value.toJSON() as Record<string, unknown>;
    const keys = Object.keys(js).sort().join(",");
    if (keys === "source" && typeof js["source"] === "string") return { handle: { kind: "source", path: js["source"] }, ref: { source: js["source"] } };
    if (keys === "candidate,channel" && typeof js["channel"] === "string" && typeof js["candidate"] === "string") {
      return { handle: { kind: "channel", channel: js["channel"], candidate: js["candidate"] }, ref: { channel: js["channel"], candidate: js["candidate"] } };
    }
  }
  return source.fail(value, location, `expected "<node id>.<output>", { source: <path> } or { channel: <name>, candidate: <input slot> }`);
};

/** A node's inputs: handles for addNode, and the same references as a plan records them (for derived params). */
const nodeInputs = (source: YamlSource, graph: StudyGraph, step: RegisteredStep, inputs: YamlNode | undefined, where: { node: string; step: string }) => {
  const handles: Record<string, InputHandle | readonly InputHandle[]> = {};
  const refs: Record<string, PlanInput> = {};
  if (inputs === undefined) return { handles, refs };
  if (!isMap(inputs)) source.fail(inputs, { ...where, field: "inputs" }, "expected a map of input slot to node output, e.g. { table: ingest.table }");
  const slots = Object.keys(step.definition.inputs);
  for (const pair of inputs.items) {
    const slot = keyOf(pair);
    const field = `inputs.${slot}`;
    if (!slots.includes(slot)) source.fail(pair.key as YamlNode, { ...where, field }, `${where.step} has no input "${slot}"; its inputs are ${slots.join(", ")}`);
    const value = pair.value as YamlNode;
    if (isSeq(value)) {
      const list = value.items.map((item, i) => inputHandle(source, graph, item as YamlNode, { ...where, field: `${field}[${i}]` }));
      handles[slot] = list.map((l) => l.handle as Handle);
      refs[slot] = list.map((l) => l.ref);
    } else {
      const one = inputHandle(source, graph, value, { ...where, field });
      handles[slot] = one.handle;
      refs[slot] = one.ref;
    }
  }
  return { handles, refs };
};

/** Adds one `nodes:` entry to the graph through addNode; its errors are located in the file. */
/** The study's declared deviations from its protocol (Methods sections print them), with where each is written. */
const yamlDeviations = (source: YamlSource, node: YamlNode | undefined): { readonly at: YamlNode; readonly value: Deviation }[] => {
  if (node === undefined) return [];
  if (!isSeq(node)) source.fail(node, { field: "deviations" }, "expected a list of { node, param, protocol, reason }");
  return node.items.map((item, i) => {
    const entry = item as YamlNode;
    if (!isMap(entry)) source.fail(entry, { field: `deviations[${i}]` }, "expected { node, param, protocol, reason }");
    rejectUnknownKeys(source, entry, DEVIATION_KEYS, {}, "a deviation");
    const field = (key: string) => scalarString(source, child(entry, key), entry, { field: `deviations[${i}].${key}` });
    return { at: entry, value: { node: field("node"), param: field("param"), protocol: field("protocol"), reason: field("reason") } };
  });
};

const yamlNotes = (source: YamlSource, node: YamlNode | undefined): string[] => {
  if (node === undefined) return [];
  if (!isSeq(node)) source.fail(node, { field: "notes" }, "expected a list of paragraphs");
  return node.items.map((item, i) => scalarString(source, item as YamlNode, node, { field: `notes[${i}]` }));
};

const addYamlNode = (source: YamlSource, graph: StudyGraph, steps: StepRegistry, entry: YamlNode, index: number): string => {
  if (!isMap(entry)) source.fail(entry, { field: `nodes[${index}]` }, "expected a node: { id, step, inputs, params }");
  const id = scalarString(source, child(entry, "id"), entry, { field: "id" });
  const kind = scalarString(source, child(entry, "step"), entry, { node: id, field: "step" });
  const where = { node: id, step: kind };
  const step = steps.get(kind);
  if (step === undefined) source.fail(child(entry, "step"), { ...where, field: "step" }, `unknown step kind "${kind}"; the built-in kinds are ${[...steps.keys()].sort().join(", ")}`);
  rejectUnknownKeys(source, entry, NODE_KEYS, where, `node "${id}"`);
  const { handles, refs } = nodeInputs(source, graph, step, child(entry, "inputs"), where);
  const paramsNode = child(entry, "params");
  if (paramsNode !== undefined && !isMap(paramsNode)) source.fail(paramsNode, { ...where, field: "params" }, "expected a map of param name to value");
  const params = (paramsNode?.toJSON() ?? {}) as Record<string, JsonValue>;
  const derived = step.derivedParams?.(graph, id, refs) ?? {};
  for (const name of Object.keys(derived)) {
    if (name in params) source.fail(nodeAtField(entry, `params.${name}`), { ...where, field: `params.${name}` }, `${kind} derives "${name}" from the study; remove it`);
  }
  const seedNode = child(entry, "seed");
  const seed = seedNode === undefined ? undefined : integer(source, seedNode, { ...where, field: "seed" });
  try {
    addNode(graph, step.definition, handles as InputHandles<typeof step.definition.inputs>, { ...params, ...derived }, { id, ...(seed === undefined ? {} : { seed }) });
  } catch (e) {
    if (!(e instanceof PipelineError) || e.file !== undefined) throw e;
    source.fail(nodeAtField(entry, e.field), { ...where, field: e.field }, e.problem);
  }
  return id;
};

/** Builds the Study a YAML study file declares; `file` (relative to the project root) is named in every error. */
export const yamlStudy = (text: string, file: string, steps: StepRegistry): Study => {
  const source: YamlSource = new YamlSource(text, file);
  const syntax = source.document.errors[0];
  if (syntax !== undefined) source.fail({ range: [syntax.pos[0], syntax.pos[1], syntax.pos[1]] } as YamlNode, {}, `${syntax.message.split("\n")[0]}; fix the YAML syntax`);
  const root = source.document.contents;
  if (!isMap(root)) source.fail(root, {}, "expected a study: a map with study, seed (optional) and nodes");
  rejectUnknownKeys(source, root, STUDY_KEYS, {}, "the study");
  const name = scalarString(source, child(root, "study"), root, { field: "study" });
  const seedNode = child(root, "seed");
  const seed = seedNode === undefined ? undefined : integer(source, seedNode, { field: "seed" });
  const nodes = child(root, "nodes");
  if (nodes === undefined || !isSeq(nodes) || nodes.items.length === 0) source.fail(nodes ?? root, { field: "nodes" }, "expected a non-empty list of nodes, each { id, step, inputs, params }");
  const deviations = yamlDeviations(source, child(root, "deviations"));
  const notes = yamlNotes(source, child(root, "notes"));
  try {
    return study(
      name,
      (graph) => {
        for (const text of notes) graph.note(text);
        nodes.items.forEach((entry, i) => {
          const id = addYamlNode(source, graph, steps, entry as YamlNode, i);
          // Declared as soon as their node is, as a TypeScript study does, so the reports after it see them.
          for (const d of deviations.filter((d) => d.value.node === id)) {
            try {
              graph.deviate(d.value);
            } catch (e) {
              if (e instanceof PipelineError) source.fail(d.at, { node: id, field: "deviations" }, e.problem);
              throw e;
            }
          }
        });
        const orphan = deviations.find((d) => !graph.nodes.some((n) => n.id === d.value.node));
        if (orphan !== undefined) source.fail(orphan.at, { field: "deviations" }, `no node ${JSON.stringify(orphan.value.node)}; a deviation names a node of this study`);
      },
      seed === undefined ? {} : { seed },
    );
  } catch (e) {
    // Only study() itself throws unlocated errors here (its name); every node's are located above.
    if (!(e instanceof PipelineError) || e.file !== undefined) throw e;
    return source.fail(child(root, "study"), { field: e.field }, e.problem);
  }
};

/**
 * The deviations and notes the study declared, as its reports' derived `methods` param holds them (the plan keeps
 * them nowhere else): what a YAML form must declare to give the same reports.
 */
const declaredMethods = (plan: StudyPlan): { deviations: Deviation[]; notes: string[] } => {
  for (const node of plan.nodes) {
    const methods = (node.params as { methods?: { deviations?: readonly (Deviation & { planned?: unknown })[]; notes?: readonly string[] } } | null)?.methods;
    if (methods?.deviations === undefined) continue;
    return { deviations: methods.deviations.map(({ node, param, protocol, reason }) => ({ node, param, protocol, reason })), notes: [...(methods.notes ?? [])] };
  }
  return { deviations: [], notes: [] };
};

/** The study seed a YAML form states: the most common node seed (ties: the smallest), so few nodes state their own. */
const commonSeed = (plan: StudyPlan): number => {
  const counts = new Map<number, number>();
  for (const node of plan.nodes) counts.set(node.seed, (counts.get(node.seed) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
};

/**
 * A plan as a YAML study that builds it again. `moduleOf` gives a registered step's module as the plan records it;
 * a node whose step is not a built-in one (a custom step of the study's own) cannot be written.
 */
export const planAsYaml = (plan: StudyPlan, steps: StepRegistry, moduleOf: (step: RegisteredStep) => string, file: string): string => {
  const seed = commonSeed(plan);
  // The nodes so far, for the params a step derives from them (derivedParams reads ids, steps and inputs).
  const graph = new StudyGraph(plan.study, seed);
  const nodes = plan.nodes.map((node) => {
    const step = steps.get(node.step);
    if (step === undefined || moduleOf(step) !== node.module) {
      throw new PipelineError({ file, node: node.id, step: node.step, problem: `uses a step that is not built in (${node.module}); a YAML study can use only the kinds of steps/registry.ts, so keep this study in TypeScript` });
    }
    const derived = Object.keys(step.derivedParams?.(graph, node.id, node.inputs) ?? {});
    graph.nodes.push({ id: node.id, step: node.step, moduleUrl: node.module, params: node.params, inputs: node.inputs, outputs: node.outputs, seed: node.seed });
    const params = Object.fromEntries(Object.entries(node.params as Record<string, JsonValue>).filter(([name]) => !derived.includes(name)));
    return {
      id: node.id,
      step: node.step,
      ...(node.seed === seed ? {} : { seed: node.seed }),
      ...(Object.keys(node.inputs).length > 0 ? { inputs: Object.fromEntries(Object.entries(node.inputs).map(([slot, input]) => [slot, yamlInput(input)])) } : {}),
      ...(Object.keys(params).length > 0 ? { params } : {}),
    };
  });
  const declared = declaredMethods(plan);
  const document = new Document({
    study: plan.study,
    ...(seed === 0 ? {} : { seed }),
    ...(declared.deviations.length > 0 ? { deviations: declared.deviations } : {}),
    ...(declared.notes.length > 0 ? { notes: declared.notes } : {}),
    nodes,
  });
  // Collections of plain values on one line ({ name: age, type: float }, [cp, thal]): the file stays readable.
  visit(document, {
    Map: (_, map) => void (map.flow = map.items.every((pair) => isScalar(pair.value))),
    Seq: (_, seq) => void (seq.flow = seq.items.every((item) => isScalar(item))),
  });
  return document.toString({ lineWidth: 120, flowCollectionPadding: true });
};

const yamlInput = (input: PlanInput): unknown => (Array.isArray(input) ? input.map(yamlInput) : yamlRef(input as PlanInputRef));
const yamlRef = (ref: PlanInputRef): unknown => (isNodeInput(ref) ? `${ref.node}.${ref.output}` : ref);
