// Replays recorded study-workflow histories (test/fixtures/histories/*.json) against today's workflow code. A
// change to workflows.ts that would break workflows already running (a nondeterminism error) fails here.
// Record fresh ones with: STRATA_RECORD_HISTORIES=1 npx vitest run test/temporal
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "@temporalio/worker";
import { describe, expect, it } from "vitest";
import { workflowBundlePath } from "../../workers/bundle.js";
import { HISTORIES } from "./support.js";

const files = fs.existsSync(HISTORIES) ? fs.readdirSync(HISTORIES).filter((f) => f.endsWith(".json")).sort() : [];

describe("recorded study-workflow histories", () => {
  it("are present (a few, from the tests that ran real workflows)", () => {
    expect(files.length, `no histories in ${HISTORIES}; record them with STRATA_RECORD_HISTORIES=1 npx vitest run test/temporal`).toBeGreaterThanOrEqual(3);
  });

  it("replay on the current workflow code without a nondeterminism error", async () => {
    const histories = files.map((f) => ({ workflowId: path.basename(f, ".json"), history: JSON.parse(fs.readFileSync(path.join(HISTORIES, f), "utf8")) as unknown }));
    const results: { workflowId: string; error: string | undefined }[] = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: await workflowBundlePath() } }, histories)) {
      results.push({ workflowId: r.workflowId, error: r.error ? `${r.error.name}: ${r.error.message}` : undefined });
    }
    expect(results).toEqual(histories.map((h) => ({ workflowId: h.workflowId, error: undefined })));
  }, 60_000);
});
