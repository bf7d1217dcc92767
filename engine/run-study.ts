import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, Exit } from "effect";
import { canonicalJsonBytes } from "../artifacts/canonical-json.js";
import { sha256Hex } from "../artifacts/digest.js";
import { ContentStore } from "../artifacts/store.js";
import { locatedIn } from "../dsl/errors.js";
import { fillProvenance, hasProvenanceTokens, type ReportProvenance } from "../dsl/report-provenance.js";
import { CodeDigests } from "./code-digest.js";
import { environmentComponents, environmentDigest, hostFacts } from "./environment.js";
import { storePlan, type LoadedStudy } from "./load-study.js";
import { runPlanLocally } from "./local-executor.js";
import { writeManifest, type RunManifest } from "./manifest.js";
import type { EngineContext, NodeEvents, NodeFailure, NodeResult } from "./node-runner.js";
import { StepPool } from "./step-pool.js";

export interface RunOutcome {
  readonly manifestDigest: string;
  readonly manifest: RunManifest;
}

/** Builds the engine context for a project and store; the caller closes the pool. */
export const makeEngineContext = (root: string, storeRoot: string, poolSize: number): EngineContext => {
  const components = environmentComponents(root);
  const store = new ContentStore(storeRoot);
  store.removeDeadWritersTemp();
  return {
    root,
    store,
    codeDigests: new CodeDigests(root),
    environment: { components, digest: environmentDigest(components) },
    pool: new StepPool(poolSize),
  };
};

export const buildManifest = (
  ctx: EngineContext,
  study: LoadedStudy,
  executor: RunManifest["executor"],
  results: readonly NodeResult[],
  startedAt: Date,
  seconds: number,
): RunManifest => ({
  format: "strata-manifest/1",
  study: study.plan.study,
  pipeline: study.pipeline,
  planDigest: study.planDigest,
  executor,
  environment: { digest: ctx.environment.digest, components: ctx.environment.components },
  host: hostFacts(),
  startedAt: startedAt.toISOString(),
  seconds,
  nodes: results,
});

/** Runs a loaded study on the local executor, then stores the plan and the run manifest. */
export const runStudyLocally = async (
  ctx: EngineContext,
  study: LoadedStudy,
  options: { readonly concurrency?: number; readonly events: NodeEvents & { finished(r: NodeResult): void } },
): Promise<Exit.Exit<RunOutcome, NodeFailure>> => {
  const startedAt = new Date();
  const t0 = performance.now();
  const exit = await Effect.runPromiseExit(
    runPlanLocally(ctx, study.plan, { ...options, useCache: true }).pipe(Effect.mapError((e) => locatedIn(e, study.pipeline))),
  );
  return Exit.map(exit, (results) => {
    storePlan(ctx.store, study.plan);
    const manifest = buildManifest(ctx, study, "local", results, startedAt, (performance.now() - t0) / 1000);
    return { manifestDigest: writeManifest(ctx.store, manifest), manifest };
  });
};

/** Report bytes with the run's provenance filled in; a report without tokens is written byte for byte. */
const withProvenance = (bytes: Uint8Array, provenance: ReportProvenance): Uint8Array => {
  const text = Buffer.from(bytes).toString("utf8");
  return hasProvenanceTokens(text) ? Buffer.from(fillProvenance(text, provenance), "utf8") : bytes;
};

/**
 * Writes every report output of a run to `<outDir>/<node>.<output>`: a report output's name is its file's
 * extension (e.g. reports/heart-disease/report.html).
 */
export const materializeReports = (store: ContentStore, manifest: RunManifest, outDir: string): string[] => {
  // writeManifest stores the manifest's canonical JSON, so its digest is the sha256 of those bytes.
  const manifestDigest = sha256Hex(canonicalJsonBytes(manifest));
  const written: string[] = [];
  for (const node of manifest.nodes) {
    for (const [name, out] of Object.entries(node.outputs)) {
      if (out.kind !== "report") continue;
      const file = path.join(outDir, `${node.id}.${name}`);
      fs.mkdirSync(outDir, { recursive: true });
      fs.writeFileSync(file, withProvenance(store.get(out.digest), { manifestDigest, codeDigest: node.components.codeDigest }));
      written.push(file);
    }
  }
  return written.sort();
};
