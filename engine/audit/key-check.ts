import type { PlanNode } from "../../dsl/plan.js";
import { cacheKey, KEY_VERSION, type KeyComponents } from "../cache-key.js";
import type { CodeDigests } from "../code-digest.js";
import { environmentComponents, environmentDigest, type EnvironmentComponents } from "../environment.js";
import { explainChanges, type KeyChange, type PlannedKey } from "../explain.js";
import type { ManifestNode, RunManifest } from "../manifest.js";
import { sourceDigestNow } from "../source-input.js";

export interface NodeKeyCheck {
  readonly id: string;
  readonly step: string;
  readonly module: string;
  /** unchanged: today's code and environment give the recorded key; drift: they do not; unavailable: the code cannot be read. */
  readonly status: "unchanged" | "drift" | "unavailable";
  readonly recordedKey: string;
  /** The key of the recorded inputs, params and seed with today's code and environment. */
  readonly replayKey?: string;
  /** Code files, package versions, environment fields and key version that differ from the record. */
  readonly changes: readonly KeyChange[];
  readonly error?: string;
}

/** A raw file or folder whose content on disk differs from the recorded one. Replay uses the recorded bytes from the store. */
export interface SourceDrift {
  readonly node: string;
  readonly input: string;
  readonly path: string;
  readonly recorded: string;
  readonly now: string | "missing";
}

export interface KeyCheck {
  readonly environment: { readonly recorded: EnvironmentComponents; readonly now: EnvironmentComponents; readonly changes: readonly KeyChange[] };
  readonly nodes: readonly NodeKeyCheck[];
  readonly sources: readonly SourceDrift[];
}

/** explainChanges wants a PlannedKey; replay keys a node on its recorded inputs, so a thin plan node is enough. */
const asPlanNode = (n: ManifestNode): PlanNode => ({ id: n.id, step: n.step, module: n.module, params: n.components.params as PlanNode["params"], inputs: {}, outputs: {}, seed: n.components.seed });

/**
 * Stage 1 of replay, before anything runs: recomputes each node's code digest (its import closure and package
 * versions, in the project at `root`) and the environment digest, and keys the node on its recorded inputs, params
 * and seed. A key that differs from the recorded one is drift, named by file, package and environment field (the
 * component diff is engine/explain's). Raw files on disk are compared with the recorded ones for information only.
 */
export const keyCheck = async (root: string, manifest: RunManifest, codeDigests: CodeDigests): Promise<KeyCheck> => {
  const now = environmentComponents(root);
  const envDigest = environmentDigest(now);
  const then = manifest.environment.components;
  const envChanges: KeyChange[] = (Object.keys({ ...then, ...now }) as (keyof EnvironmentComponents)[])
    .sort()
    .filter((k) => then[k] !== now[k])
    .map((k) => ({ component: "environment", detail: `${k}: ${then[k] ?? "absent"} → ${now[k] ?? "absent"}` }));

  const nodes: NodeKeyCheck[] = [];
  for (const n of manifest.nodes) {
    const base = { id: n.id, step: n.step, module: n.module, recordedKey: n.key };
    let code;
    try {
      code = await codeDigests.of(n.module);
    } catch (e) {
      const first = (e instanceof Error ? e.message : String(e)).split("\n")[0];
      nodes.push({ ...base, status: "unavailable", changes: [{ component: "code file", detail: `${n.module}: cannot be read or bundled (${first})` }], error: first });
      continue;
    }
    const components: KeyComponents = { ...n.components, params: n.components.params as PlanNode["params"], keyVersion: KEY_VERSION, codeDigest: code.digest, envDigest };
    const replayKey = cacheKey(components);
    const planned: PlannedKey = { node: asPlanNode(n), key: replayKey, components, code: code.components };
    const changes = replayKey === n.key ? [] : explainChanges(planned, n, { now, then });
    nodes.push({ ...base, status: replayKey === n.key ? "unchanged" : "drift", replayKey, changes });
  }

  const sources: SourceDrift[] = [];
  for (const n of manifest.nodes) {
    for (const [input, s] of Object.entries(n.sources)) {
      const digest = sourceDigestNow(root, s.path);
      if (digest !== s.digest) sources.push({ node: n.id, input, path: s.path, recorded: s.digest, now: digest });
    }
  }
  return { environment: { recorded: then, now, changes: envChanges }, nodes, sources };
};
