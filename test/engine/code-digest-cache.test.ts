import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CodeDigests, computeCodeDigest } from "../../engine/code-digest.js";
import { makeTempDir } from "../support/temp-project.js";

// A tiny project: a step module a.ts that imports b.ts and a package. The code-digest cache lives in its
// node_modules/.cache, so these tests never touch the repository's.
const projects: string[] = [];
afterAll(() => {
  for (const p of projects) fs.rmSync(p, { recursive: true, force: true });
});

const makeProject = (): string => {
  const root = makeTempDir("strata-code-digest-");
  projects.push(root);
  fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "p", type: "module" }));
  fs.writeFileSync(path.join(root, "package-lock.json"), lockfile("1.0.0"));
  fs.writeFileSync(path.join(root, "tsconfig.json"), "{}");
  fs.mkdirSync(path.join(root, "node_modules"));
  fs.mkdirSync(path.join(root, "steps"));
  fs.writeFileSync(path.join(root, "steps/a.ts"), 'import { b } from "./b.js";\nimport { pick } from "lib";\nexport const a = pick(b);\n');
  fs.writeFileSync(path.join(root, "steps/b.ts"), "export const b = 1;\n");
  fs.writeFileSync(path.join(root, "steps/c.ts"), "export const c = 2;\n");
  return root;
};

const lockfile = (version: string) => JSON.stringify({ lockfileVersion: 3, packages: { "": {}, "node_modules/lib": { version } } });

/** Moves every mtime of the project an hour back, as if the files had been written long before the run. */
const age = (root: string): void => {
  const past = new Date(Date.now() - 3_600_000);
  const walk = (p: string): void => {
    if (fs.statSync(p).isDirectory() && path.basename(p) !== "node_modules") for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    fs.utimesSync(p, past, past);
  };
  walk(root);
};

/** One run's view: a fresh CodeDigests (as a new process has), its digest of steps/a.ts and how many it computed. */
const digestOfA = async (root: string) => {
  const digests = new CodeDigests(root);
  const d = await digests.of("steps/a.ts");
  // Whatever the cache did, the digest is the one esbuild gives now.
  expect(d).toEqual(await computeCodeDigest(root, "steps/a.ts"));
  return { digest: d.digest, files: Object.keys(d.components.files), packages: d.components.packages, computed: digests.computed };
};

describe("the code-digest cache", () => {
  it("reuses a recorded closure while its files, folders and lockfile are unchanged", async () => {
    const root = makeProject();
    age(root);
    const first = await digestOfA(root);
    expect(first).toMatchObject({ files: ["steps/a.ts", "steps/b.ts"], packages: { lib: "1.0.0" }, computed: 1 });
    const second = await digestOfA(root);
    expect(second).toEqual({ ...first, computed: 0 });
  });

  it("recomputes when a file of the closure changes, a new import included, and only then", async () => {
    const root = makeProject();
    age(root);
    const before = await digestOfA(root);

    fs.appendFileSync(path.join(root, "steps/b.ts"), "// an edit\n");
    age(root);
    const edited = await digestOfA(root);
    expect(edited.computed).toBe(1);
    expect(edited.digest).not.toBe(before.digest);
    expect((await digestOfA(root)).computed).toBe(0);

    // c.ts was outside the closure; a new import brings it in, and from then on its edits count.
    fs.appendFileSync(path.join(root, "steps/a.ts"), 'export { c } from "./c.js";\n');
    age(root);
    const imported = await digestOfA(root);
    expect(imported).toMatchObject({ files: ["steps/a.ts", "steps/b.ts", "steps/c.ts"], computed: 1 });
    fs.appendFileSync(path.join(root, "steps/c.ts"), "// an edit\n");
    age(root);
    const cEdited = await digestOfA(root);
    expect(cEdited.computed).toBe(1);
    expect(cEdited.digest).not.toBe(imported.digest);
  });

  it("recomputes when a folder of the closure gains a file (it may change what an import resolves to)", async () => {
    const root = makeProject();
    age(root);
    const before = await digestOfA(root);
    // esbuild resolves "./b.js" to b.js once it exists, no longer to b.ts.
    fs.writeFileSync(path.join(root, "steps/b.js"), "export const b = 3;\n");
    age(root);
    const after = await digestOfA(root);
    expect(after).toMatchObject({ files: ["steps/a.ts", "steps/b.js"], computed: 1 });
    expect(after.digest).not.toBe(before.digest);
  });

  it("recomputes when the lockfile changes a package version", async () => {
    const root = makeProject();
    age(root);
    await digestOfA(root);
    fs.writeFileSync(path.join(root, "package-lock.json"), lockfile("1.0.1"));
    age(root);
    expect(await digestOfA(root)).toMatchObject({ packages: { lib: "1.0.1" }, computed: 1 });
  });

  it("records nothing while files are fresh (they may have changed while esbuild read them)", async () => {
    const root = makeProject();
    expect((await digestOfA(root)).computed).toBe(1);
    expect((await digestOfA(root)).computed).toBe(1);
    age(root);
    expect((await digestOfA(root)).computed).toBe(1);
    expect((await digestOfA(root)).computed).toBe(0);
  });
});
