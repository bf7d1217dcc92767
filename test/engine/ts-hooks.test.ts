import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

// The TypeScript hooks in a throwaway project of their own (bin/run-ts.mjs, runtime/ and a node_modules with
// esbuild), so their transpile cache starts empty and never touches the repository's.
const projects: string[] = [];
afterAll(() => {
  for (const p of projects) fs.rmSync(p, { recursive: true, force: true });
});

const makeProject = (): string => {
  const root = makeTempDir("strata-ts-hooks-");
  projects.push(root);
  for (const f of ["bin/run-ts.mjs", "runtime/typescript.mjs", "runtime/ts-hooks.mjs"]) {
    fs.mkdirSync(path.join(root, path.dirname(f)), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, f), path.join(root, f));
  }
  fs.mkdirSync(path.join(root, "node_modules"));
  fs.symlinkSync(path.join(repoRoot, "node_modules/esbuild"), path.join(root, "node_modules/esbuild"), "dir");
  fs.mkdirSync(path.join(root, "src"));
  fs.writeFileSync(path.join(root, "src/helper.ts"), 'export const greet = (name: string): string => `hello ${name}`;\n');
  return root;
};

const run = (root: string, file: string) => {
  const r = spawnSync(process.execPath, [path.join(root, "bin/run-ts.mjs"), file], { cwd: root, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const cacheEntries = (root: string): string[] => {
  const dir = path.join(root, "node_modules/.cache/strata/ts");
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
};

describe("the TypeScript hooks' transpile cache", () => {
  it("serves an unchanged file from the cache and transpiles a changed one", () => {
    const root = makeProject();
    fs.writeFileSync(path.join(root, "src/main.ts"), 'import { greet } from "./helper.js";\nconst n: number = 1;\nconsole.log(greet("a"), n);\n');
    expect(run(root, "src/main.ts")).toMatchObject({ code: 0, stdout: "hello a 1\n" });
    const entries = cacheEntries(root);
    expect(entries).toHaveLength(2);
    expect(run(root, "src/main.ts")).toMatchObject({ code: 0, stdout: "hello a 1\n" });
    expect(cacheEntries(root)).toEqual(entries);

    fs.writeFileSync(path.join(root, "src/main.ts"), 'import { greet } from "./helper.js";\nconst n: number = 2;\nconsole.log(greet("b"), n);\n');
    expect(run(root, "src/main.ts")).toMatchObject({ code: 0, stdout: "hello b 2\n" });
    expect(cacheEntries(root)).toHaveLength(3);
  });

  it("maps stack traces to the .ts file's full path and line, transpiled or cached", () => {
    const root = makeProject();
    fs.writeFileSync(path.join(root, "src/throws.ts"), 'type T = { a: number };\nconst f = (t: T): number => {\n  throw new Error("boom " + t.a);\n};\nf({ a: 1 });\n');
    for (const attempt of ["transpiled", "cached"]) {
      const r = run(root, "src/throws.ts");
      expect(r.code, attempt).not.toBe(0);
      expect(r.stderr, attempt).toContain(`at f (${path.join(root, "src/throws.ts")}:3:9)`);
    }
  });

  it("names the file in full when it does not parse", () => {
    const root = makeProject();
    fs.writeFileSync(path.join(root, "src/bad.ts"), "const x: number = ;\n");
    const r = run(root, "src/bad.ts");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${path.join(root, "src/bad.ts")}:1:18: ERROR`);
    expect(cacheEntries(root)).toEqual([]);
  });
});
