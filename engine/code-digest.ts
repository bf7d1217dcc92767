import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as esbuild from "esbuild";
import { digestOfJson, sha256Hex } from "../artifacts/digest.js";
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
 * Computes a step module's code digest from its first-party import closure (found by esbuild's bundler, so
 * dynamic imports and re-exports count too) plus the lockfile versions of the packages the closure imports.
 * Editing any helper a step imports changes this digest; editing an unrelated file does not.
 */
export const computeCodeDigest = async (root: string, moduleProjectPath: string): Promise<CodeDigest> => {
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
  const components = { files: sortRecord(files), packages: sortRecord(packages) };
  return { digest: digestOfJson(components), components };
};

const sortRecord = (r: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Per-process memo: a run computes each module's digest once. */
export class CodeDigests {
  private readonly memo = new Map<string, Promise<CodeDigest>>();
  constructor(private readonly root: string) {}

  of(moduleProjectPath: string): Promise<CodeDigest> {
    let d = this.memo.get(moduleProjectPath);
    if (!d) {
      d = computeCodeDigest(this.root, moduleProjectPath);
      this.memo.set(moduleProjectPath, d);
    }
    return d;
  }
}
