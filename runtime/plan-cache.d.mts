import type { ImportedStudy } from "../engine/study-import.js";

/** What else a cached plan was built from: the project root, the pipeline's project path, Strata's content key. */
export interface PlanIdentity {
  readonly root: string;
  readonly pipeline: string;
  readonly strata: string;
}

export declare const hasCachedPlan: (absolute: string) => boolean;
export declare const readCachedPlan: (absolute: string, identity: () => PlanIdentity) => ImportedStudy | undefined;
export declare const writeCachedPlan: (absolute: string, identity: () => PlanIdentity, study: ImportedStudy) => void;
