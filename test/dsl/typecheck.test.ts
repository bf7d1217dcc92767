import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/cli.js";

/** Type-checks one fixture with the project's compiler options and returns the 1-based lines that have errors. */
const errorLines = (file: string): Map<number, string[]> => {
  const config = ts.readConfigFile(path.join(repoRoot, "tsconfig.json"), ts.sys.readFile);
  const options = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot).options;
  const program = ts.createProgram([file], { ...options, noUnusedLocals: false });
  const lines = new Map<number, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (!d.file || path.resolve(d.file.fileName) !== path.resolve(file) || d.start === undefined) continue;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line + 1;
    lines.set(line, [...(lines.get(line) ?? []), ts.flattenDiagnosticMessageText(d.messageText, "\n")]);
  }
  return lines;
};

describe("wiring mistakes in a pipeline file are tsc errors", () => {
  it("flags exactly the marked lines: unknown columns and the wrong kind of handle", () => {
    const file = path.join(repoRoot, "test/fixtures/typecheck-errors/wiring-mistakes.ts");
    const expected = fs
      .readFileSync(file, "utf8")
      .split("\n")
      .flatMap((text, i) => (text.includes("// EXPECT-ERROR") ? [i + 1] : []));
    expect(expected.length).toBeGreaterThanOrEqual(8);
    const actual = errorLines(file);
    const unexpected = [...actual.entries()].filter(([line]) => !expected.includes(line));
    expect(unexpected).toEqual([]);
    expect(expected.filter((line) => !actual.has(line))).toEqual([]);
  }, 120_000);
});
