import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pipelineClosure } from "../../runtime/strata-imports.mjs";
import { makeTempDir } from "../support/temp-project.js";

// The scan behind the plan cache (runtime/plan-cache.mjs), on real files: a study folder with a stand-in for the
// installed strata package, one fresh folder per case so the per-thread memo never answers.
const work = makeTempDir("strata-pipeline-closure-");
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const PURE = `import { study } from "strata";
import { helper } from "./helper.js";
export default study("s", (s) => helper(s, { module: import.meta.url }));
`;

let cases = 0;
const closureOf = (files: Record<string, string>) => {
  const root = path.join(work, `case-${++cases}`);
  const all = {
    "node_modules/strata/package.json": '{"name":"strata","type":"module","exports":{".":"./dist/index.js","./steps/*":"./dist/steps/*.js"}}',
    "node_modules/strata/dist/index.js": "export const study = () => ({});\n",
    "node_modules/strata/dist/steps/csv.js": "export const readCsv = () => ({});\n",
    "pipelines/helper.ts": 'import { readCsv } from "strata/steps/csv";\nexport const helper = (s: unknown, o: object) => readCsv();\n',
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return { root, closure: pipelineClosure(path.join(root, "pipelines/p.ts"), path.join(root, "node_modules/strata")) };
};

describe("a pipeline's closure as the plan cache sees it", () => {
  it("follows relative imports, resolves the strata modules, and is plan-only with import.meta.url", () => {
    const { root, closure } = closureOf({ "pipelines/p.ts": PURE });
    expect(closure.isPlanOnly).toBe(true);
    expect(closure.files.map(([f]) => path.relative(root, f))).toEqual(["pipelines/helper.ts", "pipelines/p.ts"]);
    expect(closure.strataUrls.map((u) => path.relative(root, new URL(u).pathname))).toEqual(["node_modules/strata/dist/index.js", "node_modules/strata/dist/steps/csv.js"]);
  });

  it("changes its file digests when a followed file changes", () => {
    const a = closureOf({ "pipelines/p.ts": PURE }).closure;
    const b = closureOf({ "pipelines/p.ts": PURE, "pipelines/helper.ts": 'import { readCsv } from "strata/steps/csv";\nexport const helper = () => readCsv(1);\n' }).closure;
    expect(a.files.map(([, digest]) => digest)[1]).toBe(b.files.map(([, digest]) => digest)[1]);
    expect(a.files.map(([, digest]) => digest)[0]).not.toBe(b.files.map(([, digest]) => digest)[0]);
  });

  it("is not plan-only when a file reads anything ambient or imports anything but strata and project files", () => {
    const ambient = [
      "const seed = Number(process.env.SEED);",
      "const at = Date.now();",
      "const r = Math.random();",
      "const m = Math;",
      'console.log("building");',
      "const here = import.meta.dirname;",
      'const later = await import("./helper.js");',
      'import * as fs from "node:fs";',
      'import { parse } from "yaml";',
      'import { x } from "./missing.js";',
      'export const label = (1.5).toLocaleString();',
    ];
    for (const line of ambient) expect(closureOf({ "pipelines/p.ts": `${PURE}${line}\n` }).closure.isPlanOnly, line).toBe(false);
    // In a followed file as much as in the pipeline itself.
    expect(closureOf({ "pipelines/p.ts": PURE, "pipelines/helper.ts": "export const helper = () => Date.now();\n" }).closure.isPlanOnly).toBe(false);
    // Math's pure functions are fine.
    expect(closureOf({ "pipelines/p.ts": `${PURE}const k = Math.max(1, 2);\n` }).closure.isPlanOnly).toBe(true);
  });

  it("is not plan-only when strata resolves outside the package whose content keys the plan", () => {
    const { root } = closureOf({ "pipelines/p.ts": PURE });
    expect(pipelineClosure(path.join(root, "pipelines/p.ts"), path.join(root, "elsewhere")).isPlanOnly).toBe(false);
  });
});
