import type { HandleKind } from "./handles.js";
import type { JsonValue } from "./step.js";

export const PLAN_FORMAT = "strata-plan/1";

/**
 * An input wired to another node's output, to a raw file or folder under the project root, or to a model-registry
 * channel (resolved when the node runs; `candidate` names the input slot of the model that would replace it).
 */
export type PlanInputRef =
  | { readonly node: string; readonly output: string }
  | { readonly source: string }
  | { readonly channel: string; readonly candidate: string };
/** One reference, or an ordered list of node outputs for a list slot. */
export type PlanInput = PlanInputRef | readonly PlanInputRef[];

export interface PlanNode {
  readonly id: string;
  readonly step: string;
  /** The step module, relative to the project root, with forward slashes. */
  readonly module: string;
  /** Params as decoded and re-encoded by the step's schema: plain JSON. */
  readonly params: JsonValue;
  readonly inputs: { readonly [name: string]: PlanInput };
  readonly outputs: { readonly [name: string]: HandleKind };
  readonly seed: number;
}

/** A study as plain data: what the engine executes, what Temporal carries, what a digest names. */
export interface StudyPlan {
  readonly format: typeof PLAN_FORMAT;
  readonly study: string;
  /** In declaration order, which is a topological order: a node can only use handles that already exist. */
  readonly nodes: readonly PlanNode[];
}

export const isSourceInput = (input: PlanInputRef): input is { readonly source: string } => "source" in input;
export const isChannelInput = (input: PlanInputRef): input is { readonly channel: string; readonly candidate: string } => "channel" in input;
export const isNodeInput = (input: PlanInputRef): input is { readonly node: string; readonly output: string } => "node" in input;

/** Every reference of an input, whether it is one or a list. */
export const inputRefs = (input: PlanInput): readonly PlanInputRef[] => (Array.isArray(input) ? input : [input as PlanInputRef]);

/**
 * The ids of the nodes a node reads from, each once, in first-use order: what it waits for on every executor
 * (the local one and the Temporal workflow, whose bundle may hold no Node built-in, so this stays pure).
 */
export const nodeDependencies = (node: PlanNode): readonly string[] => [
  ...new Set(Object.values(node.inputs).flatMap(inputRefs).flatMap((r) => (isNodeInput(r) ? [r.node] : []))),
];

/**
 * The step modules of the nodes that read directly from node `id`, each once, in plan order: what an executor's
 * idle threads import while `id` runs (engine/step-pool.ts, warm). Only the next nodes' modules: importing the
 * whole rest of the study at the first node competes for the cores with the nodes that run meanwhile (a DuckDB
 * step's threads, at 10^6 rows), while the next node's import is the one that would otherwise wait.
 */
export const dependantModules = (plan: StudyPlan, id: string): string[] => {
  const modules: string[] = [];
  for (const node of plan.nodes) if (nodeDependencies(node).includes(id) && !modules.includes(node.module)) modules.push(node.module);
  return modules;
};
