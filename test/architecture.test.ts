import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/cli.js";

// The folder rules of docs/architecture.md, checked on the source text of every module of the repository.

interface ModuleImport {
  /** The imported file, relative to the repository root with forward slashes; or the bare specifier ("node:fs"). */
  readonly target: string;
  readonly specifier: string;
  /** `import type` / `export type`: erased at compile time, so it neither loads the module nor makes a cycle. */
  readonly typeOnly: boolean;
}

const SOURCE = /\.(ts|mts|mjs)$/;
const SKIPPED_FOLDERS = new Set(["node_modules", ".git", "dist"]);
// Files that are not modules of the project: inputs for tsc's own error messages.
const SKIPPED_PATHS = ["test/fixtures/typecheck-errors/"];

const sourceFiles = (dir = ""): string[] =>
  fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) || SKIPPED_PATHS.some((p) => `${rel}/`.startsWith(p)) ? [] : sourceFiles(rel);
    return SOURCE.test(entry.name) ? [rel] : [];
  });

/** Comments blanked out (string contents kept), so a commented-out import is not an import. */
const withoutComments = (text: string): string =>
  text.replace(/("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m, literal: string | undefined) =>
    literal ?? m.replace(/[^\n]/g, " "),
  );

const STATIC = /(?:^|[\n;])\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?["']([^"']+)["']/g;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;
// A module loaded by path rather than imported: module hooks and worker-thread entries.
const BY_URL = /\b(?:register|new\s+URL|new\s+Worker)\(\s*["']([^"']+)["']/g;

const resolveTarget = (from: string, specifier: string): string => {
  if (!specifier.startsWith(".")) return specifier;
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  // Imports name the emitted .js file; the source beside it is .ts.
  if (fs.existsSync(path.join(repoRoot, joined))) return joined;
  const ts = joined.replace(/\.js$/, ".ts").replace(/\.mjs$/, ".mts");
  return fs.existsSync(path.join(repoRoot, ts)) ? ts : joined;
};

const importsOf = (file: string): ModuleImport[] => {
  const text = withoutComments(fs.readFileSync(path.join(repoRoot, file), "utf8"));
  const found: ModuleImport[] = [];
  for (const m of text.matchAll(STATIC)) found.push({ specifier: m[3]!, target: resolveTarget(file, m[3]!), typeOnly: m[2] !== undefined });
  for (const m of text.matchAll(DYNAMIC)) found.push({ specifier: m[1]!, target: resolveTarget(file, m[1]!), typeOnly: false });
  for (const m of text.matchAll(BY_URL)) {
    if (m[1]!.startsWith(".")) found.push({ specifier: m[1]!, target: resolveTarget(file, m[1]!), typeOnly: true });
  }
  return found;
};

const files = sourceFiles();
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const folderOf = (file: string): string => file.split("/")[0]!;

/** "engine/x.ts -> steps/y.ts" for every import from a file in `from` that breaks `rule`. */
const violations = (from: string, rule: (imp: ModuleImport, file: string) => boolean): string[] =>
  [...graph].flatMap(([file, imports]) =>
    folderOf(file) === from ? imports.filter((imp) => rule(imp, file)).map((imp) => `${file} -> ${imp.specifier}`) : [],
  );

const importsFolder = (folders: readonly string[]) => (imp: ModuleImport) => folders.includes(folderOf(imp.target)) && imp.specifier.startsWith(".");

/** The first cycle among value imports, as a path that ends where it starts; undefined when there is none. */
const findCycle = (): string[] | undefined => {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    state.set(file, "open");
    stack.push(file);
    for (const imp of graph.get(file) ?? []) {
      if (imp.typeOnly || !graph.has(imp.target)) continue;
      if (state.get(imp.target) === "open") return [...stack.slice(stack.indexOf(imp.target)), imp.target];
      if (state.get(imp.target) === undefined) {
        const cycle = visit(imp.target);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of [...graph.keys()].sort()) {
    if (state.get(file) !== undefined) continue;
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
};

/** Step kinds are "<stage>.<name>", and every stage is a folder of steps/. */
const stages = fs
  .readdirSync(path.join(repoRoot, "steps"), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

describe("the folder rules of docs/architecture.md", () => {
  it("finds the modules and their imports (a guard against a parser that sees nothing)", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(graph.get("engine/node-runner.ts")!.some((i) => i.target === "artifacts/store.ts")).toBe(true);
    expect(stages).toContain("evaluate");
  });

  it("engine/ imports nothing from cli/, workers/, bin/ or steps/", () => {
    expect(violations("engine", importsFolder(["cli", "workers", "bin", "steps"]))).toEqual([]);
  });

  it("workers/ imports nothing from cli/", () => {
    expect(violations("workers", importsFolder(["cli"]))).toEqual([]);
  });

  it("dsl/ imports no Node built-in and no project file outside dsl/", () => {
    expect(violations("dsl", (imp) => imp.specifier.startsWith("node:") || (imp.specifier.startsWith(".") && folderOf(imp.target) !== "dsl"))).toEqual([]);
  });

  it("has no cycle among value imports", () => {
    const cycle = findCycle();
    expect(cycle?.join(" -> ")).toBeUndefined();
  });

  it("engine/ holds no string literal that names a step kind", () => {
    const literal = new RegExp(`["'\`](?:${stages.join("|")})\\.[a-z0-9-]*`, "g");
    const found = files
      .filter((f) => folderOf(f) === "engine")
      .flatMap((f) => [...withoutComments(fs.readFileSync(path.join(repoRoot, f), "utf8")).matchAll(literal)].map((m) => `${f}: ${m[0]}`));
    expect(found).toEqual([]);
  });

  it("no test, bench or pipeline reads a file outside the repository", () => {
    // A path that climbs out of the repository (e.g. the shared data sets beside it) works only on one machine.
    const climbing = /["'`](?:\.\.\/)+[^"'`]*["'`]/g;
    const outside = files
      .filter((f) => ["test", "bench", "pipelines"].includes(folderOf(f)))
      .flatMap((f) =>
        [...fs.readFileSync(path.join(repoRoot, f), "utf8").matchAll(climbing)]
          .map((m) => m[0].slice(1, -1))
          .filter((p) => path.relative(repoRoot, path.resolve(repoRoot, path.dirname(f), p)).startsWith(".."))
          .map((p) => `${f}: ${p}`),
      );
    expect(outside).toEqual([]);
  });
});
