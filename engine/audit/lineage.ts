import * as fs from "node:fs";
import * as path from "node:path";
import { canonicalJson } from "../../artifacts/canonical-json.js";
import { shortDigest } from "../../artifacts/digest.js";
import type { ContentStore } from "../../artifacts/store.js";
import type { HandleKind } from "../../dsl/handles.js";
import type { JsonValue } from "../../dsl/step.js";
import { inputRefs, isNodeInput, type PlanInputRef, type StudyPlan } from "../../dsl/plan.js";
import { readManifest, type ManifestNode, type RunManifest } from "../manifest.js";

export interface RecordedRun {
  readonly digest: string;
  readonly manifest: RunManifest;
  /** the ref that names it (e.g. studies/heart/last-manifest), or undefined when found by scanning objects */
  readonly ref?: string;
}

const listRefs = (dir: string, prefix = ""): string[] => {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? listRefs(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
};

/** Canonical JSON puts "environment" first, so a manifest object starts with these bytes; nothing else does. */
const MANIFEST_PREFIX = '{"environment":{';

const looksLikeManifest = (file: string): boolean => {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(MANIFEST_PREFIX.length);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString("utf8") === MANIFEST_PREFIX;
  } finally {
    fs.closeSync(fd);
  }
};

/**
 * Every run manifest in a store: first those named by refs (each study's last run), then any other manifest
 * object, newest first. Objects that cannot be read as manifests are reported in `skipped`, not hidden.
 */
export const recordedRuns = (store: ContentStore): { runs: RecordedRun[]; skipped: { digest: string; reason: string }[] } => {
  const runs: RecordedRun[] = [];
  const skipped: { digest: string; reason: string }[] = [];
  const seen = new Set<string>();
  const tryRead = (digest: string, ref?: string) => {
    if (seen.has(digest)) return;
    seen.add(digest);
    try {
      runs.push({ digest, manifest: readManifest(store, digest).manifest, ...(ref ? { ref } : {}) });
    } catch (e) {
      skipped.push({ digest, reason: e instanceof Error ? e.message : String(e) });
    }
  };
  for (const name of listRefs(path.join(store.root, "refs"))) {
    let value: string | undefined;
    try {
      value = store.readRef(name);
    } catch (e) {
      skipped.push({ digest: name, reason: e instanceof Error ? e.message : String(e) });
      continue;
    }
    if (value && store.has(value) && looksLikeManifest(store.objectPath(value))) tryRead(value, name);
  }
  const scanned: RecordedRun[] = [];
  const before = runs.length;
  for (const d of store.listObjects()) if (!seen.has(d) && looksLikeManifest(store.objectPath(d))) tryRead(d);
  scanned.push(...runs.splice(before));
  scanned.sort((a, b) => (a.manifest.startedAt < b.manifest.startedAt ? 1 : a.manifest.startedAt > b.manifest.startedAt ? -1 : 0));
  return { runs: [...runs, ...scanned], skipped };
};

export interface LineageSource {
  readonly kind: "source";
  readonly digest: string;
  /** the raw file's path in the project, as the run read it */
  readonly path: string;
}

export interface LineageUnknown {
  readonly kind: "unknown";
  readonly digest: string;
  readonly note: string;
}

export interface LineageInput {
  readonly name: string;
  /** position in a list input */
  readonly index?: number;
  readonly from: LineageItem;
}

export interface LineageOutput {
  readonly kind: "output";
  readonly digest: string;
  readonly output: string;
  readonly outputKind: HandleKind;
  readonly node: string;
  readonly step: string;
  readonly module: string;
  readonly params: JsonValue;
  readonly seed: number;
  readonly codeDigest: string;
  readonly key: string;
  readonly cached: boolean;
  /** true when this node was already expanded higher up in the tree; its inputs are not repeated */
  readonly repeated?: boolean;
  readonly inputs: readonly LineageInput[];
}

export type LineageItem = LineageOutput | LineageSource | LineageUnknown;

export interface Lineage {
  readonly artifact: string;
  readonly manifest: string;
  readonly study: string;
  readonly pipeline: string;
  readonly startedAt: string;
  readonly tree: LineageItem;
  /** every raw file the artifact depends on */
  readonly sources: readonly { readonly path: string; readonly digest: string }[];
  /** ids of the nodes it depends on, in topological order */
  readonly nodes: readonly string[];
}

const readPlan = (store: ContentStore, digest: string): StudyPlan | undefined => {
  if (store.check(digest) !== undefined) return undefined;
  return JSON.parse(new TextDecoder().decode(store.get(digest))) as StudyPlan;
};

/** The run that produced `digest` (or read it as a raw file), preferring runs named by refs. */
export const findProducer = (runs: readonly RecordedRun[], digest: string): RecordedRun | undefined =>
  runs.find((r) => r.manifest.nodes.some((n) => Object.values(n.outputs).some((o) => o.digest === digest))) ??
  runs.find((r) => r.manifest.nodes.some((n) => Object.values(n.sources).some((s) => s.digest === digest)));

/**
 * The chain of nodes, params and inputs that produced an artifact in one recorded run, back to the raw files.
 * Wiring comes from the stored plan when it is intact, otherwise from matching input digests to outputs.
 */
export const buildLineage = (store: ContentStore, run: RecordedRun, digest: string): Lineage => {
  const m = run.manifest;
  const plan = readPlan(store, m.planDigest);
  const planNodes = new Map((plan?.nodes ?? []).map((n) => [n.id, n]));
  const nodes = new Map(m.nodes.map((n) => [n.id, n]));
  const producedBy = new Map<string, { node: ManifestNode; output: string }>();
  for (const n of m.nodes) for (const [name, o] of Object.entries(n.outputs)) if (!producedBy.has(o.digest)) producedBy.set(o.digest, { node: n, output: name });
  const sources = new Map<string, string>();
  const used = new Set<string>();
  const expanded = new Set<string>();

  const outputItem = (node: ManifestNode, output: string): LineageItem => {
    used.add(node.id);
    const o = node.outputs[output]!;
    const base = {
      kind: "output" as const,
      digest: o.digest,
      output,
      outputKind: o.kind,
      node: node.id,
      step: node.step,
      module: node.module,
      params: node.components.params as JsonValue,
      seed: node.components.seed,
      codeDigest: node.components.codeDigest,
      key: node.key,
      cached: node.cached,
    };
    if (expanded.has(node.id)) return { ...base, repeated: true, inputs: [] };
    expanded.add(node.id);
    const inputs: LineageInput[] = [];
    for (const name of Object.keys(node.components.inputs).sort()) {
      const value = node.components.inputs[name]!;
      const list = typeof value === "string" ? [value] : value;
      const wired = planNodes.get(node.id)?.inputs[name];
      const wiredRefs: readonly PlanInputRef[] = wired ? inputRefs(wired) : [];
      list.forEach((d, i) => {
        const at = typeof value === "string" ? {} : { index: i };
        const source = node.sources[name];
        if (source && source.digest === d) {
          sources.set(source.path, d);
          inputs.push({ name, ...at, from: { kind: "source", digest: d, path: source.path } });
          return;
        }
        const r = wiredRefs[i];
        const viaPlan = r && isNodeInput(r) ? nodes.get(r.node) : undefined;
        const producer =
          viaPlan && r && isNodeInput(r) && viaPlan.outputs[r.output]?.digest === d ? { node: viaPlan, output: r.output } : producedBy.get(d);
        inputs.push({ name, ...at, from: producer ? outputItem(producer.node, producer.output) : { kind: "unknown", digest: d, note: "not produced by any node of this run" } });
      });
    }
    return { ...base, inputs };
  };

  const top = producedBy.get(digest);
  let tree: LineageItem;
  if (top) tree = outputItem(top.node, top.output);
  else {
    const reader = m.nodes.find((n) => Object.values(n.sources).some((s) => s.digest === digest));
    const s = reader ? Object.values(reader.sources).find((x) => x.digest === digest)! : undefined;
    if (s) sources.set(s.path, digest);
    tree = s ? { kind: "source", digest, path: s.path } : { kind: "unknown", digest, note: `not produced or read by any node of run ${run.digest}` };
  }
  return {
    artifact: digest,
    manifest: run.digest,
    study: m.study,
    pipeline: m.pipeline,
    startedAt: m.startedAt,
    tree,
    sources: [...sources.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, d]) => ({ path: p, digest: d })),
    nodes: m.nodes.filter((n) => used.has(n.id)).map((n) => n.id),
  };
};

const paramsText = (p: JsonValue): string => {
  const s = canonicalJson(p);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
};

const label = (item: LineageItem, full: boolean): string => {
  const d = full ? item.digest : shortDigest(item.digest);
  if (item.kind === "source") return `raw file ${item.path}  sha256 ${item.digest}`;
  if (item.kind === "unknown") return `${d}  (${item.note})`;
  return `${item.outputKind} "${item.output}" of node ${item.node} (${item.step})  ${d}${item.repeated ? "  (expanded above)" : ""}`;
};

/** The lineage as a tree of box-drawing lines, the artifact on top and raw files at the leaves. */
export const renderLineage = (l: Lineage): string => {
  const lines: string[] = [];
  const details = (item: LineageOutput) =>
    `params ${paramsText(item.params)} · seed ${item.seed} · code ${shortDigest(item.codeDigest)} · key ${shortDigest(item.key)}${item.cached ? " · cached" : ""}`;
  const walk = (item: LineageItem, prefix: string) => {
    if (item.kind !== "output" || item.repeated) return;
    item.inputs.forEach((input, i) => {
      const last = i === item.inputs.length - 1;
      const name = input.index === undefined ? input.name : `${input.name}[${input.index}]`;
      lines.push(`${prefix}${last ? "└─ " : "├─ "}${name} ← ${label(input.from, false)}`);
      const childPrefix = prefix + (last ? "   " : "│  ");
      if (input.from.kind === "output" && !input.from.repeated) {
        lines.push(`${childPrefix}${input.from.inputs.length > 0 ? "│  " : "   "}${details(input.from)}`);
      }
      walk(input.from, childPrefix);
    });
  };
  lines.push(label(l.tree, true));
  if (l.tree.kind === "output") lines.push(`${l.tree.inputs.length > 0 ? "│  " : "   "}${details(l.tree)}`);
  walk(l.tree, "");
  return lines.join("\n") + "\n";
};
