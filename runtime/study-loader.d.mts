import type { Worker } from "node:worker_threads";

export declare const startStudyLoader: () => void;
export declare const takeStudyLoader: () => Worker;
