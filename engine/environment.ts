import * as os from "node:os";
import { digestOfJson } from "../artifacts/digest.js";
import { PARQUET_WRITER } from "../artifacts/parquet-writer.js";
import { readLockfileVersions } from "./project.js";

/**
 * The environment fields that change numbers, and only those: they go into every cache key. Host names and
 * clocks never do (they are recorded in the manifest instead).
 */
export interface EnvironmentComponents {
  readonly node: string;
  readonly tfjs: string;
  readonly tfjsBackend: string;
  readonly parquetWriter: string;
  /** The embedded DuckDB (SQL steps): its version decides their numbers and row order. Always set now; absent in
   * manifests written before SQL steps existed. */
  readonly duckdb?: string;
}

/** The training backend. Fixed to wasm, single-threaded: the backend that gives bit-identical weights. */
export const TFJS_BACKEND = "wasm";

export const environmentComponents = (root: string): EnvironmentComponents => {
  const versions = readLockfileVersions(root);
  return {
    node: `v${process.versions.node.split(".")[0]}`,
    tfjs: versions.get("@tensorflow/tfjs-core") ?? versions.get("@tensorflow/tfjs") ?? "absent",
    tfjsBackend: `${TFJS_BACKEND}@${versions.get("@tensorflow/tfjs-backend-wasm") ?? "absent"}`,
    parquetWriter: PARQUET_WRITER,
    duckdb: versions.get("@duckdb/node-api") ?? "absent",
  };
};

export const environmentDigest = (env: EnvironmentComponents): string => digestOfJson(env);

/** Recorded in manifests for the audit trail; never part of a key. */
export const hostFacts = () => ({ hostname: os.hostname(), platform: `${process.platform}-${process.arch}`, node: process.version });
