import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packageContentDigest } from "../../engine/installed-package.js";
import { makeTempDir } from "../support/temp-project.js";

const work = makeTempDir("strata-installed-digest-");
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A fresh copy of a tiny installed package, so each digest is computed afresh (they are kept per root). */
const packageWith = (name: string, files: Record<string, string>) => {
  const root = path.join(work, name);
  for (const [file, text] of Object.entries({ "package.json": '{"name":"p","version":"1.0.0"}', ...files })) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return packageContentDigest({ root, name: "p", version: "1.0.0" });
};

describe("an installed package's content digest", () => {
  const base = { "dist/step.js": "export const x = 1;\n", "dist/step.d.ts": "export declare const x: number;\n" };

  it("follows the bytes of every file Node can load, and not its type declarations", () => {
    const digest = packageWith("a", base);
    expect(packageWith("b", base)).toBe(digest);
    expect(packageWith("c", { ...base, "dist/step.js": "export const x = 2;\n" })).not.toBe(digest);
    expect(packageWith("d", { ...base, "dist/chunks/extra.js": "" })).not.toBe(digest);
    expect(packageWith("e", { ...base, "dist/step.d.ts": "export declare const x: 1;\n" })).toBe(digest);
  });
});
