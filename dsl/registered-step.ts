import type { PlanInput } from "./plan.js";
import type { JsonValue, StepDefinition } from "./step.js";
import type { StudyGraph } from "./study.js";

/** A step as a study written without TypeScript names it by kind (steps/registry.ts lists the built-in ones). */
export interface RegisteredStep {
  /** Its params type is erased here: addNode checks the params a YAML study gives with the step's own schema (and
   * StepDefinition is invariant in that type, so no narrower one would hold every step). */
  readonly definition: StepDefinition<any, any, string>;
  /**
   * Params the step's TypeScript builder derives from the study instead of taking them from its author; a YAML
   * study gets them the same way (so its plan is the TypeScript one's) and does not write them.
   */
  readonly derivedParams?: (graph: StudyGraph, id: string, inputs: { readonly [name: string]: PlanInput }) => { readonly [param: string]: JsonValue };
}

/** Steps by kind. */
export type StepRegistry = ReadonlyMap<string, RegisteredStep>;
