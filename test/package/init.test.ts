import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot, strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

const work = makeTempDir("strata-init-");
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const files = (dir: string, rel = ""): string[] =>
  fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const child = rel === "" ? e.name : `${rel}/${e.name}`;
    return e.isDirectory() ? files(dir, child) : [child];
  });

describe("strata init", () => {
  it("scaffolds a study repository that depends on this version of strata", async () => {
    const r = await strata(["init", path.join(work, "My Study")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("npx strata run pipelines/example.ts");
    const dir = path.join(work, "My Study");
    expect(files(dir).sort()).toEqual([".gitignore", "README.md", "data/example.csv", "package.json", "pipelines/example.ts", "tsconfig.json"]);
    const own = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string; devDependencies: Record<string, string> };
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(pkg).toMatchObject({
      name: "my-study",
      type: "module",
      dependencies: { strata: `^${own.version}` },
      devDependencies: { typescript: own.devDependencies["typescript"], "@types/node": own.devDependencies["@types/node"] },
    });
    expect(fs.readFileSync(path.join(dir, "README.md"), "utf8")).toMatch(/^# my-study\n/);
  });

  it("writes the strata spec it is given", async () => {
    const r = await strata(["init", path.join(work, "pinned"), "--strata", "file:../strata-0.1.0.tgz", "--name", "pinned-study"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(work, "pinned/package.json"), "utf8"))).toMatchObject({ name: "pinned-study", dependencies: { strata: "file:../strata-0.1.0.tgz" } });
  });

  it("refuses a folder that is not empty, and a missing folder argument", async () => {
    fs.mkdirSync(path.join(work, "taken"));
    fs.writeFileSync(path.join(work, "taken/notes.txt"), "mine\n");
    const taken = await strata(["init", path.join(work, "taken")]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain("already exists and is not an empty folder");
    expect(fs.readdirSync(path.join(work, "taken"))).toEqual(["notes.txt"]);
    const none = await strata(["init"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("expected one folder");
  });
});
