import { digestOfJson } from "../artifacts/digest.js";
import type { StudyPlan } from "../dsl/plan.js";

/** A plan's name: the sha256 of its canonical JSON. Locks, manifests and workflow ids refer to a plan by it. */
export const planDigest = (plan: StudyPlan): string => digestOfJson(plan);
