// The model registry on a real store folder: compare-and-swap promotions, rollbacks, the history hash chain, and
// many concurrent promotions (the lock) leaving one consistent chain.
import * as fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { canonicalJsonBytes } from "../../artifacts/canonical-json.js";
import { ModelRegistry, parseChannel } from "../../artifacts/registry.js";
import { ContentStore } from "../../artifacts/store.js";
import { makeTempDir } from "../support/temp-project.js";

const CHANNEL = "heart/logreg:champion";
const dirs: string[] = [];
const freshStore = () => {
  const dir = makeTempDir("strata-registry-");
  dirs.push(dir);
  return new ContentStore(dir);
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A stand-in model set object in the store (the registry only needs its digest). */
const model = (store: ContentStore, name: string) => store.put(canonicalJsonBytes({ format: "strata-models/1", model: "logistic-regression", name, replicates: [] }));
const promote = (r: ModelRegistry, m: string, expected?: string | null) =>
  r.promote(CHANNEL, { model: m, manifest: null, decision: null, by: "test", note: "", ...(expected !== undefined ? { expected } : {}), respectRollbacks: true });

describe("channel names", () => {
  it("parse study/model:channel and refuse other shapes", () => {
    expect(parseChannel("heart-retrain/logreg:champion")).toEqual({ study: "heart-retrain", model: "logreg", channel: "champion" });
    for (const bad of ["heart/logreg", "heart:champion", "../x/y:z", "a/b:c/d", "a b/c:d"]) expect(parseChannel(bad)).toBeUndefined();
  });
});

describe("ModelRegistry", () => {
  it("promotes only against the champion the decision was taken on", async () => {
    const store = freshStore();
    const r = new ModelRegistry(store);
    const [a, b, c] = [model(store, "a"), model(store, "b"), model(store, "c")];
    expect((await promote(r, a, null)).status).toBe("promoted");
    expect((await promote(r, a, null)).status).toBe("unchanged");
    // b was judged against "no champion", but a is champion now: the decision is stale.
    expect((await promote(r, b, null)).status).toBe("superseded");
    expect((await promote(r, b, a)).status).toBe("promoted");
    expect(r.head(CHANNEL)!.entry).toMatchObject({ model: b, replaced: a, action: "promote" });
    expect(r.modelReplacedBy(CHANNEL, b)).toBe(a);
    expect(r.modelReplacedBy(CHANNEL, c)).toBe(b);
    expect(r.channels()).toEqual([CHANNEL]);
  });

  it("rolls back to the previous model, and a rolled-back model is not re-promoted automatically", async () => {
    const store = freshStore();
    const r = new ModelRegistry(store);
    const [a, b] = [model(store, "a"), model(store, "b")];
    await promote(r, a, null);
    expect(await r.rollback(CHANNEL, "test", "")).toBeUndefined(); // nothing before a
    await promote(r, b, a);
    const back = await r.rollback(CHANNEL, "test", "b misbehaves");
    expect(back!.entry).toMatchObject({ action: "rollback", model: a, replaced: b, note: "b misbehaves" });
    expect((await promote(r, b, a)).status).toBe("rolled-back-earlier");
    // A person can still bring it back.
    expect((await r.promote(CHANNEL, { model: b, manifest: null, decision: null, by: "ops", note: "" })).status).toBe("promoted");
    expect(r.history(CHANNEL).map((e) => e.entry.action)).toEqual(["promote", "rollback", "promote", "promote"]);
  });

  it("keeps one consistent hash chain when many promotions race", async () => {
    const store = freshStore();
    const r = new ModelRegistry(store);
    const models = Array.from({ length: 12 }, (_, i) => model(store, `m${i}`));
    // Everyone judged against "no champion": exactly one may win; the others are superseded.
    const outcomes = await Promise.all(models.map((m) => promote(new ModelRegistry(new ContentStore(store.root)), m, null)));
    expect(outcomes.filter((o) => o.status === "promoted")).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === "superseded")).toHaveLength(11);
    // Unconditional promotions all land, each on top of the one before.
    await Promise.all(models.map((m) => r.promote(CHANNEL, { model: m, manifest: null, decision: null, by: "ops", note: "" })));
    const history = r.history(CHANNEL);
    for (let i = 0; i + 1 < history.length; i++) {
      expect(history[i]!.entry.previous).toBe(history[i + 1]!.digest);
      expect(history[i]!.entry.replaced).toBe(history[i + 1]!.entry.model);
    }
    expect(history.length).toBeGreaterThanOrEqual(12);
    expect(fs.existsSync(`${store.root}/locks/registry.lock`)).toBe(false);
  });
});
