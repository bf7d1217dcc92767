import { Schema } from "effect";
import { boundedList, PipelineError } from "./errors.js";
import type {
  ChannelHandle,
  Columns,
  Handle,
  HandleKind,
  MetricsHandle,
  ModelSetHandle,
  PredictionsHandle,
  PromotionHandle,
  ReportHandle,
  SourceHandle,
  SplitHandle,
  TableHandle,
} from "./handles.js";
import type { PlanInput, PlanInputRef } from "./plan.js";
import type { InputSpecs, JsonValue, ParamsSchema, StepDefinition } from "./step.js";

export interface NodeOptions {
  /** Node id shown in progress, manifests and `strata explain`; defaults to the step's short name. */
  readonly id?: string;
  /** The node's seed; defaults to the study seed. */
  readonly seed?: number;
}

/** A node as the builder records it: like a PlanNode, but with the step module's absolute URL. */
export interface DraftNode {
  readonly id: string;
  readonly step: string;
  readonly moduleUrl: string;
  readonly params: JsonValue;
  readonly inputs: { readonly [name: string]: PlanInput };
  readonly outputs: { readonly [name: string]: HandleKind };
  readonly seed: number;
}

/**
 * A declared departure from the protocol a study follows (e.g. a paper it replicates): the node and param that
 * differ, what the protocol says, and why. The reports' Methods sections print it with the param's value as planned.
 */
export interface Deviation {
  readonly node: string;
  /** A dotted path into the node's params, e.g. "attribute.layers". */
  readonly param: string;
  readonly protocol: string;
  readonly reason: string;
}

/** The graph a study file builds. Handles point back at it, so only root steps need it passed explicitly. */
export class StudyGraph {
  readonly nodes: DraftNode[] = [];
  /** Declared deviations from the protocol, in declaration order (see Deviation). */
  readonly deviations: Deviation[] = [];
  /** The study's own notes for the reports' Methods sections (e.g. what the data are, who excluded what). */
  readonly notes: string[] = [];
  constructor(
    readonly name: string,
    readonly seed: number,
  ) {}

  /** Declares a deviation of an already declared node; the param path must exist in its params. */
  deviate(deviation: Deviation): void {
    const node = this.nodes.find((n) => n.id === deviation.node);
    if (node === undefined) throw new PipelineError({ field: "deviation.node", problem: `no node ${JSON.stringify(deviation.node)} has been declared yet; declare the deviation after the node` });
    const value = deviation.param.split(".").reduce<JsonValue | undefined>((v, key) => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as { [k: string]: JsonValue })[key] : undefined), node.params);
    if (value === undefined) throw new PipelineError({ node: node.id, step: node.step, field: "deviation.param", problem: `the node has no param ${JSON.stringify(deviation.param)}` });
    this.deviations.push(deviation);
  }

  /** Adds a paragraph of study notes to every report's Methods section. */
  note(text: string): void {
    this.notes.push(text);
  }
}

/** A declared study: its name and nodes. engine/load-study turns it into a StudyPlan. */
export interface Study {
  readonly kind: "study";
  readonly name: string;
  readonly nodes: readonly DraftNode[];
}

const ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/i;

/**
 * Declares a study. `build` wires steps together through handles; every param is decoded against its step's
 * schema right here, so a bad study fails when it loads, before anything runs.
 */
export const study = (name: string, build: (s: StudyGraph) => void, options: { readonly seed?: number } = {}): Study => {
  if (!ID_PATTERN.test(name)) {
    throw new PipelineError({ field: "study name", problem: `expected letters, digits, ".", "_" or "-", got ${JSON.stringify(name)}` });
  }
  const graph = new StudyGraph(name, options.seed ?? 0);
  const outer = building;
  building = graph;
  try {
    build(graph);
  } finally {
    building = outer;
    built.add(graph);
  }
  if (graph.nodes.length === 0) throw new PipelineError({ field: "study", problem: `study "${name}" declares no steps` });
  return { kind: "study", name, nodes: graph.nodes };
};

/** The study whose builder is running, and the studies whose builders returned: a node may join only the former. */
let building: StudyGraph | undefined;
const built = new WeakSet<StudyGraph>();

/** A raw file or folder under the project root (the folder holding package.json), e.g. "data/heart/x.csv". */
export const source = (path: string): SourceHandle => ({ kind: "source", path });

/** A model-registry channel as a node input, compared with the node's `candidate` input slot (see ChannelHandle). */
export const registryChannel = (channel: string, candidate: string): ChannelHandle => ({ kind: "channel", channel, candidate });

/** Mints typed handles for a node's outputs. */
export class NodeRef {
  constructor(
    readonly graph: StudyGraph,
    readonly node: DraftNode,
  ) {}

  get id(): string {
    return this.node.id;
  }

  private ref<K extends HandleKind>(output: string, kind: K) {
    const declared = this.node.outputs[output];
    if (declared !== kind) {
      throw new PipelineError({ node: this.node.id, step: this.node.step, field: `outputs.${output}`, problem: `step declares ${declared ?? "no such output"}, not ${kind}` });
    }
    return { kind, ref: { node: this.node.id, output }, study: this.graph };
  }

  table<C extends Columns>(output: string, columns: C): TableHandle<C> {
    return { ...this.ref(output, "table"), columns };
  }
  split(output: string): SplitHandle {
    return this.ref(output, "split");
  }
  predictions(output: string): PredictionsHandle {
    return this.ref(output, "predictions");
  }
  models(output: string): ModelSetHandle {
    return this.ref(output, "models");
  }
  metrics(output: string): MetricsHandle {
    return this.ref(output, "metrics");
  }
  report(output: string): ReportHandle {
    return this.ref(output, "report");
  }
  promotion(output: string): PromotionHandle {
    return this.ref(output, "promotion");
  }

  /** Throws a PipelineError naming this node when a param names columns the input table does not have. */
  requireColumns(table: TableHandle, columns: readonly string[], field: string): void {
    for (const column of columns) {
      if (!(column in table.columns)) {
        throw new PipelineError({
          node: this.node.id,
          step: this.node.step,
          field,
          problem: `unknown column ${JSON.stringify(column)}; the input table has ${boundedList(Object.keys(table.columns))}`,
        });
      }
    }
  }

  fail(field: string, problem: string): never {
    throw new PipelineError({ node: this.node.id, step: this.node.step, field, problem });
  }
}

/**
 * Adds a node for `definition` with the given inputs and params. Step modules wrap this in a typed builder
 * function; the params are decoded with the step's schema (unknown fields are errors) and stored re-encoded.
 */
/** What a builder passes for each input slot: a handle, or a list of handles for list slots. */
export type InputHandles<IS extends InputSpecs> = {
  readonly [K in keyof IS]: IS[K] extends { readonly list: HandleKind }
    ? readonly Handle[]
    : IS[K] extends { readonly optional: HandleKind }
      ? Handle | undefined
      : Handle | SourceHandle | ChannelHandle;
};

export const addNode = <P, IS extends InputSpecs, O extends string>(
  graph: StudyGraph,
  definition: StepDefinition<P, IS, O>,
  inputs: InputHandles<IS>,
  params: unknown,
  options: NodeOptions = {},
): NodeRef => {
  const id = options.id ?? uniqueId(graph, definition.kind.split(".").pop() ?? definition.kind);
  const where = { node: id, step: definition.kind };
  if (built.has(graph) || (building !== undefined && graph !== building)) {
    // Step builders take their study from an input handle, so a handle kept from another study would silently
    // add this node there.
    throw new PipelineError({
      ...where,
      field: "inputs",
      problem: built.has(graph)
        ? `the study "${graph.name}" is already built; add nodes only inside its study("${graph.name}", (s) => { ... }) builder`
        : `its inputs come from study "${graph.name}", not from "${building!.name}", the study being built; build each study's nodes from its own handles`,
    });
  }
  if (!ID_PATTERN.test(id)) throw new PipelineError({ ...where, field: "id", problem: `expected letters, digits, ".", "_" or "-"` });
  if (graph.nodes.some((n) => n.id === id)) throw new PipelineError({ ...where, field: "id", problem: `another node already has id "${id}"; pass a distinct { id }` });
  const seed = options.seed ?? graph.seed;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new PipelineError({ ...where, field: "seed", problem: `expected a non-negative integer, got ${seed}` });

  const planInputs: Record<string, PlanInput> = {};
  const wire = (handle: Handle | SourceHandle | ChannelHandle | undefined, expected: string, field: string): PlanInputRef => {
    if (handle === undefined) throw new PipelineError({ ...where, field, problem: `missing input; expected a ${expected}` });
    if (handle.kind !== expected) throw new PipelineError({ ...where, field, problem: `expected a ${expected}, got a ${handle.kind}` });
    if (handle.kind === "source") return { source: handle.path };
    if (handle.kind === "channel") {
      if (!(handle.candidate in definition.inputs)) throw new PipelineError({ ...where, field, problem: `the channel's candidate slot "${handle.candidate}" is not an input of ${definition.kind}` });
      return { channel: handle.channel, candidate: handle.candidate };
    }
    if (handle.study !== graph) throw new PipelineError({ ...where, field, problem: "handle belongs to another study" });
    return { node: handle.ref.node, output: handle.ref.output };
  };
  for (const name of Object.keys(definition.inputs).sort()) {
    const spec = definition.inputs[name]!;
    const given = (inputs as Record<string, Handle | SourceHandle | ChannelHandle | readonly Handle[] | undefined>)[name];
    if (typeof spec === "string" || "optional" in spec) {
      if (Array.isArray(given)) throw new PipelineError({ ...where, field: `inputs.${name}`, problem: `expected one ${typeof spec === "string" ? spec : spec.optional}, got a list` });
      if (typeof spec !== "string" && given === undefined) continue;
      planInputs[name] = wire(given as Handle | SourceHandle | ChannelHandle | undefined, typeof spec === "string" ? spec : spec.optional, `inputs.${name}`);
    } else {
      if (!Array.isArray(given) || (given.length === 0 && spec.mayBeEmpty !== true)) throw new PipelineError({ ...where, field: `inputs.${name}`, problem: `expected a non-empty list of ${spec.list}` });
      planInputs[name] = (given as readonly Handle[]).map((h, i) => wire(h, spec.list, `inputs.${name}[${i}]`));
    }
  }

  const node: DraftNode = {
    id,
    step: definition.kind,
    moduleUrl: definition.module,
    params: decodeParams(definition, params, where),
    inputs: planInputs,
    outputs: definition.outputs,
    seed,
  };
  graph.nodes.push(node);
  return new NodeRef(graph, node);
};

const uniqueId = (graph: StudyGraph, base: string): string => {
  const taken = new Set(graph.nodes.map((n) => n.id));
  if (!taken.has(base)) return base;
  let i = 2;
  while (taken.has(`${base}-${i}`)) i++;
  return `${base}-${i}`;
};

/** Decodes params strictly (unknown fields are errors), then encodes them back to plain JSON for the plan. */
export const decodeParams = <P>(
  definition: { readonly params: ParamsSchema<P> },
  params: unknown,
  where: { readonly node: string; readonly step: string },
): JsonValue => {
  const decoded = decodeStepParams(definition, params, where);
  return Schema.encodeSync(definition.params)(decoded) as JsonValue;
};

/** Decodes params with the step's schema, or throws a PipelineError naming the first bad field's path. */
export const decodeStepParams = <P>(
  definition: { readonly params: ParamsSchema<P> },
  params: unknown,
  where: { readonly node: string; readonly step: string },
): P => {
  try {
    return Schema.decodeUnknownSync(definition.params)(params, { onExcessProperty: "error" });
  } catch (e) {
    const { field, problem } = describeSchemaError(e);
    throw new PipelineError({ ...where, field: `params${field}`, problem });
  }
};

/** Turns effect/Schema's "Expected X\n  at ["a"][0]" into a field path ("params.a[0]") and a problem. */
const describeSchemaError = (e: unknown): { field: string; problem: string } => {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split("\n");
  const at = lines.find((l) => l.trim().startsWith("at "));
  const path = at === undefined ? "" : at.trim().slice(3).replace(/\["([^"]+)"\]/g, ".$1");
  const problem = lines.filter((l) => !l.trim().startsWith("at ")).join("; ");
  return { field: path, problem };
};
