/**
 * `strata verify`: checks a whole store, not only its objects. Every object must hash to its name; every cache
 * index entry must decode, hold its checksum and name objects that are present and intact; every manifest a ref
 * points at must decode and every output it records must be in the store; every run record must decode and name
 * a manifest that is there; every registry entry must name its model. Temp files of writes that never completed
 * and stray files are debris: reported, and removed with --clean.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Schema } from "effect";
import { RegistryEntrySchema } from "../artifacts/registry.js";
import type { ContentStore } from "../artifacts/store.js";
import { UsageError } from "../dsl/errors.js";
import { checkIndexEntryFile } from "./cache-index.js";
import { RunManifestSchema } from "./manifest.js";
import { RunRecordSchema } from "./run-history.js";

export interface VerifyProblem {
  /** What is at fault: an object digest, or a path inside the store. */
  readonly at: string;
  readonly problem: string;
}

export interface VerifyReport {
  readonly objects: number;
  readonly indexEntries: number;
  readonly refs: number;
  readonly bad: readonly VerifyProblem[];
  /** Temp files and stray files: removed when `clean` was asked, otherwise problems to fix. */
  readonly debris: readonly string[];
  readonly cleaned: boolean;
}

/** A store that verify can check: an existing folder that looks like a store (or an empty one). */
export const requireStoreFolder = (root: string): void => {
  if (root === "") throw new UsageError({ problem: "--store is empty; pass the folder of a store (default .strata)" });
  const stat = fs.statSync(root, { throwIfNoEntry: false });
  if (stat === undefined) throw new UsageError({ problem: `there is no store at ${root}; pass --store with the folder a run wrote (default .strata)` });
  if (!stat.isDirectory()) throw new UsageError({ problem: `${root} is a file, not a store folder; pass --store with the folder a run wrote` });
};

const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => path.join(e.parentPath, e.name)).sort()
    : [];

const decodeObject = <S extends Schema.Top>(store: ContentStore, digest: string, schema: S, what: string): { value: S["Type"] } | { problem: string } => {
  const problem = store.check(digest);
  if (problem) return { problem: `its ${what} ${digest}: ${problem.message}` };
  try {
    return { value: Schema.decodeUnknownSync(schema as never)(JSON.parse(Buffer.from(store.get(digest)).toString("utf8"))) as S["Type"] };
  } catch (e) {
    return { problem: `its ${what} ${digest} is not a valid ${what}: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}` };
  }
};

export const verifyStore = (store: ContentStore, options: { readonly clean?: boolean; readonly onProgress?: (done: number, total: number) => void } = {}): VerifyReport => {
  requireStoreFolder(store.root);
  const bad: VerifyProblem[] = [];
  const digests = store.listObjects();
  digests.forEach((digest, i) => {
    const problem = store.check(digest);
    if (problem) bad.push({ at: digest, problem: problem.message });
    options.onProgress?.(i + 1, digests.length);
  });
  const intact = (digest: string): string | undefined => store.check(digest)?.message;

  const entries = filesUnder(path.join(store.root, "index"));
  for (const file of entries) {
    const problem = checkIndexEntryFile(file, intact);
    if (problem) bad.push({ at: path.relative(store.root, file), problem: `${problem}; a rerun recomputes the node (or remove the file)` });
  }

  const refsRoot = path.join(store.root, "refs");
  const refs = filesUnder(refsRoot);
  for (const file of refs) {
    const name = path.relative(refsRoot, file).split(path.sep).join("/");
    const at = path.relative(store.root, file);
    const target = fs.readFileSync(file, "utf8").trim();
    if (!/^[0-9a-f]{64}$/.test(target)) {
      bad.push({ at, problem: `the ref holds ${JSON.stringify(target.slice(0, 80))}, not a digest; remove the file` });
      continue;
    }
    const checked = name.startsWith("studies/")
      ? decodeObject(store, target, RunManifestSchema, "manifest")
      : name.startsWith("runs/")
        ? decodeObject(store, target, RunRecordSchema, "run record")
        : name.startsWith("registry/")
          ? decodeObject(store, target, RegistryEntrySchema, "registry entry")
          : { problem: "an unknown kind of ref" };
    if ("problem" in checked) {
      bad.push({ at, problem: checked.problem });
      continue;
    }
    const value = checked.value as { nodes?: readonly { id: string; outputs: Record<string, { digest: string }> }[]; manifest?: string; model?: string };
    if (name.startsWith("studies/")) {
      for (const node of value.nodes ?? []) {
        for (const [output, o] of Object.entries(node.outputs)) {
          const problem = intact(o.digest);
          if (problem) bad.push({ at, problem: `its manifest's node "${node.id}" output "${output}": ${problem}` });
        }
      }
    } else if (name.startsWith("runs/")) {
      const problem = value.manifest === undefined ? undefined : intact(value.manifest);
      if (problem) bad.push({ at, problem: `its run's manifest: ${problem}` });
    } else if (value.model !== undefined) {
      const problem = intact(value.model);
      if (problem) bad.push({ at, problem: `the channel's model: ${problem}` });
    }
  }

  const debris = [...store.listTemp().map((f) => path.join(store.root, "tmp", f)), ...store.strayObjectFiles()];
  if (options.clean) for (const f of debris) fs.rmSync(f, { force: true, recursive: true });
  return { objects: digests.length, indexEntries: entries.length, refs: refs.length, bad, debris, cleaned: options.clean === true };
};
