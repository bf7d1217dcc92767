import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import { strata } from "../support/cli.js";
import { makeTempDir, makeTempProject } from "../support/temp-project.js";

/**
 * A source that is a symlink is followed, and refused when it leads outside the project, exactly like a `../x`
 * or absolute path in the study; a symlink that stays inside the project is read as usual.
 */
const project = makeTempProject("strata-symlinks-");
const outside = fs.mkdtempSync(path.join(os.tmpdir(), "strata-outside-"));
afterAll(() => {
  fs.rmSync(project, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

const cohort = fs.readFileSync(path.join(project, "test/fixtures/bad-input/cohort.csv"));
fs.writeFileSync(path.join(outside, "secret.csv"), cohort);
fs.mkdirSync(path.join(outside, "folder"));
fs.writeFileSync(path.join(outside, "folder", "a.csv"), cohort);

const data = path.join(project, "data", "links");
fs.mkdirSync(path.join(data, "mixed"), { recursive: true });
fs.symlinkSync(path.join(outside, "secret.csv"), path.join(data, "file.csv"));
fs.symlinkSync(path.join(outside, "folder"), path.join(data, "folder"));
fs.writeFileSync(path.join(data, "mixed", "a.csv"), cohort);
fs.symlinkSync(path.join(outside, "secret.csv"), path.join(data, "mixed", "b.csv"));
fs.writeFileSync(path.join(data, "inside.csv"), cohort);
fs.symlinkSync(path.join(data, "inside.csv"), path.join(data, "alias.csv"));

const pipeline = (source: string): string => {
  const file = path.join(project, "pipelines", `links-${source.replace(/[^a-z]/g, "")}.ts`);
  fs.writeFileSync(
    file,
    `import { study } from "../dsl/study.js";
import { readCsv } from "../steps/ingest/csv.js";
import { COLUMNS } from "../test/fixtures/bad-input/common.js";
export default study("links", (s) => { readCsv(s, { path: ${JSON.stringify(source)}, columns: COLUMNS, header: true }, { id: "ingest" }); });
`,
  );
  return file;
};

describe("symlinked sources", () => {
  it.each([
    { name: "a file symlinked outside", source: "data/links/file.csv" },
    { name: "a folder symlinked outside", source: "data/links/folder/" },
    { name: "a symlink inside a folder source", source: "data/links/mixed/" },
  ])("$name is refused with one message naming the node, and nothing is stored", async ({ source }) => {
    const store = makeTempDir();
    const r = await strata(["run", pipeline(source), "--store", store, "--no-lock", "--out", path.join(store, "r")], { cwd: project });
    expect(r.code).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("strata: error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('node "ingest"');
    expect(errors[0]).toContain("inputs.file");
    expect(errors[0]).toContain("outside the project");
    expect(new ContentStore(store).listObjects()).toEqual([]);
  });

  it("a symlink that stays inside the project is read", async () => {
    const store = makeTempDir();
    const r = await strata(["run", pipeline("data/links/alias.csv"), "--store", store, "--no-lock", "--out", path.join(store, "r")], { cwd: project });
    expect(r.code, r.stderr).toBe(0);
  });
});
