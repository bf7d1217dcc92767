import { Schema } from "effect";
import { ContentStore, resolveStoreRoot } from "../artifacts/store.js";
import { shortDigest } from "../artifacts/digest.js";
import { UsageError } from "../dsl/errors.js";
import { CodeDigests } from "../engine/code-digest.js";
import { environmentComponents, environmentDigest } from "../engine/environment.js";
import { explainChanges, plannedKeys } from "../engine/explain.js";
import { lastManifestRef, readManifest } from "../engine/manifest.js";
import { verifyStore } from "../engine/verify.js";
import { loadPipeline, loadTimeoutHelp, LoadTimeoutFlags, loadTimeoutOptions } from "./load-pipeline.js";
import { commonOptions, parseCommand } from "./args.js";
import { runSummaryJson } from "./run-summary.js";

const Flags = Schema.Struct({ store: Schema.optional(Schema.String), json: Schema.Boolean, help: Schema.Boolean });

export const showHelp = `Usage: strata show <manifest-digest | prefix> [--store DIR] [--json]

Shows a recorded run: study, plan, environment, and per node whether it was cached, its outputs and timing.
`;

export const showCommand = async (argv: readonly string[]): Promise<number> => {
  const { flags, positionals } = parseCommand("show", argv, commonOptions, Flags);
  if (flags.help) return void process.stdout.write(showHelp), 0;
  if (positionals.length !== 1) throw new UsageError({ problem: "strata show: expected one manifest digest (or a prefix of 8+ characters). Run `strata show --help`." });
  const store = new ContentStore(resolveStoreRoot(flags.store));
  const { digest, manifest } = readManifest(store, positionals[0]!);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ ...runSummaryJson(digest, manifest, []), manifest: digest, record: manifest }) + "\n");
    return 0;
  }
  const out = process.stdout;
  out.write(`manifest  ${digest}\nstudy     ${manifest.study} (${manifest.pipeline})\nplan      ${manifest.planDigest}\n`);
  out.write(`executor  ${manifest.executor}, started ${manifest.startedAt} on ${manifest.host.hostname}, ${manifest.seconds.toFixed(2)}s\n`);
  out.write(`env       ${Object.entries(manifest.environment.components).map(([k, v]) => `${k}=${v}`).join(" ")}\n\n`);
  for (const n of manifest.nodes) {
    out.write(`${n.cached ? "✓ cached" : "● ran   "} ${n.id} (${n.step}) key ${shortDigest(n.key)} ${n.seconds.toFixed(2)}s\n`);
    for (const [name, o] of Object.entries(n.outputs)) out.write(`           ${name} (${o.kind}) ${o.digest}\n`);
  }
  return 0;
};

export const explainHelp = `Usage: strata explain <pipeline.ts> [node] [--store DIR] [--json] [--load-timeout S]

Says which cache-key components of a node (or of every node) changed since the study's last recorded run:
code files, package versions, params, input digests, environment fields, seed. Nothing runs.

Options:
  --store DIR        the store holding the study's last run (default: $STRATA_STORE or .strata)
  --json             print {study, since, nodes}
${loadTimeoutHelp(19)}
  -h, --help         this help
`;

const ExplainFlags = Schema.Struct({ ...Flags.fields, ...LoadTimeoutFlags });

export const explainCommand = async (argv: readonly string[]): Promise<number> => {
  const { flags, positionals } = parseCommand("explain", argv, { ...commonOptions, ...loadTimeoutOptions }, ExplainFlags);
  if (flags.help) return void process.stdout.write(explainHelp), 0;
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError({ problem: "strata explain: expected a pipeline file and optionally a node id. Run `strata explain --help`." });
  const study = await loadPipeline(positionals[0]!, flags);
  const nodeId = positionals[1];
  if (nodeId !== undefined && !study.plan.nodes.some((n) => n.id === nodeId)) {
    throw new UsageError({ problem: `strata explain: the study has no node "${nodeId}"; its nodes are ${study.plan.nodes.map((n) => n.id).join(", ")}` });
  }
  const store = new ContentStore(resolveStoreRoot(flags.store));
  const last = store.readRef(lastManifestRef(study.plan.study));
  const previous = last ? readManifest(store, last).manifest : undefined;
  const env = environmentComponents(study.root);
  const planned = await plannedKeys(study, store, new CodeDigests(study.root), environmentDigest(env), previous);
  const rows = planned
    .filter((p) => nodeId === undefined || p.node.id === nodeId)
    .map((p) => {
      const recorded = previous?.nodes.find((n) => n.id === p.node.id);
      if (!recorded) return { node: p.node.id, status: "new", changes: [] };
      if (p.key === recorded.key) return { node: p.node.id, status: "unchanged", changes: [] };
      const changes = explainChanges(p, recorded, { now: env, then: previous!.environment.components });
      return { node: p.node.id, status: "changed", changes };
    });
  if (flags.json) {
    process.stdout.write(JSON.stringify({ study: study.plan.study, since: last ?? null, nodes: rows }) + "\n");
    return 0;
  }
  if (!previous) process.stdout.write(`no recorded run of study ${study.plan.study} in ${store.root}: every node is new\n`);
  else process.stdout.write(`compared with the last run of ${study.plan.study}, manifest ${shortDigest(last!)}\n`);
  for (const r of rows) {
    process.stdout.write(`${r.node}: ${r.status}${r.status === "changed" && r.changes.length === 0 ? " (an upstream node changed)" : ""}\n`);
    for (const c of r.changes) process.stdout.write(`    ${c.component} ${c.detail}\n`);
  }
  return 0;
};

export const verifyHelp = `Usage: strata verify [--store DIR] [--clean] [--json]

Checks the whole store: re-hashes every object; decodes every cache index entry and checks its checksum and the
objects it names; decodes every manifest, run record and registry entry a ref points at and checks that every
output they record is in the store. Exits 1 and names each problem. A run never uses a bad object or entry: it
recomputes it. Temp files of writes that never completed and stray files are debris: listed, and removed with
--clean (only while no run is writing to this store). A store that does not exist is an error (exit 2).

Options:
  --store DIR   the store (default: $STRATA_STORE or .strata)
  --clean       remove the debris it finds
  --json        print {store, objects, indexEntries, refs, bad, debris, cleaned, ok}
`;

const VerifyFlags = Schema.Struct({ store: Schema.optional(Schema.String), json: Schema.Boolean, help: Schema.Boolean, clean: Schema.Boolean });

export const verifyCommand = async (argv: readonly string[]): Promise<number> => {
  const { flags, positionals } = parseCommand("verify", argv, { ...commonOptions, clean: { type: "boolean", default: false } }, VerifyFlags);
  if (flags.help) return void process.stdout.write(verifyHelp), 0;
  if (positionals.length > 0) throw new UsageError({ problem: "strata verify: takes no arguments. Run `strata verify --help`." });
  if (flags.store === "") throw new UsageError({ problem: "strata verify: --store is empty; pass the folder of a store (default .strata)" });
  const store = new ContentStore(resolveStoreRoot(flags.store));
  const report = verifyStore(store, { clean: flags.clean });
  const ok = report.bad.length === 0 && (report.debris.length === 0 || report.cleaned);
  if (flags.json) process.stdout.write(JSON.stringify({ store: store.root, ...report, ok }) + "\n");
  else {
    for (const b of report.bad) process.stdout.write(`BAD ${b.at}: ${b.problem}\n`);
    for (const f of report.debris) process.stdout.write(`${report.cleaned ? "removed" : "debris"} ${f}\n`);
    if (report.debris.length > 0 && !report.cleaned) process.stdout.write(`(remove the debris with \`strata verify --clean\` while no run is writing to this store)\n`);
    process.stdout.write(`${report.objects} objects, ${report.indexEntries} index entries and ${report.refs} refs checked in ${store.root}: ${report.bad.length} bad, ${report.debris.length} debris${report.cleaned && report.debris.length > 0 ? " (removed)" : ""}\n`);
  }
  return ok ? 0 : 1;
};
