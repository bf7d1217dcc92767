import * as fs from "node:fs";
import * as path from "node:path";
import { canonicalJsonBytes } from "../artifacts/canonical-json.js";
import type { ContentStore } from "../artifacts/store.js";
import { CHANNEL_SYNTAX, parseChannel } from "../artifacts/registry.js";
import { isStoreError } from "../artifacts/errors.js";
import { isUserError, PipelineError, UsageError } from "../dsl/errors.js";
import { inputRefs, isChannelInput, isNodeInput, isSourceInput, type PlanInputRef, PLAN_FORMAT, type PlanNode, type StudyPlan } from "../dsl/plan.js";
import type { StepRegistry } from "../dsl/registered-step.js";
import { takeStudyLoader } from "../runtime/study-loader.mjs";
import { readCachedPlan, writeCachedPlan } from "../runtime/plan-cache.mjs";
import { installedPackageKey, prepareInstalledStrataDigest, STRATA_PACKAGE } from "./installed-package.js";
import { planDigest } from "./plan-digest.js";
import { findProjectRoot, toProjectPath } from "./project.js";
import { importedStudy, type ImportedStudy } from "./study-import.js";
import { fromWireError, type WireError } from "./wire-errors.js";

export interface LoadedStudy {
  /** The pipeline file, relative to the project root. */
  readonly pipeline: string;
  readonly root: string;
  readonly plan: StudyPlan;
  readonly planDigest: string;
}

/** Seconds a pipeline file may take to load (import and build its study) before the command gives up on it. */
export const DEFAULT_LOAD_TIMEOUT_SECONDS = 60;

/** The load timeout: the --load-timeout flag, then STRATA_LOAD_TIMEOUT, then the default. */
export const loadTimeoutSeconds = (flag: number | undefined, env: NodeJS.ProcessEnv = process.env): number => {
  if (flag !== undefined) return flag;
  const text = env["STRATA_LOAD_TIMEOUT"];
  if (text === undefined || text === "") return DEFAULT_LOAD_TIMEOUT_SECONDS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError({ problem: `STRATA_LOAD_TIMEOUT=${JSON.stringify(text)} is not a positive number of seconds; set it to e.g. 120, or unset it for the default of ${DEFAULT_LOAD_TIMEOUT_SECONDS}` });
  return seconds;
};

/** Whether a pipeline file is a YAML study (by its extension). */
const isYamlStudyFile = (file: string): boolean => /\.ya?ml$/i.test(file);

const yamlSteps = (options: LoadOptions, pipeline: string): Promise<StepRegistry> => {
  if (options.steps === undefined) throw new PipelineError({ file: pipeline, problem: "this command reads TypeScript studies only; pass the .ts form of the study" });
  return options.steps();
};

/** The pipeline argument must name an existing study file (.ts, .yaml): a folder or a package.json is a usage mistake. */
const checkPipelineFile = (pipelineFile: string, absolute: string): void => {
  const stat = fs.statSync(absolute, { throwIfNoEntry: false });
  if (stat === undefined) throw new PipelineError({ file: pipelineFile, problem: "no such pipeline file; pass the path of a .ts or .yaml study, e.g. pipelines/heart-disease.ts" });
  if (stat.isDirectory()) {
    const inside = fs.readdirSync(absolute).filter((f) => /\.[cm]?ts$/.test(f) || isYamlStudyFile(f)).sort();
    const hint = inside.length > 0 ? `, e.g. ${path.join(pipelineFile, inside[0]!)}` : "";
    throw new PipelineError({ file: pipelineFile, problem: `is a folder, not a pipeline file; pass the .ts or .yaml file of one study${hint}` });
  }
  if (!/\.[cm]?ts$/.test(absolute) && !isYamlStudyFile(absolute)) {
    throw new PipelineError({ file: pipelineFile, problem: "is not a pipeline file (.ts or .yaml); pass the .ts file that ends with `export default study(...)` or a YAML study, e.g. pipelines/heart-disease.ts" });
  }
};

type LoaderMessage = { readonly type: "study"; readonly study: ImportedStudy } | { readonly type: "error"; readonly error: WireError };

/**
 * Imports the pipeline in a worker thread and waits at most `timeoutSeconds` for its plan. Whatever goes wrong in
 * the pipeline's own code (it throws, never settles, loops forever, calls process.exit) is a PipelineError.
 */
const importInWorker = (absolute: string, pipeline: string, root: string, timeoutSeconds: number): Promise<ImportedStudy> =>
  new Promise((resolve, reject) => {
    const worker = takeStudyLoader();
    worker.postMessage({ absolute, pipeline, root });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
      void worker.terminate();
    };
    const fail = (problem: string) => settle(() => reject(new PipelineError({ file: pipeline, problem })));
    const timer = setTimeout(
      () => fail(`did not finish loading within ${timeoutSeconds} s; look for an endless loop in the study builder or a top-level await that never settles (if the file is just slow to load, raise --load-timeout or STRATA_LOAD_TIMEOUT)`),
      timeoutSeconds * 1000,
    );
    worker.on("message", (m: LoaderMessage) => {
      if (m.type === "study") return settle(() => resolve(m.study));
      const error = fromWireError(m.error);
      if (isUserError(error) || isStoreError(error)) return settle(() => reject(error));
      fail(`the pipeline threw while loading: ${error.message.split("\n")[0]}; fix the code of the pipeline or of the study builder`);
    });
    worker.on("error", (e) => fail(`the pipeline threw while loading: ${e.message.split("\n")[0]}; fix the code of the pipeline or of the study builder`));
    worker.on("exit", () => fail("stopped loading before it built its study: a top-level await waits on something that never settles (a promise nothing resolves); make every await at load finish"));
  });

/** importInWorker, with this thread's wait spent on work a run needs next. */
const importInWorkerMeanwhile = (absolute: string, pipeline: string, root: string, timeoutSeconds: number): Promise<ImportedStudy> => {
  const imported = importInWorker(absolute, pipeline, root, timeoutSeconds);
  prepareInstalledStrataDigest();
  return imported;
};

/** The study of a TypeScript pipeline: its cached plan (runtime/plan-cache.mjs), else imported in the loader thread. */
const importOrCached = async (absolute: string, pipeline: string, root: string, timeoutSeconds: number): Promise<ImportedStudy> => {
  const identity = () => ({ root, pipeline, strata: installedPackageKey(STRATA_PACKAGE) });
  const cached = readCachedPlan(absolute, identity);
  if (cached !== undefined) return cached;
  const imported = await importInWorkerMeanwhile(absolute, pipeline, root, timeoutSeconds);
  writeCachedPlan(absolute, identity, imported);
  return imported;
};

/**
 * Imports a pipeline file and turns its default export into a validated StudyPlan. Every mistake (no such file,
 * no study exported, bad params, bad wiring, code that throws or never finishes) is a PipelineError naming the file.
 */
export interface LoadOptions {
  /** How long a TypeScript pipeline may take to load (default: STRATA_LOAD_TIMEOUT, else 60 s). */
  readonly timeoutSeconds?: number;
  /** The built-in steps by kind, which a YAML study names; supplied by the composition root (cli/built-in-steps.ts). */
  readonly steps?: () => Promise<StepRegistry>;
}

export const loadStudy = async (pipelineFile: string, options: LoadOptions = {}): Promise<LoadedStudy> => {
  const absolute = path.resolve(pipelineFile);
  checkPipelineFile(pipelineFile, absolute);
  const timeoutSeconds = options.timeoutSeconds ?? loadTimeoutSeconds(undefined);
  const root = findProjectRoot(absolute);
  const pipeline = toProjectPath(root, absolute);
  // A YAML study runs no code of its own, so it needs no loader thread and no timeout. Its reader (and the yaml
  // package) is imported only for one: a TypeScript study's warm run should not load it.
  const imported = isYamlStudyFile(absolute)
    ? importedStudy((await import("./yaml-study.js")).yamlStudy(fs.readFileSync(absolute, "utf8"), pipeline, await yamlSteps(options, pipeline)), root)
    : await importOrCached(absolute, pipeline, root, timeoutSeconds);
  const plan: StudyPlan = { format: PLAN_FORMAT, study: imported.name, nodes: [...imported.nodes] };
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
