import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { BUILT_IN_STEPS } from "../../steps/registry.js";
import { repoRoot } from "../support/cli.js";

const stepModules = (dir: string): string[] =>
  fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return stepModules(rel);
    return entry.name.endsWith(".ts") && fs.readFileSync(path.join(repoRoot, rel), "utf8").includes("defineStep(") ? [rel] : [];
  });

const isStepDefinition = (v: unknown): v is { kind: string; module: string; run: unknown } =>
  typeof v === "object" && v !== null && typeof (v as { kind?: unknown }).kind === "string" && typeof (v as { module?: unknown }).module === "string" && typeof (v as { run?: unknown }).run === "function";

describe("steps/registry.ts", () => {
  it("lists every step a module under steps/ defines, by its kind", async () => {
    const defined: string[] = [];
    for (const file of stepModules("steps")) {
      const exported = (await import(pathToFileURL(path.join(repoRoot, file)).href)) as Record<string, unknown>;
      for (const value of Object.values(exported).filter(isStepDefinition)) {
        defined.push(value.kind);
        expect(BUILT_IN_STEPS.get(value.kind)?.definition, `${file} defines ${value.kind}`).toBe(value);
      }
    }
    expect(defined.length).toBeGreaterThanOrEqual(21);
    expect([...BUILT_IN_STEPS.keys()].sort()).toEqual([...new Set(defined)].sort());
  });
});
