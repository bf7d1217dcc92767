/**
 * Source inputs: a raw file, or a folder of files, under the project root. A folder's path ends with "/"
 * (`source("data/visits/")`), so the plan itself says which it is, and so does every manifest that records it: an
 * audit of a bundle knows a folder from its path without looking at any disk.
 *
 * A folder is keyed on its listing: canonical JSON `{ format: "strata-folder/1", files: [{ name, sha256, size }] }`
 * with every regular file directly inside it (names starting with "." such as .DS_Store are skipped), sorted by
 * name in code-point order. Its digest changes when a file is added, removed, renamed or edited, and never with
 * creation order, timestamps or the file system's listing order. A subfolder is an error rather than a guess.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Schema } from "effect";
import { canonicalJsonBytes } from "../artifacts/canonical-json.js";
import { sha256Hex } from "../artifacts/digest.js";
import type { ContentStore } from "../artifacts/store.js";
import type { SourceFile } from "../dsl/step.js";
import { fromProjectPath } from "./project.js";

export const FOLDER_FORMAT = "strata-folder/1";

const FolderListingSchema = Schema.Struct({
  format: Schema.Literal(FOLDER_FORMAT),
  files: Schema.Array(Schema.Struct({ name: Schema.String, sha256: Schema.String, size: Schema.Number })),
});
export type FolderListing = typeof FolderListingSchema.Type;

export const isFolderSource = (projectPath: string): boolean => projectPath.endsWith("/");

/** A source as the node runner reads it. */
export interface SourceContent {
  /** What the node is keyed on: the sha256 of the file, or of the folder's listing. */
  readonly digest: string;
  /** The bytes `digest` names: the file, or the folder's listing. */
  readonly bytes: Uint8Array;
  /** The file itself (named by its base name), or every file of the folder in listing order. */
  readonly files: readonly SourceFile[];
  /** What a successful run stores: the file, or the listing and every file, so bundles and replays reach them. */
  readonly objects: readonly Uint8Array[];
}

const byCodePoint = (a: SourceFile, b: SourceFile): number => Buffer.compare(Buffer.from(a.name, "utf8"), Buffer.from(b.name, "utf8"));

/** A folder source made of these files (sorted here): its listing, digest and objects. */
export const folderContent = (files: readonly SourceFile[]): SourceContent => {
  const sorted = [...files].sort(byCodePoint);
  const bytes = canonicalJsonBytes({ format: FOLDER_FORMAT, files: sorted.map((f) => ({ name: f.name, sha256: sha256Hex(f.bytes), size: f.bytes.length })) });
  return { digest: sha256Hex(bytes), bytes, files: sorted, objects: [bytes, ...sorted.map((f) => f.bytes)] };
};

/**
 * Why a path may not be read as data, or undefined: a symlink (or a path through one) is followed, and where it
 * leads must still be inside the project, as a `../x` or absolute path in the study would have to be.
 */
const escapesProject = (root: string, absolute: string): string | undefined => {
  let real: string;
  try {
    real = fs.realpathSync(absolute);
  } catch {
    return undefined; // missing: the caller says so
  }
  const inside = path.relative(fs.realpathSync(root), real);
  if (inside === "" || (!inside.startsWith("..") && !path.isAbsolute(inside))) return undefined;
  return `${absolute} is a symlink to ${real}, outside the project; copy the data into the project (sources must be inside the project root)`;
};

const readFolder = (root: string, folder: string): SourceContent | { readonly problem: string } => {
  const files: SourceFile[] = [];
  const others: string[] = [];
  for (const name of fs.readdirSync(folder).filter((n) => !n.startsWith("."))) {
    const outside = escapesProject(root, path.join(folder, name));
    if (outside !== undefined) return { problem: outside };
    const stat = fs.statSync(path.join(folder, name), { throwIfNoEntry: false });
    if (stat?.isFile()) files.push({ name, bytes: fs.readFileSync(path.join(folder, name)) });
    else others.push(stat?.isDirectory() ? `${name}/` : name);
  }
  if (others.length > 0) {
    return { problem: `${folder} holds ${others.sort().join(", ")}, which ${others.length === 1 ? "is not a regular file" : "are not regular files"}; a folder source reads the files directly inside it: move subfolders out, or read each as its own source` };
  }
  if (files.length === 0) return { problem: `the folder ${folder} holds no data files (names starting with "." are skipped); expected at least one file` };
  return folderContent(files);
};

/**
 * Reads a source: its bytes, digest and files, or a problem that says what was expected (the node runner turns it
 * into a DataError naming the node and input).
 */
export const readSource = (root: string, projectPath: string): SourceContent | { readonly problem: string } => {
  const absolute = fromProjectPath(root, projectPath);
  const outside = escapesProject(root, absolute);
  if (outside !== undefined) return { problem: outside };
  const stat = fs.statSync(absolute, { throwIfNoEntry: false });
  if (isFolderSource(projectPath)) {
    if (stat === undefined) return { problem: `no such data folder (looked for ${absolute}); paths in a study are relative to the project root` };
    if (!stat.isDirectory()) return { problem: `${absolute} is not a folder; drop the trailing "/" to read a single file` };
    return readFolder(root, absolute);
  }
  if (stat === undefined) return { problem: `no such data file (looked for ${absolute}); paths in a study are relative to the project root` };
  if (stat.isDirectory()) return { problem: `${absolute} is a folder; write "${projectPath}/" to read every file in it` };
  if (!stat.isFile()) return { problem: `${absolute} is not a regular file; expected a data file` };
  const bytes = fs.readFileSync(absolute);
  return { digest: sha256Hex(bytes), bytes, files: [{ name: path.posix.basename(projectPath), bytes }], objects: [bytes] };
};

/** The digest a source has on disk now, or "missing" when it cannot be read (explain, the key check of replay). */
export const sourceDigestNow = (root: string, projectPath: string): string => {
  const source = readSource(root, projectPath);
  return "problem" in source ? "missing" : source.digest;
};

/** Parses a folder listing; a listing that does not decode is a bug or a wrong digest, never user data. */
export const parseFolderListing = (bytes: Uint8Array): FolderListing =>
  Schema.decodeUnknownSync(FolderListingSchema)(JSON.parse(new TextDecoder().decode(bytes)));

/** The files of a recorded source, read back from a store (replay): `bytes` is the object its digest names. */
export const storedSourceFiles = (store: ContentStore, projectPath: string, bytes: Uint8Array): SourceFile[] =>
  isFolderSource(projectPath)
    ? parseFolderListing(bytes).files.map((f) => ({ name: f.name, bytes: store.get(f.sha256) }))
    : [{ name: path.posix.basename(projectPath), bytes }];

/** The project path of one file of a source, for error messages: the folder's path and its name, or the file. */
export const sourceFilePath = (projectPath: string, name: string): string => (isFolderSource(projectPath) ? projectPath + name : projectPath);
