/**
 * The model registry: named channels such as "heart-retrain/logreg:champion", each pointing at a model set in the
 * store, with the full history of how it got there.
 *
 * Layout inside the store:
 *   objects/…                            every registry entry, as canonical JSON named by its sha256
 *   refs/registry/<study>/<model>/<channel>   the channel's head: the digest of its newest entry
 *   locks/registry.lock                  held while a channel is read-modified-written
 *
 * An entry names its predecessor, so a channel's history is a hash chain that cannot be rewritten without changing
 * the head. Every change takes the registry lock and re-reads the head under it (compare-and-swap), so two runs
 * that race to promote (a scheduled run and a manual trigger) each see the other's result: the registry is never
 * corrupted and no promotion is lost silently.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Schema } from "effect";
import { canonicalJsonBytes } from "./canonical-json.js";
import { type Digest, DigestSchema } from "./digest.js";
import type { ContentStore } from "./store.js";

const CHANNEL_PATTERN = /^([a-z0-9][a-z0-9._-]*)\/([a-z0-9][a-z0-9._-]*):([a-z0-9][a-z0-9._-]*)$/i;

export interface ChannelName {
  readonly study: string;
  readonly model: string;
  readonly channel: string;
}

/** Parses "study/model:channel"; undefined when the name does not have that shape. */
export const parseChannel = (name: string): ChannelName | undefined => {
  const m = CHANNEL_PATTERN.exec(name);
  return m ? { study: m[1]!, model: m[2]!, channel: m[3]! } : undefined;
};

/** What a channel input reads when the channel holds no model yet (engine/channel-input.ts). */
export const NO_MODEL_FORMAT = "strata-no-model/1";

export const CHANNEL_SYNTAX = `"<study>/<model>:<channel>" (letters, digits, ".", "_", "-"), e.g. "heart-retrain/logreg:champion"`;


export const RegistryEntrySchema = Schema.Struct({
  format: Schema.Literal("strata-registry-entry/1"),
  channel: Schema.String,
  action: Schema.Literals(["promote", "rollback"]),
  /** The model set the channel points at from this entry on. */
  model: DigestSchema,
  /** The model the channel pointed at before (null for the first entry). */
  replaced: Schema.NullOr(DigestSchema),
  /** The run manifest that produced the model, when known. */
  manifest: Schema.NullOr(DigestSchema),
  /** The promotion-gate decision that allowed this entry (null for manual promotions and rollbacks). */
  decision: Schema.NullOr(DigestSchema),
  previous: Schema.NullOr(DigestSchema),
  at: Schema.String,
  by: Schema.String,
  note: Schema.String,
});
export type RegistryEntry = typeof RegistryEntrySchema.Type;

export interface LocatedEntry {
  readonly digest: Digest;
  readonly entry: RegistryEntry;
}

export type PromotionOutcome =
  | { readonly status: "promoted"; readonly entry: LocatedEntry }
  /** The candidate already is the channel's model: nothing written. */
  | { readonly status: "unchanged"; readonly current: LocatedEntry }
  /** The channel moved since the decision was taken (another run promoted): nothing written. */
  | { readonly status: "superseded"; readonly current: LocatedEntry | undefined }
  /** The candidate was rolled back out of this channel before: only an explicit promotion brings it back. */
  | { readonly status: "rolled-back-earlier"; readonly current: LocatedEntry | undefined };

export interface PromoteRequest {
  readonly model: Digest;
  readonly manifest: Digest | null;
  readonly decision: Digest | null;
  readonly by: string;
  readonly note: string;
  /**
   * The model the decision was taken against (null: the channel was empty). When given, the promotion happens
   * only if the channel still points at it; when undefined (a manual promotion) it always happens.
   */
  readonly expected?: Digest | null;
  /** Refuse to re-promote a model that was rolled back out of the channel (automatic promotions). */
  readonly respectRollbacks?: boolean;
}

const LOCK_WAIT_MS = 60_000;
/** A lock older than this is left over by a killed process: registry updates take milliseconds. */
const LOCK_STALE_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ModelRegistry {
  constructor(private readonly store: ContentStore) {}

  private refName(name: string): string {
    const c = parseChannel(name);
    if (c === undefined) throw new RangeError(`invalid channel name ${JSON.stringify(name)}; expected ${CHANNEL_SYNTAX}`);
    return `registry/${c.study}/${c.model}/${c.channel}`;
  }

  /** Reads one entry object, checking its shape. */
  entry(digest: Digest): RegistryEntry {
    const json = JSON.parse(Buffer.from(this.store.get(digest)).toString("utf8")) as unknown;
    return Schema.decodeUnknownSync(RegistryEntrySchema)(json);
  }

  head(name: string): LocatedEntry | undefined {
    const digest = this.store.readRef(this.refName(name));
    return digest === undefined ? undefined : { digest, entry: this.entry(digest) };
  }

  /** The channel's entries, newest first. */
  history(name: string): LocatedEntry[] {
    const out: LocatedEntry[] = [];
    for (let at = this.head(name); at !== undefined; ) {
      out.push(at);
      const previous = at.entry.previous;
      at = previous === null ? undefined : { digest: previous, entry: this.entry(previous) };
    }
    return out;
  }

  /** Every channel in the store, sorted by name. */
  channels(): string[] {
    const root = path.join(this.store.root, "refs", "registry");
    if (!fs.existsSync(root)) return [];
    const names: string[] = [];
    for (const study of fs.readdirSync(root).sort()) {
      for (const model of fs.readdirSync(path.join(root, study)).sort()) {
        for (const channel of fs.readdirSync(path.join(root, study, model)).sort()) names.push(`${study}/${model}:${channel}`);
      }
    }
    return names;
  }

  /**
   * The model a candidate would replace: the channel's model, or, when the candidate already is that model, the
   * model it replaced. So a rerun on unchanged data asks the gate the same question as the run that promoted the
   * candidate (and is served from the cache), instead of comparing the candidate with itself.
   */
  modelReplacedBy(name: string, candidate: Digest): Digest | null {
    for (const { entry } of this.history(name)) if (entry.model !== candidate) return entry.model;
    return null;
  }

  async promote(name: string, request: PromoteRequest): Promise<PromotionOutcome> {
    return this.withLock(() => {
      const current = this.head(name);
      const currentModel = current?.entry.model ?? null;
      if (current !== undefined && currentModel === request.model) return { status: "unchanged", current };
      if (request.expected !== undefined && request.expected !== currentModel) return { status: "superseded", current };
      if (request.respectRollbacks && this.history(name).some(({ entry }) => entry.action === "rollback" && entry.replaced === request.model)) {
        return { status: "rolled-back-earlier", current };
      }
      return { status: "promoted", entry: this.append(name, current, { action: "promote", ...request }) };
    });
  }

  /** Points the channel back at the model it had before its current one. Undefined when there is none. */
  async rollback(name: string, by: string, note: string): Promise<LocatedEntry | undefined> {
    return this.withLock(() => {
      const current = this.head(name);
      if (current === undefined) return undefined;
      const back = this.history(name).find(({ entry }) => entry.model !== current.entry.model);
      if (back === undefined) return undefined;
      return this.append(name, current, { action: "rollback", model: back.entry.model, manifest: back.entry.manifest, decision: null, by, note });
    });
  }

  private append(
    name: string,
    current: LocatedEntry | undefined,
    fields: Pick<RegistryEntry, "action" | "model" | "manifest" | "decision" | "by" | "note">,
  ): LocatedEntry {
    const entry: RegistryEntry = {
      format: "strata-registry-entry/1",
      channel: name,
      action: fields.action,
      model: fields.model,
      replaced: current?.entry.model ?? null,
      manifest: fields.manifest,
      decision: fields.decision,
      previous: current?.digest ?? null,
      at: new Date().toISOString(),
      by: fields.by,
      note: fields.note,
    };
    const digest = this.store.put(canonicalJsonBytes(entry));
    this.store.writeRef(this.refName(name), digest);
    return { digest, entry };
  }

  /**
   * Runs `f` holding the store's registry lock (a file created exclusively). A lock left by a killed process is
   * taken over once it is older than LOCK_STALE_MS.
   */
  private async withLock<A>(f: () => A): Promise<A> {
    const file = path.join(this.store.root, "locks", "registry.lock");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        fs.writeFileSync(file, `${os.hostname()} ${process.pid} ${new Date().toISOString()}\n`, { flag: "wx" });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > LOCK_STALE_MS) {
          fs.rmSync(file, { force: true });
          continue;
        }
        if (Date.now() > deadline) {
          throw new Error(`the model registry in ${this.store.root} stayed locked for ${LOCK_WAIT_MS / 1000} s (${file}); if no strata process is running, delete that file`);
        }
        await sleep(25 + Math.floor(Math.random() * 50));
      }
    }
    try {
      return f();
    } finally {
      fs.rmSync(file, { force: true });
    }
  }
}
