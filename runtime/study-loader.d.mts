import type { Worker } from "node:worker_threads";

export declare const startStudyLoader: (args?: readonly string[]) => void;
export declare const takeStudyLoader: () => Worker;
