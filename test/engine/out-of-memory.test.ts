import { describe, expect, it } from "vitest";
import { strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

describe("a step that runs out of memory", () => {
  it("ends the run with a message naming the node and how to give it more memory", async () => {
    const r = await strata(["run", "test/fixtures/pipelines/out-of-memory.ts", "--store", makeTempDir(), "--no-lock"], { env: { NODE_OPTIONS: "--max-old-space-size=256" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/node "hungry" \(fixture\.hog\) ran out of memory: its step worker used the whole JavaScript heap \(about \d+ MB\)/);
    expect(r.stderr).toContain("NODE_OPTIONS=--max-old-space-size=");
    expect(r.stderr).not.toMatch(/internal error/i);
  }, 120_000);
});
