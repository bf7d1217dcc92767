import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { digestOfJson, sha256Hex } from "../artifacts/digest.js";
import { installedPackageKey, packageOfFile, STRATA_PACKAGE } from "./installed-package.js";
import { fromProjectPath, readLockfileVersions } from "./project.js";

/** What a step's code digest covers: every first-party file it imports and every package version it uses. */
export interface CodeComponents {
  readonly files: { readonly [projectPath: string]: string };
  readonly packages: { readonly [name: string]: string };
}

export interface CodeDigest {
  readonly digest: string;
  readonly components: CodeComponents;
}

const builtins = new Set(builtinModules);

const packageName = (specifier: string): string => {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
};

/**
 * Whether a step module is installed code rather than one of the project's own files: a module under
 * node_modules (Strata's own steps in a study repository) or outside the project root (a linked package).
 */
const isInstalledModule = (moduleProjectPath: string): boolean =>
  moduleProjectPath.startsWith("../") || moduleProjectPath.split("/").includes("node_modules");

/**
 * An installed step module is keyed by its package, not by its files: the package's name, version and the
 * digest of all its files. A changed installed Strata (another version, or a rebuilt one) changes every key of
 * its steps, and `strata explain` names the package.
 */
const installedCodeDigest = (root: string, moduleProjectPath: string): CodeDigest => {
  const pkg = packageOfFile(fromProjectPath(root, moduleProjectPath));
  const packages = pkg === undefined ? { [moduleProjectPath]: "unresolved" } : { [pkg.name]: installedPackageKey(pkg) };
  const components = { files: {}, packages };
  return { digest: digestOfJson(components), components };
};

/**
 * A first-party closure that imports Strata itself by its package name (a study's own step importing "strata")
 * names Strata by its content digest too, not only by the version the lockfile gives: see installedCodeDigest.
 */
const withStrataKeyed = (components: CodeComponents): CodeComponents =>
  STRATA_PACKAGE.name in components.packages
    ? { files: components.files, packages: { ...components.packages, [STRATA_PACKAGE.name]: installedPackageKey(STRATA_PACKAGE) } }
    : components;

/**
 * Computes a step module's code digest from its first-party import closure (found by esbuild's bundler, so
 * dynamic imports and re-exports count too) plus the lockfile versions of the packages the closure imports.
 * Editing any helper a step imports changes this digest; editing an unrelated file does not.
 */
export const computeCodeDigest = async (root: string, moduleProjectPath: string): Promise<CodeDigest> => {
  if (isInstalledModule(moduleProjectPath)) return installedCodeDigest(root, moduleProjectPath);
  // Loaded here, not at the top: a run whose digests all come from the cache below never needs esbuild.
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [fromProjectPath(root, moduleProjectPath)],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "silent",
  });
  const versions = readLockfileVersions(root);
  const files: Record<string, string> = {};
  const packages: Record<string, string> = {};
  for (const [file, input] of Object.entries(result.metafile!.inputs)) {
    files[file] = sha256Hex(fs.readFileSync(fromProjectPath(root, file)));
    for (const imported of input.imports) {
      if (!imported.external || imported.path.startsWith("node:") || builtins.has(imported.path)) continue;
      const name = packageName(imported.path);
      packages[name] = versions.get(name) ?? "unresolved";
    }
  }
  const components = withStrataKeyed({ files: sortRecord(files), packages: sortRecord(packages) });
  return { digest: digestOfJson(components), components };
};

const sortRecord = (r: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * A step module's code digest, computed once per process and reused across runs through a cache in
 * node_modules/.cache/strata/code-digests (one JSON file per module, safe to delete). Finding the import closure
 * takes an esbuild build per module (a few hundred milliseconds per run, most of a warm run's engine time);
 * re-hashing the files of a closure found earlier takes about a millisecond.
 *
 * Why reuse is safe: which files a closure holds, and which packages it imports, is decided only by (1) the bytes
 * of the files in it (a new or removed import changes the importing file), (2) which names exist in the folders
 * those files sit in (a new ./x.js beside ./x.ts would change what an import resolves to), and (3) the context:
 * package-lock.json (package versions, esbuild's included), package.json and tsconfig.json (how esbuild
 * resolves), the Node version (which names are builtins) and this file itself (how the digest is computed). A
 * recorded closure is reused only when all three are exactly as recorded: every file re-hashes to its recorded
 * sha256, every folder lists the same names, and the context hashes the same. Otherwise the closure is computed
 * afresh and the record replaced. A record is not written when a file or folder it covers changed while (or just
 * before) the closure was computed, so a record never pairs a closure with bytes esbuild did not read. The digest
 * is the same either way; the cache only skips the build.
 */
export class CodeDigests {
  private readonly memo = new Map<string, Promise<CodeDigest>>();
  private readonly fileHashes = new Map<string, string>();
  private contextDigest: string | undefined;
  /** How many digests this instance computed with esbuild; the others came from the cache. */
  computed = 0;

  constructor(
    private readonly root: string,
    /** Where records are kept; undefined turns the cache off (every digest is computed). */
    private readonly cacheDir: string | undefined = defaultCacheDir(root),
  ) {}

  of(moduleProjectPath: string): Promise<CodeDigest> {
    let d = this.memo.get(moduleProjectPath);
    if (!d) {
      d = this.compute(moduleProjectPath);
      this.memo.set(moduleProjectPath, d);
    }
    return d;
  }

  private async compute(module: string): Promise<CodeDigest> {
    if (isInstalledModule(module)) return installedCodeDigest(this.root, module);
    if (this.cacheDir === undefined) {
      this.computed++;
      return computeCodeDigest(this.root, module);
    }
    const file = path.join(this.cacheDir, `${sha256Hex(module)}.json`);
    const context = this.context();
    const recorded = readRecord(file);
    if (recorded !== undefined && recorded.module === module && recorded.context === context && this.stillHolds(recorded)) {
      const components = withStrataKeyed(recorded.components);
      return { digest: digestOfJson(components), components };
    }
    const started = Date.now();
    this.computed++;
    const computed = await computeCodeDigest(this.root, module);
    const record: ClosureRecord = { format: RECORD_FORMAT, module, context, components: computed.components, folders: this.folderListings(computed.components) };
    if (!this.changedSince(record, started)) writeRecord(this.cacheDir, file, record);
    return computed;
  }

  /** The hash of everything besides the closure's own files and folders that decides the closure. */
  private context(): string {
    this.contextDigest ??= digestOfJson({
      format: RECORD_FORMAT,
      node: process.version,
      self: hashFileOrAbsent(fileURLToPath(import.meta.url)),
      files: CONTEXT_FILES.map((f) => hashFileOrAbsent(path.join(this.root, f))),
    });
    return this.contextDigest;
  }

  private stillHolds(record: ClosureRecord): boolean {
    for (const [file, digest] of Object.entries(record.components.files)) {
      let now = this.fileHashes.get(file);
      if (now === undefined) {
        now = hashFileOrAbsent(fromProjectPath(this.root, file));
        this.fileHashes.set(file, now);
      }
      if (now !== digest) return false;
    }
    const folders = this.folderListings(record.components);
    return digestOfJson(folders) === digestOfJson(record.folders);
  }

  /** The names in each folder that holds a file of the closure. */
  private folderListings(components: CodeComponents): { [folder: string]: string[] } {
    const folders = [...new Set(Object.keys(components.files).map((f) => path.posix.dirname(f)))].sort();
    return Object.fromEntries(folders.map((f) => [f, listOrAbsent(fromProjectPath(this.root, f))]));
  }

  /**
   * True if a file or folder the record covers, or a context file, was modified after `started` minus a margin
   * for coarse file-system clocks: then esbuild may have read other bytes than the record names.
   */
  private changedSince(record: ClosureRecord, started: number): boolean {
    const paths = [
      ...Object.keys(record.components.files).map((f) => fromProjectPath(this.root, f)),
      ...Object.keys(record.folders).map((f) => fromProjectPath(this.root, f)),
      ...CONTEXT_FILES.map((f) => path.join(this.root, f)),
    ];
    return paths.some((p) => {
      try {
        return fs.statSync(p).mtimeMs > started - MTIME_MARGIN_MS;
      } catch {
        return false;
      }
    });
  }
}

const RECORD_FORMAT = "strata-code-closure/1";
const CONTEXT_FILES = ["package-lock.json", "package.json", "tsconfig.json"];
const MTIME_MARGIN_MS = 2000;

interface ClosureRecord {
  readonly format: typeof RECORD_FORMAT;
  readonly module: string;
  readonly context: string;
  readonly components: CodeComponents;
  readonly folders: { readonly [folder: string]: readonly string[] };
}

/** node_modules/.cache/strata/code-digests of the project, or undefined when it has no node_modules. */
const defaultCacheDir = (root: string): string | undefined => {
  const modules = path.join(root, "node_modules");
  return fs.existsSync(modules) ? path.join(modules, ".cache", "strata", "code-digests") : undefined;
};

const hashFileOrAbsent = (file: string): string => {
  try {
    return sha256Hex(fs.readFileSync(file));
  } catch {
    return "absent";
  }
};

const listOrAbsent = (folder: string): string[] => {
  try {
    return fs.readdirSync(folder).sort();
  } catch {
    return ["(absent)"];
  }
};

const readRecord = (file: string): ClosureRecord | undefined => {
  try {
    const r = JSON.parse(fs.readFileSync(file, "utf8")) as ClosureRecord;
    return r.format === RECORD_FORMAT ? r : undefined;
  } catch {
    return undefined;
  }
};

/** Best effort (a read-only node_modules just means no cache): written to a temporary name, then renamed. */
const writeRecord = (dir: string, file: string, record: ClosureRecord): void => {
  const tmp = `${file}.${randomBytes(8).toString("hex")}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(record));
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
};
