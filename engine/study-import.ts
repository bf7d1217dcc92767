import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isUserError, locatedIn, PipelineError } from "../dsl/errors.js";
import type { PlanNode } from "../dsl/plan.js";
import type { Study } from "../dsl/study.js";
import { toProjectPath } from "./project.js";

/** What a pipeline file builds, as plain data: the one thing that crosses back from the loader thread. */
export interface ImportedStudy {
  readonly name: string;
  readonly nodes: readonly PlanNode[];
}

interface TransformFailure {
  readonly errors: readonly { readonly text: string; readonly location?: { readonly file: string; readonly line: number; readonly column: number } | null }[];
}

/** The first place in the stack that lies in the project outside node_modules, e.g. "pipelines/x.ts:3:9". */
const projectFrame = (e: unknown, root: string): string | undefined => {
  const stack = e instanceof Error ? (e.stack ?? "") : "";
  for (const m of stack.matchAll(/(?:file:\/\/)?(\/[^\s():]+\.[cm]?ts):(\d+):(\d+)/g)) {
    const file = m[1]!;
    if (file.startsWith(root + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`)) return `${toProjectPath(root, file)}:${m[2]}:${m[3]}`;
  }
  return undefined;
};

/**
 * Why a pipeline could not be imported, as a PipelineError naming the file: a TypeScript syntax error (our
 * loader's esbuild transform), an import of a module that does not exist, or anything the file's own code threw
 * while it was loading (the study builder included). All of these are the user's to fix.
 */
const unloadable = (e: unknown, pipeline: string, root: string): PipelineError => {
  if (isUserError(e)) return locatedIn(e, pipeline) as PipelineError;
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
  const where = projectFrame(e, root);
  const message = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
  return new PipelineError({ file: pipeline, problem: `the pipeline threw while loading: ${message.split("\n")[0]}${where ? ` (at ${where})` : ""}; fix the code of the pipeline or of the study builder` });
};

const isStudy = (v: unknown): v is Study => typeof v === "object" && v !== null && (v as Study).kind === "study";

/** Imports a pipeline file in this thread and returns what its default export builds. */
export const importStudy = async (absolute: string, pipeline: string, root: string): Promise<ImportedStudy> => {
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(absolute).href)) as { default?: unknown }).default;
  } catch (e) {
    throw unloadable(e, pipeline, root);
  }
  if (!isStudy(exported)) {
    throw new PipelineError({ file: pipeline, problem: "the file has no study as its default export; end it with `export default study(\"name\", (s) => { ... })`" });
  }
  return importedStudy(exported, root);
};

/** A built study as plain data, with its step modules as project paths (a TypeScript or a YAML study alike). */
export const importedStudy = (study: Study, root: string): ImportedStudy => ({
  name: study.name,
  nodes: study.nodes.map((n) => ({
    id: n.id,
    step: n.step,
    module: toProjectPath(root, fileURLToPath(n.moduleUrl)),
    params: n.params,
    inputs: n.inputs,
    outputs: n.outputs,
    seed: n.seed,
  })),
});
