import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../artifacts/digest.js";
import { parseFolderListing, readSource, type SourceContent } from "../../engine/source-input.js";
import { makeTempDir } from "../support/temp-project.js";

const roots: string[] = [];
/** A project root holding `data/` with these files, written in the given order with the given mtimes. */
const projectWith = (files: readonly [name: string, text: string][], mtime = new Date("2024-01-01")): string => {
  const root = makeTempDir("strata-source-");
  roots.push(root);
  fs.mkdirSync(path.join(root, "data"));
  for (const [name, text] of files) {
    const file = path.join(root, "data", name);
    fs.writeFileSync(file, text);
    fs.utimesSync(file, mtime, mtime);
  }
  return root;
};
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

const content = (root: string, projectPath: string): SourceContent => {
  const s = readSource(root, projectPath);
  if ("problem" in s) throw new Error(s.problem);
  return s;
};
const problem = (root: string, projectPath: string): string => {
  const s = readSource(root, projectPath);
  if (!("problem" in s)) throw new Error(`expected a problem reading ${projectPath}`);
  return s.problem;
};

describe("folder sources", () => {
  const files: [string, string][] = [
    ["z.csv", "z"],
    ["a.csv", "a"],
    ["B.csv", "b"],
  ];

  it("digest a canonical listing that ignores creation order, timestamps and dotfiles", () => {
    const one = content(projectWith(files), "data/");
    const other = content(projectWith([...files].reverse().concat([[".DS_Store", "x"]]), new Date("2025-06-01")), "data/");
    expect(other.digest).toBe(one.digest);
    expect(one.digest).toBe(sha256Hex(one.bytes));
    expect(new TextDecoder().decode(one.bytes)).toBe(
      `{"files":[{"name":"B.csv","sha256":"${sha256Hex("b")}","size":1},{"name":"a.csv","sha256":"${sha256Hex("a")}","size":1},` +
        `{"name":"z.csv","sha256":"${sha256Hex("z")}","size":1}],"format":"strata-folder/1"}`,
    );
    expect(one.files.map((f) => [f.name, new TextDecoder().decode(f.bytes)])).toEqual([["B.csv", "b"], ["a.csv", "a"], ["z.csv", "z"]]);
    // What a successful run stores: the listing, then every file.
    expect(one.objects.map((o) => sha256Hex(o))).toEqual([one.digest, ...parseFolderListing(one.bytes).files.map((f) => f.sha256)]);
  });

  it("changes its digest when a file is added, renamed or edited", () => {
    const base = content(projectWith(files), "data/").digest;
    expect(content(projectWith([...files, ["c.csv", "c"]]), "data/").digest).not.toBe(base);
    expect(content(projectWith([["z.csv", "z"], ["a.csv", "a"], ["b.csv", "b"]]), "data/").digest).not.toBe(base);
    expect(content(projectWith([["z.csv", "z"], ["a.csv", "a!"], ["B.csv", "b"]]), "data/").digest).not.toBe(base);
  });

  it("orders names by code point, not by UTF-16 code unit", () => {
    // U+FF01 is one code unit (0xFF01); U+1F600 is two (0xD83D 0xDE00): UTF-16 order would put it first.
    const names = content(projectWith([["\u{1F600}.csv", "1"], ["\uFF01.csv", "2"], ["é.csv", "3"], ["e.csv", "4"]]), "data/").files.map((f) => f.name);
    expect(names).toEqual(["e.csv", "é.csv", "\uFF01.csv", "\u{1F600}.csv"]);
  });

  it("says what was expected when the folder is empty, missing, or holds a subfolder", () => {
    const empty = projectWith([[".DS_Store", ""]]);
    expect(problem(empty, "data/")).toBe(`the folder ${path.join(empty, "data")} holds no data files (names starting with "." are skipped); expected at least one file`);
    expect(problem(empty, "nothing/")).toMatch(/^no such data folder \(looked for .*nothing\); paths in a study are relative to the project root$/);
    const nested = projectWith(files);
    fs.mkdirSync(path.join(nested, "data", "2023"));
    expect(problem(nested, "data/")).toContain("holds 2023/, which is not a regular file; a folder source reads the files directly inside it");
  });

  it("tells a folder from a file by the trailing slash, and says which to write", () => {
    const root = projectWith(files);
    expect(problem(root, "data")).toContain(`is a folder; write "data/" to read every file in it`);
    expect(problem(root, "data/a.csv/")).toContain(`is not a folder; drop the trailing "/" to read a single file`);
    const file = content(root, "data/a.csv");
    expect(file.digest).toBe(sha256Hex("a"));
    expect(file.files.map((f) => f.name)).toEqual(["a.csv"]);
  });
});
