import type { SourceFile, StepContext, StepInput } from "../../dsl/step.js";

/**
 * The files an ingest step reads, in order: a file source's one file whatever its name, or every file of a folder
 * source (by name), each of which must end in `extension` (any case). Another file in the folder is an error that
 * names it, rather than data silently left out.
 */
export const ingestFiles = (input: StepInput, extension: string, ctx: StepContext): readonly SourceFile[] => {
  const files = input.files();
  if (!input.folder) return files;
  const others = files.filter((f) => !f.name.toLowerCase().endsWith(extension)).map((f) => JSON.stringify(f.name));
  if (others.length > 0) {
    ctx.fail("inputs.file", `the folder holds ${others.join(", ")}; ${ctx.step} reads every file in the folder and each must be a ${extension} file: move the others out of it`);
  }
  return files;
};
