import type { StepRegistry } from "../dsl/registered-step.js";

/** The built-in steps, for loading a YAML study; imported only when one loads (every step module comes with them). */
export const builtInSteps = async (): Promise<StepRegistry> => (await import("../steps/registry.js")).BUILT_IN_STEPS;
