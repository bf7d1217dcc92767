import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { canonicalJsonBytes } from "../artifacts/canonical-json.js";
import type { ContentStore } from "../artifacts/store.js";
import { CHANNEL_SYNTAX, parseChannel } from "../artifacts/registry.js";
import { locatedIn, PipelineError } from "../dsl/errors.js";
import { inputRefs, isChannelInput, isNodeInput, isSourceInput, type PlanInputRef, PLAN_FORMAT, type PlanNode, type StudyPlan } from "../dsl/plan.js";
import type { Study } from "../dsl/study.js";
import type { StepRegistry } from "../dsl/registered-step.js";
import { planDigest } from "./plan-digest.js";
import { isYamlStudyFile, yamlStudy } from "./yaml-study.js";
import { findProjectRoot, toProjectPath } from "./project.js";

export interface LoadedStudy {
  /** The pipeline file, relative to the project root. */
  readonly pipeline: string;
  readonly root: string;
  readonly plan: StudyPlan;
  readonly planDigest: string;
}

interface TransformFailure {
  readonly errors: readonly { readonly text: string; readonly location?: { readonly file: string; readonly line: number; readonly column: number } | null }[];
}

/**
 * A pipeline that cannot be imported because of its own text: a TypeScript syntax error (our loader's esbuild
 * transform) or an import of a module that does not exist. These are the user's to fix, so they become a
 * PipelineError naming the file and line; anything else thrown while importing stays as it is.
 */
const unloadable = (e: unknown, pipeline: string, root: string): PipelineError | undefined => {
  const failure = e as Partial<TransformFailure> & { code?: string; message?: string };
  const first = Array.isArray(failure.errors) ? failure.errors[0] : undefined;
  if (first !== undefined) {
    const at = first.location;
    const file = at ? toProjectPath(root, path.resolve(at.file)) : pipeline;
    return new PipelineError({ file, problem: `${at ? `line ${at.line}, column ${at.column + 1}: ` : ""}${first.text}; fix the TypeScript syntax (\`npx tsc --noEmit\` shows every error)` });
  }
  if (failure.code === "ERR_MODULE_NOT_FOUND") {
    return new PipelineError({ file: pipeline, problem: `${failure.message?.split("\n")[0] ?? "a module it imports does not exist"}; check the import paths (relative imports end in .js)` });
  }
  return undefined;
};

const isStudy = (v: unknown): v is Study => typeof v === "object" && v !== null && (v as Study).kind === "study";

/**
 * Imports a pipeline file and turns its default export into a validated StudyPlan. Every mistake (no such file,
 * no study exported, bad params, bad wiring) is a PipelineError that names the file.
 */
export const loadStudy = async (pipelineFile: string, options: { readonly steps?: () => Promise<StepRegistry> } = {}): Promise<LoadedStudy> => {
  const absolute = path.resolve(pipelineFile);
  const root = findProjectRoot(absolute);
  const pipeline = toProjectPath(root, absolute);
  if (!fs.existsSync(absolute)) {
    throw new PipelineError({ file: pipelineFile, problem: "no such pipeline file; pass the path of a .ts study, e.g. pipelines/heart-disease.ts" });
  }
  let exported: unknown;
  // A YAML study names its steps by kind: the caller (the composition root) supplies the registry.
  if (isYamlStudyFile(absolute)) exported = yamlStudy(fs.readFileSync(absolute, "utf8"), pipeline, await options.steps!());
  else try {
    exported = ((await import(pathToFileURL(absolute).href)) as { default?: unknown }).default;
  } catch (e) {
    throw locatedIn(unloadable(e, pipeline, root) ?? e, pipeline);
  }
  if (!isStudy(exported)) {
    throw new PipelineError({ file: pipeline, problem: "the file has no study as its default export; end it with `export default study(\"name\", (s) => { ... })`" });
  }
  const nodes: PlanNode[] = exported.nodes.map((n) => ({
    id: n.id,
    step: n.step,
    module: toProjectPath(root, fileURLToPath(n.moduleUrl)),
    params: n.params,
    inputs: n.inputs,
    outputs: n.outputs,
    seed: n.seed,
  }));
  const plan: StudyPlan = { format: PLAN_FORMAT, study: exported.name, nodes };
  validatePlan(plan, pipeline);
  return { pipeline, root, plan, planDigest: planDigest(plan) };
};

/** Structural checks the builder cannot make alone: references point backwards to declared outputs. */
export const validatePlan = (plan: StudyPlan, file: string): void => {
  const seen = new Map<string, PlanNode>();
  for (const node of plan.nodes) {
    for (const [name, input] of Object.entries(node.inputs)) {
      for (const ref of inputRefs(input)) {
        if (isSourceInput(ref)) {
          if (path.isAbsolute(ref.source) || ref.source.split("/").includes("..")) {
            throw new PipelineError({ file, node: node.id, step: node.step, field: `inputs.${name}`, problem: `source "${ref.source}" must be a path inside the project, relative to its root` });
          }
          continue;
        }
        if (isChannelInput(ref)) {
          const where = { file, node: node.id, step: node.step, field: `inputs.${name}` };
          if (parseChannel(ref.channel) === undefined) throw new PipelineError({ ...where, problem: `channel ${JSON.stringify(ref.channel)} is not a channel name; expected ${CHANNEL_SYNTAX}` });
          const candidate = node.inputs[ref.candidate];
          if (candidate === undefined || Array.isArray(candidate) || !isNodeInput(candidate as PlanInputRef)) {
            throw new PipelineError({ ...where, problem: `the channel is compared with input "${ref.candidate}", which must be one node output of this node` });
          }
          continue;
        }
        const from = seen.get(ref.node);
        if (!from || !(ref.output in from.outputs)) {
          throw new PipelineError({ file, node: node.id, step: node.step, field: `inputs.${name}`, problem: `refers to ${ref.node}.${ref.output}, which no earlier node declares` });
        }
      }
    }
    seen.set(node.id, node);
  }
};

/** Stores the plan itself, so manifests can be replayed and exported without the pipeline file. */
export const storePlan = (store: ContentStore, plan: StudyPlan): string => store.put(canonicalJsonBytes(plan));
