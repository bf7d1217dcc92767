import { Schema } from "effect";
import { shortDigest } from "../artifacts/digest.js";
import { CHANNEL_SYNTAX, ModelRegistry, parseChannel, type LocatedEntry } from "../artifacts/registry.js";
import { ContentStore, resolveStoreRoot } from "../artifacts/store.js";
import { UsageError } from "../dsl/errors.js";
import { resolveDigest } from "../engine/manifest.js";
import { manifestProducing } from "../engine/run-history.js";
import { commonOptions, parseCommand } from "./args.js";

export const modelsHelp = `Usage: strata models <subcommand> [options]

The model registry in the store: named channels such as heart-retrain/logreg:champion, each pointing at a model
set, with the history of every change. Promotion gates in a study (evaluate.promotion-gate) move a channel after a
run when the new model harms no subgroup; these commands read it, and change it by hand.

Subcommands:
  list                          every channel and its current model
  show CHANNEL                  the current entry: model, the run that produced it, why it was promoted
  history CHANNEL               every entry, newest first
  promote CHANNEL --model DIGEST [--note TEXT]
                                point the channel at a model set in the store (no gate: you decide); the
                                entry names the newest recorded run that produced it
  rollback CHANNEL [--note TEXT]
                                point the channel back at the model it had before the current one

Options:
  --store DIR    content-addressed store (default: $STRATA_STORE or .strata)
  --model D      a model-set digest (or a unique prefix of 8+ characters), e.g. from \`strata show\`
  --note TEXT    recorded with the entry
  --json         print JSON on stdout
  -h, --help     this help

A channel is ${CHANNEL_SYNTAX}.
`;

const Flags = Schema.Struct({
  store: Schema.optional(Schema.String),
  model: Schema.optional(Schema.String),
  note: Schema.optional(Schema.String),
  json: Schema.Boolean,
  help: Schema.Boolean,
});

const entryJson = ({ digest, entry }: LocatedEntry) => ({ entry: digest, ...entry });

const entryLine = ({ entry }: LocatedEntry): string =>
  `${entry.at}  ${entry.action.padEnd(8)} ${shortDigest(entry.model)}${entry.replaced ? ` (was ${shortDigest(entry.replaced)})` : ""}  by ${entry.by}${entry.note ? `: ${entry.note}` : ""}`;

const channelArg = (sub: string, positionals: readonly string[]): string => {
  if (positionals.length !== 1) throw new UsageError({ problem: `strata models ${sub}: expected one channel, got ${positionals.length}. Run \`strata models --help\`.` });
  const name = positionals[0]!;
  if (parseChannel(name) === undefined) throw new UsageError({ problem: `strata models ${sub}: "${name}" is not a channel; expected ${CHANNEL_SYNTAX}` });
  return name;
};

export const modelsCommand = async (argv: readonly string[]): Promise<number> => {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    process.stdout.write(modelsHelp);
    return sub === undefined ? 2 : 0;
  }
  const subs = ["list", "show", "history", "promote", "rollback"];
  if (!subs.includes(sub)) throw new UsageError({ problem: `strata models: unknown subcommand "${sub}"; expected ${subs.join(", ")}. Run \`strata models --help\`.` });
  const { flags, positionals } = parseCommand(`models ${sub}`, rest, { ...commonOptions, model: { type: "string" }, note: { type: "string" } }, Flags);
  if (flags.help) return void process.stdout.write(modelsHelp), 0;
  if (flags.model !== undefined && sub !== "promote") throw new UsageError({ problem: `strata models ${sub}: --model applies only to promote` });
  const store = new ContentStore(resolveStoreRoot(flags.store));
  const registry = new ModelRegistry(store);
  const out = process.stdout;
  const head = (name: string) => {
    const h = registry.head(name);
    if (h === undefined) throw new UsageError({ problem: `channel ${name} has no model in ${store.root}; \`strata models list\` shows the channels there` });
    return h;
  };

  switch (sub) {
    case "list": {
      if (positionals.length > 0) throw new UsageError({ problem: "strata models list: takes no arguments" });
      const rows = registry.channels().map((name) => entryJson(head(name)));
      if (flags.json) out.write(JSON.stringify({ channels: rows }) + "\n");
      else if (rows.length === 0) out.write(`no model channels in ${store.root} (a study's promotion gate creates them)\n`);
      else for (const r of rows) out.write(`${r.channel}  ${shortDigest(r.model)}  since ${r.at} (${r.action} by ${r.by})\n`);
      return 0;
    }
    case "show": {
      const name = channelArg(sub, positionals);
      const h = head(name);
      const set = JSON.parse(Buffer.from(store.get(h.entry.model)).toString("utf8")) as { model?: string; replicates?: unknown[] };
      const summary = { model: set.model ?? null, replicates: Array.isArray(set.replicates) ? set.replicates.length : null };
      if (flags.json) {
        out.write(JSON.stringify({ ...entryJson(h), modelSet: summary }) + "\n");
        return 0;
      }
      out.write(`${name}\n  model     ${h.entry.model} (${summary.model ?? "?"}, ${summary.replicates ?? "?"} replicates)\n`);
      out.write(`  since     ${h.entry.at}, ${h.entry.action} by ${h.entry.by}\n`);
      if (h.entry.manifest) out.write(`  run       ${h.entry.manifest} (strata show ${shortDigest(h.entry.manifest)})\n`);
      if (h.entry.decision) out.write(`  decision  ${h.entry.decision}\n`);
      if (h.entry.note) out.write(`  why       ${h.entry.note}\n`);
      return 0;
    }
    case "history": {
      const name = channelArg(sub, positionals);
      const entries = registry.history(name);
      if (entries.length === 0) throw new UsageError({ problem: `channel ${name} has no history in ${store.root}` });
      if (flags.json) out.write(JSON.stringify({ channel: name, entries: entries.map(entryJson) }) + "\n");
      else for (const e of entries) out.write(`${entryLine(e)}\n`);
      return 0;
    }
    case "promote": {
      const name = channelArg(sub, positionals);
      if (flags.model === undefined) throw new UsageError({ problem: "strata models promote: --model DIGEST is required (the model set to point the channel at)" });
      const model = resolveDigest(store, flags.model);
      const doc = JSON.parse(Buffer.from(store.get(model)).toString("utf8")) as { format?: string };
      if (doc.format !== "strata-models/1") throw new UsageError({ problem: `strata models promote: object ${model} is not a model set (format strata-models/1)` });
      const outcome = await registry.promote(name, { model, manifest: manifestProducing(store, model), decision: null, by: "strata models promote", note: flags.note ?? "" });
      const entry = outcome.status === "promoted" ? outcome.entry : registry.head(name)!;
      if (flags.json) out.write(JSON.stringify({ status: outcome.status, ...entryJson(entry) }) + "\n");
      else out.write(outcome.status === "promoted" ? `${name}: now ${shortDigest(model)}\n` : `${name}: already ${shortDigest(model)}; nothing changed\n`);
      return 0;
    }
    case "rollback": {
      const name = channelArg(sub, positionals);
      const current = head(name);
      const entry = await registry.rollback(name, "strata models rollback", flags.note ?? "");
      if (entry === undefined) throw new UsageError({ problem: `channel ${name} has had only model ${shortDigest(current.entry.model)}; there is nothing to roll back to` });
      if (flags.json) out.write(JSON.stringify({ status: "rolled-back", ...entryJson(entry) }) + "\n");
      else out.write(`${name}: rolled back from ${shortDigest(current.entry.model)} to ${shortDigest(entry.entry.model)}\n`);
      return 0;
    }
  }
  return 0;
};
