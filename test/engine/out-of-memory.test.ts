import { describe, expect, it } from "vitest";
import { strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

const run = (env: Record<string, string>) => strata(["run", "test/fixtures/pipelines/out-of-memory.ts", "--store", makeTempDir(), "--no-lock"], { env });

describe("a step that runs out of memory", () => {
  it("ends the run (exit 1) with a message naming the node, its heap, and what to do", async () => {
    const r = await run({ STRATA_STEP_HEAP_MB: "64" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/node "hungry" \(fixture\.hog\): ran out of memory: its step thread used the whole JavaScript heap \(about 64 MB\)/);
    expect(r.stderr).toContain("STRATA_STEP_HEAP_MB=4096");
    expect(r.stderr).toContain("--concurrency 1");
    expect(r.stderr).not.toMatch(/internal error/i);
  }, 120_000);

  it("also under a heap limit given to the whole process (NODE_OPTIONS)", async () => {
    const r = await run({ NODE_OPTIONS: "--max-old-space-size=256" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/node "hungry" \(fixture\.hog\): ran out of memory: its step thread used the whole JavaScript heap \(about \d+ MB\)/);
    expect(r.stderr).not.toMatch(/internal error/i);
  }, 120_000);

  it("refuses a step-thread heap that is not a number of MB (exit 2)", async () => {
    const r = await run({ STRATA_STEP_HEAP_MB: "lots" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("STRATA_STEP_HEAP_MB=lots: expected a whole number of MB");
  }, 120_000);
});
