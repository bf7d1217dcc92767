import { CorruptObjectError } from "../../artifacts/errors.js";
import type { ContentStore } from "../../artifacts/store.js";
import type { RunManifest } from "../manifest.js";

/** One store object a run manifest depends on, and what it is to that run. */
export interface ObjectReference {
  readonly digest: string;
  readonly role: "manifest" | "plan" | "source" | "output" | "input";
  /** The node that produced it (output) or read it (source, input). */
  readonly node?: string;
  /** Output or input name. */
  readonly name?: string;
  /** Sources only: the file's path in the project. */
  readonly path?: string;
  /** e.g. `table output "table" of node a`, `raw file data/x.csv (read by node ingest)`. */
  readonly describe: string;
}

const flat = (v: string | readonly string[]): readonly string[] => (typeof v === "string" ? [v] : v);

/**
 * Every object a run depends on, each digest once: the manifest, the plan, raw source files, every node output,
 * then any input not already covered (inputs are normally upstream outputs or sources of the same run).
 */
export const manifestReferences = (manifestDigest: string, manifest: RunManifest): ObjectReference[] => {
  const out = new Map<string, ObjectReference>();
  const add = (r: ObjectReference) => {
    if (!out.has(r.digest)) out.set(r.digest, r);
  };
  add({ digest: manifestDigest, role: "manifest", describe: `run manifest of study ${manifest.study}` });
  add({ digest: manifest.planDigest, role: "plan", describe: `plan of study ${manifest.study}` });
  for (const n of manifest.nodes) {
    for (const [input, s] of Object.entries(n.sources)) {
      add({ digest: s.digest, role: "source", node: n.id, name: input, path: s.path, describe: `raw file ${s.path} (read by node ${n.id})` });
    }
  }
  for (const n of manifest.nodes) {
    for (const [name, o] of Object.entries(n.outputs)) {
      add({ digest: o.digest, role: "output", node: n.id, name, describe: `${o.kind} output "${name}" of node ${n.id}` });
    }
  }
  for (const n of manifest.nodes) {
    for (const [name, v] of Object.entries(n.components.inputs)) {
      for (const d of flat(v)) add({ digest: d, role: "input", node: n.id, name, describe: `input "${name}" of node ${n.id}` });
    }
  }
  return [...out.values()];
};

export interface StoreProblem {
  readonly digest: string;
  readonly describe: string;
  readonly problem: "corrupt" | "missing";
  /** The object file, for corrupt objects. */
  readonly file?: string;
  /** What the corrupt bytes hash to now. */
  readonly actual?: string;
  readonly message: string;
}

/** Checks each referenced object against its digest; names every one that is corrupt or missing. */
export const checkReferences = (store: ContentStore, refs: readonly ObjectReference[]): StoreProblem[] =>
  refs.flatMap((r): StoreProblem[] => {
    const e = store.check(r.digest);
    if (e === undefined) return [];
    if (e instanceof CorruptObjectError) {
      return [{ digest: r.digest, describe: r.describe, problem: "corrupt", file: e.path, actual: e.actual, message: `${r.describe} ${r.digest} is corrupt: its bytes now hash to ${e.actual} (file ${e.path})` }];
    }
    return [{ digest: r.digest, describe: r.describe, problem: "missing", message: `${r.describe} ${r.digest} is missing from ${store.root}` }];
  });
