import * as fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { canonicalJsonBytes } from "../../artifacts/canonical-json.js";
import { PROMOTION_DECISION_FORMAT } from "../../artifacts/promotion-decision.js";
import { ModelRegistry } from "../../artifacts/registry.js";
import { ContentStore } from "../../artifacts/store.js";
import type { HandleKind } from "../../dsl/handles.js";
import type { RunManifest } from "../../engine/manifest.js";
import { applyPromotions } from "../../engine/promotions.js";
import { makeTempDir } from "../support/temp-project.js";

// The engine applies promotion outputs by their kind, whoever made them: here a step kind it has never heard of.
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const D = (c: string) => c.repeat(64);
const CHANNEL = "study-x/model:champion";

const manifestWith = (outputs: Record<string, { kind: HandleKind; digest: string }>): RunManifest => ({
  format: "strata-manifest/1",
  study: "study-x",
  pipeline: "pipelines/x.ts",
  planDigest: D("0"),
  executor: "local",
  environment: { digest: D("1"), components: { node: "v20", tfjs: "4", tfjsBackend: "wasm@4", parquetWriter: "p" } },
  host: { hostname: "h", platform: "linux-x64", node: "v20" },
  startedAt: "2026-01-01T00:00:00.000Z",
  seconds: 0,
  nodes: [
    {
      id: "decide",
      step: "custom.decide",
      module: "my-steps/decide.ts",
      key: D("2"),
      components: { keyVersion: 1, step: "custom.decide", codeDigest: D("3"), params: {}, inputs: {}, envDigest: D("1"), seed: 0 },
      code: { files: {}, packages: {} },
      sources: {},
      cached: false,
      outputs,
      seconds: 0,
    },
  ],
});

const storeWith = () => {
  const dir = makeTempDir("strata-promotions-");
  dirs.push(dir);
  return new ContentStore(dir);
};

describe("applying a run's promotion outputs", () => {
  it("promotes by output kind, for any step, and links the node's report", async () => {
    const store = storeWith();
    const candidate = store.put(new TextEncoder().encode("a model set"));
    const decision = store.put(
      canonicalJsonBytes({ format: PROMOTION_DECISION_FORMAT, channel: CHANNEL, candidate, champion: null, promote: true, reason: "first model", blockedBy: [], extra: 1 }),
    );
    const report = store.put(new TextEncoder().encode("# why\n"));
    const applied = await applyPromotions(store, D("4"), manifestWith({ verdict: { kind: "promotion", digest: decision }, md: { kind: "report", digest: report } }));
    expect(applied).toEqual([
      { node: "decide", channel: CHANNEL, candidate, champion: null, promote: true, status: "promoted", reason: "first model", blockedBy: [], decision, report },
    ]);
    expect(new ModelRegistry(store).head(CHANNEL)?.entry).toMatchObject({ model: candidate, decision, manifest: D("4") });
  });

  it("refuses a promotion document that does not match the contract, naming the output", async () => {
    const store = storeWith();
    const bad = store.put(canonicalJsonBytes({ format: PROMOTION_DECISION_FORMAT, channel: CHANNEL, promote: "yes" }));
    await expect(applyPromotions(store, D("4"), manifestWith({ verdict: { kind: "promotion", digest: bad } }))).rejects.toThrow(
      `output decide.verdict (${bad}) of study-x is not a ${PROMOTION_DECISION_FORMAT} document`,
    );
    expect(new ModelRegistry(store).channels()).toEqual([]);
  });
});
