import { canonicalJson } from "../artifacts/canonical-json.js";
import { inputRefs, isChannelInput, isSourceInput, type PlanInputRef, type PlanNode } from "../dsl/plan.js";
import type { ContentStore } from "../artifacts/store.js";
import { peekChannel } from "./channel-input.js";
import { cacheKey, KEY_VERSION, type KeyComponents } from "./cache-key.js";
import type { CodeComponents, CodeDigests } from "./code-digest.js";
import type { ManifestNode, RunManifest } from "./manifest.js";
import { sourceDigestNow } from "./source-input.js";
import type { LoadedStudy } from "./load-study.js";
import type { EnvironmentComponents } from "./environment.js";

/** A node's key as it would be computed now, without running anything. */
export interface PlannedKey {
  readonly node: PlanNode;
  /** undefined when an upstream node's key changed, so its outputs (and this key) are not known until it runs. */
  readonly key: string | undefined;
  readonly components: Omit<KeyComponents, "inputs"> & { readonly inputs: { readonly [name: string]: string | readonly string[] | "pending" } };
  readonly code: CodeComponents;
}

/**
 * Computes every node's key as a run would now, taking upstream outputs from a previous manifest wherever the
 * upstream key is unchanged. Used by `strata explain` and the key check of `strata replay`.
 */
export const plannedKeys = async (
  study: LoadedStudy,
  store: ContentStore,
  codeDigests: CodeDigests,
  envDigest: string,
  previous: RunManifest | undefined,
): Promise<PlannedKey[]> => {
  const before = new Map((previous?.nodes ?? []).map((n) => [n.id, n]));
  const known = new Map<string, ManifestNode>();
  const out: PlannedKey[] = [];
  for (const node of study.plan.nodes) {
    const code = await codeDigests.of(node.module);
    let pending = false;
    const digestOf = (ref: PlanInputRef): string => {
      if (isSourceInput(ref)) return sourceDigestNow(study.root, ref.source);
      if (isChannelInput(ref)) {
        const candidate = digestOf(node.inputs[ref.candidate] as PlanInputRef);
        return candidate === "pending" ? "pending" : peekChannel(store, ref.channel, candidate).digest;
      }
      const up = known.get(ref.node);
      if (!up) {
        pending = true;
        return "pending";
      }
      return up.outputs[ref.output]?.digest ?? "pending";
    };
    const inputs: Record<string, string | string[]> = {};
    for (const [name, input] of Object.entries(node.inputs)) {
      inputs[name] = Array.isArray(input) ? inputRefs(input).map(digestOf) : digestOf(input as PlanInputRef);
    }
    const components = { keyVersion: KEY_VERSION, step: node.step, codeDigest: code.digest, params: node.params, inputs, envDigest, seed: node.seed };
    const key = pending ? undefined : cacheKey(components);
    const prior = before.get(node.id);
    if (key !== undefined && prior?.key === key) known.set(node.id, prior);
    out.push({ node, key, components, code: code.components });
  }
  return out;
};

export interface KeyChange {
  readonly component: string;
  readonly detail: string;
}

const diffRecords = (label: string, before: Record<string, unknown>, after: Record<string, unknown>): KeyChange[] => {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names.flatMap((name) => {
    const a = before[name];
    const b = after[name];
    if (canonicalJson(a ?? null) === canonicalJson(b ?? null)) return [];
    const show = (v: unknown) => (v === undefined ? "absent" : typeof v === "string" && v.length === 64 ? v.slice(0, 12) : canonicalJson(v));
    return [{ component: label, detail: `${name}: ${show(a)} → ${show(b)}` }];
  });
};

/** What differs between a node's recorded key components and its planned ones, component by component. */
export const explainChanges = (
  planned: PlannedKey,
  recorded: ManifestNode,
  env: { now: EnvironmentComponents; then: EnvironmentComponents },
): KeyChange[] => {
  const changes: KeyChange[] = [];
  const c = planned.components;
  const r = recorded.components;
  if (c.keyVersion !== r.keyVersion) changes.push({ component: "keyVersion", detail: `${r.keyVersion} → ${c.keyVersion}` });
  if (c.step !== r.step) changes.push({ component: "step", detail: `${r.step} → ${c.step}` });
  if (c.codeDigest !== r.codeDigest) {
    changes.push(...diffRecords("code file", recorded.code.files, planned.code.files));
    changes.push(...diffRecords("package", recorded.code.packages, planned.code.packages));
  }
  changes.push(...diffRecords("param", flatten(r.params), flatten(c.params)));
  changes.push(...diffRecords("input", r.inputs, c.inputs));
  if (c.envDigest !== r.envDigest) changes.push(...diffRecords("environment", { ...env.then }, { ...env.now }));
  if (c.seed !== r.seed) changes.push({ component: "seed", detail: `${r.seed} → ${c.seed}` });
  return changes;
};

/** {a: {b: 1}} → {"a.b": 1}, so param changes name the exact field. */
const flatten = (value: unknown, prefix = ""): Record<string, unknown> => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { [prefix || "(params)"]: value };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) Object.assign(out, flatten(v, prefix ? `${prefix}.${k}` : k));
  return out;
};
