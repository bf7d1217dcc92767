import { Schema } from "effect";
import { DEFAULT_LOAD_TIMEOUT_SECONDS, type LoadedStudy, loadStudy, loadTimeoutSeconds } from "../engine/load-study.js";
import { SecondsFlag } from "./args.js";
import { builtInSteps } from "./built-in-steps.js";

/**
 * --load-timeout, for every command that loads a pipeline file (run, plan, explain, schedule create): one option,
 * one schema, one help line and one default, so each command waits for a pipeline the same way and says so.
 */
export const loadTimeoutOptions = { "load-timeout": { type: "string" } } as const;

export const LoadTimeoutFlags = { "load-timeout": Schema.optional(SecondsFlag) };

/** The help line, with the option name padded to the column the command's help aligns its descriptions at. */
export const loadTimeoutHelp = (column: number): string =>
  `  ${"--load-timeout S".padEnd(column)}seconds the pipeline file may take to load (default: $STRATA_LOAD_TIMEOUT or ${DEFAULT_LOAD_TIMEOUT_SECONDS})`;

/** Loads the study of a pipeline file (TypeScript or YAML, built-in steps) within the flag's load timeout. */
export const loadPipeline = (pipeline: string, flags: { readonly "load-timeout"?: number | undefined }): Promise<LoadedStudy> =>
  loadStudy(pipeline, { timeoutSeconds: loadTimeoutSeconds(flags["load-timeout"]), steps: builtInSteps });
