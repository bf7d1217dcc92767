import { CorruptObjectError } from "../../artifacts/errors.js";
import type { ContentStore } from "../../artifacts/store.js";
import type { ManifestNode, RunManifest } from "../manifest.js";
import { isFolderSource, parseFolderListing } from "../source-input.js";

/** One store object a run manifest depends on, and what it is to that run. */
export interface ObjectReference {
  readonly digest: string;
  readonly role: "manifest" | "plan" | "source" | "output" | "input";
  /** The node that produced it (output) or read it (source, input). */
  readonly node?: string;
  /** Output or input name. */
  readonly name?: string;
  /** Sources only: the file's (or folder's) path in the project. */
  readonly path?: string;
  /** e.g. `table output "table" of node a`, `raw file data/x.csv (read by node ingest)`. */
  readonly describe: string;
}

const flat = (v: string | readonly string[]): readonly string[] => (typeof v === "string" ? [v] : v);

/**
 * The raw files a node's folder sources list, read from the listings in `store`. A listing that is corrupt or
 * missing lists nothing here: it is itself a referenced object, so the check names it.
 */
export const folderSourceFiles = (store: ContentStore, node: ManifestNode): ObjectReference[] =>
  Object.entries(node.sources).flatMap(([input, s]) => {
    if (!isFolderSource(s.path) || store.check(s.digest) !== undefined) return [];
    return parseFolderListing(store.get(s.digest)).files.map((f): ObjectReference => ({
      digest: f.sha256,
      role: "source",
      node: node.id,
      name: input,
      path: s.path + f.name,
      describe: `raw file ${s.path}${f.name} (read by node ${node.id})`,
    }));
  });

/**
 * Every object a run depends on, each digest once: the manifest, the plan, raw source files (a folder source's
 * listing, then the files it lists, read from `store`), every node output, then any input not already covered
 * (inputs are normally upstream outputs or sources of the same run).
 */
export const manifestReferences = (store: ContentStore, manifestDigest: string, manifest: RunManifest): ObjectReference[] => {
  const out = new Map<string, ObjectReference>();
  const add = (r: ObjectReference) => {
    if (!out.has(r.digest)) out.set(r.digest, r);
  };
  add({ digest: manifestDigest, role: "manifest", describe: `run manifest of study ${manifest.study}` });
  add({ digest: manifest.planDigest, role: "plan", describe: `plan of study ${manifest.study}` });
  for (const n of manifest.nodes) {
    for (const [input, s] of Object.entries(n.sources)) {
      const what = isFolderSource(s.path) ? `listing of raw folder ${s.path}` : `raw file ${s.path}`;
      add({ digest: s.digest, role: "source", node: n.id, name: input, path: s.path, describe: `${what} (read by node ${n.id})` });
    }
    for (const f of folderSourceFiles(store, n)) add(f);
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
