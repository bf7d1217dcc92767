import * as fs from "node:fs";
import * as path from "node:path";
import { Schema } from "effect";
import { shortDigest } from "../artifacts/digest.js";
import { CorruptObjectError, MissingObjectError } from "../artifacts/errors.js";
import { ContentStore, resolveStoreRoot } from "../artifacts/store.js";
import { UsageError } from "../dsl/errors.js";
import { describeComparison } from "../engine/audit/compare.js";
import { exportBundle } from "../engine/audit/export.js";
import type { KeyCheck } from "../engine/audit/key-check.js";
import { buildLineage, findProducer, recordedRuns, renderLineage } from "../engine/audit/lineage.js";
import { manifestForLockEntry, readLock } from "../engine/audit/lock.js";
import { manifestReferences, type StoreProblem } from "../engine/audit/references.js";
import { replayRun, type NodeReplay, type ReplayEvents, type ReplayReport } from "../engine/audit/replay.js";
import { studyLicense, writeRunCrate } from "../engine/audit/ro-crate.js";
import { requireWritableFolder } from "../engine/writable-folder.js";
import { defaultConcurrency } from "../engine/local-executor.js";
import { readManifest, resolveDigest } from "../engine/manifest.js";
import { findProjectRoot } from "../engine/project.js";
import { STRATA_PACKAGE } from "../engine/installed-package.js";
import { commonOptions, parseCommand, PositiveIntFlag } from "./args.js";

// ─── shared: what to audit ────────────────────────────────────────────────────────────────────────────────────

interface Targets {
  readonly store: ContentStore;
  readonly manifests: readonly string[];
  readonly lockFile?: string;
}

const isLockPath = (arg: string): boolean => arg.endsWith(".lock") || (fs.existsSync(arg) && fs.statSync(arg).isFile());

/**
 * A manifest digest (or a prefix of 8+ characters) in the store, or a study.lock: per study, the run in the store
 * that produced its locked results (a bundle's lock names it).
 * With a lock and no --store, a lock that sits in a store folder (an exported bundle) uses that folder.
 */
const resolveTargets = (command: string, arg: string, storeFlag: string | undefined, study: string | undefined): Targets => {
  if (isLockPath(arg)) {
    const file = path.resolve(arg);
    const lock = readLock(file);
    if (!lock) throw new UsageError({ problem: `strata ${command}: no lock file at ${file}; a successful \`strata run\` writes study.lock beside the pipeline` });
    const entries = Object.entries(lock.studies).filter(([pipeline, e]) => study === undefined || e.study === study || pipeline === study);
    if (entries.length === 0) {
      const known = Object.entries(lock.studies).map(([p, e]) => `${e.study} (${p})`).join(", ") || "none";
      throw new UsageError({ problem: `strata ${command}: ${file} has no ${study === undefined ? "studies" : `study "${study}"`}; it locks: ${known}` });
    }
    const dir = path.dirname(file);
    const root = storeFlag ?? (fs.existsSync(path.join(dir, "objects")) ? dir : undefined);
    const store = new ContentStore(resolveStoreRoot(root));
    return { store, manifests: entries.map(([pipeline, e]) => manifestForLockEntry(store, pipeline, e, file)), lockFile: file };
  }
  if (study !== undefined) throw new UsageError({ problem: `strata ${command}: --study selects a study in a study.lock; with a manifest digest leave it out` });
  const store = new ContentStore(resolveStoreRoot(storeFlag));
  return { store, manifests: [resolveDigest(store, arg)] };
};

const projectRoot = (flag: string | undefined): string => {
  if (flag !== undefined) {
    const dir = path.resolve(flag);
    if (!fs.existsSync(path.join(dir, "package.json"))) throw new UsageError({ problem: `--project ${flag}: no package.json in ${dir}; pass the folder that holds the study's package.json` });
    return dir;
  }
  return findProjectRoot(path.join(process.cwd(), "_"));
};

const engineInfo = (): { name: string; version: string } => ({ name: "Strata", version: STRATA_PACKAGE.version });

// ─── replay ───────────────────────────────────────────────────────────────────────────────────────────────────

export const replayHelp = `Usage: strata replay <manifest-digest | path/to/study.lock> [options]

Audits a recorded run in three stages and exits 0 only when every output is byte-identical:

  1. key check      recomputes each node's code digest (its import closure and package versions) and the
                    environment digest, and names what drifted: file, package version, environment field.
                    Nothing runs yet. Raw files on disk that differ from the record are listed for information.
  2. replay         re-executes every node in isolation, from its RECORDED input digests, params and seed, with
                    the cache off, in a scratch store: the audited store, its index and its refs are not written.
                    Each output is compared by file digest, then (tables) logical digest, then values: max
                    absolute and relative difference of numeric columns and model weights, first differing JSON
                    path or text line. Every object the run references is checked against its digest too, so a
                    tampered table, model or manifest is named.
  3. verdict        the first divergent node in topological order, the kind of divergence and, from the key
                    check, why (code change, environment change, or a nondeterministic step).

A study.lock replays every study it locks (or the one named by --study). A lock inside an exported bundle uses
the bundle as its store unless --store is given. Step code comes from the project around the working directory
(or --project).

Options:
  --store DIR        store holding the run (default: the lock's bundle folder, $STRATA_STORE or .strata)
  --project DIR      project whose step code is replayed (default: the one around the working directory)
  --study NAME       with a lock: replay only this study (name or pipeline path)
  --concurrency N    nodes replayed at once (default: number of cores)
  --json             print the full comparison as one JSON object on stdout
  -h, --help         this help

Progress goes to stderr. Exit codes: 0 all bytes match, 1 a divergence or a corrupt/missing object, 2 bad usage.

Examples:
  strata replay pipelines/study.lock
  strata replay 7029781 --store /data/bundle --json
`;

const ReplayFlags = Schema.Struct({
  store: Schema.optional(Schema.String),
  project: Schema.optional(Schema.String),
  study: Schema.optional(Schema.String),
  concurrency: Schema.optional(PositiveIntFlag),
  json: Schema.Boolean,
  help: Schema.Boolean,
});

const symbol = (n: NodeReplay) => (n.kind === "none" ? "=" : "≠");

/** Progress on stderr: node starts, step progress (a rewritten line on a terminal, every 10% elsewhere), results. */
const replayProgress = (err: NodeJS.WriteStream, onKeyCheck: (c: KeyCheck, p: readonly StoreProblem[]) => void): ReplayEvents => {
  const tty = err.isTTY === true;
  const deciles = new Map<string, number>();
  let open = false;
  const line = (s: string) => {
    if (open) err.write("\n");
    open = false;
    err.write(s + "\n");
  };
  return {
    keyChecked: onKeyCheck,
    started: (n) => line(`  ▶ ${n.id} (${n.step}) replaying`),
    log: (n, m) => line(`    ${n.id}: ${m}`),
    progress: (n, done, total) => {
      const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
      if (tty) {
        err.write(`\r    ${n.id}: ${done}/${total} (${pct}%)   `);
        open = true;
        return;
      }
      if (deciles.get(n.id) === Math.floor(pct / 10)) return;
      deciles.set(n.id, Math.floor(pct / 10));
      line(`    ${n.id}: ${done}/${total} (${pct}%)`);
    },
    finished: (r, done, total) => line(`  ${symbol(r)} [${done}/${total}] ${r.id} ${r.kind === "none" ? "identical" : r.kind} ${r.seconds.toFixed(2)}s`),
  };
};

/** Stage 1 as text: environment, per-node key status with what drifted, raw-file notes, store integrity. */
export const renderKeyCheck = (check: KeyCheck, problems: readonly StoreProblem[], objects: number): string => {
  const out: string[] = [`\n1. key check (code and environment, before anything runs)\n`];
  out.push(check.environment.changes.length === 0
    ? `  environment  unchanged (${Object.entries(check.environment.now).map(([k, v]) => `${k}=${v}`).join(" ")})\n`
    : `  environment  CHANGED: ${check.environment.changes.map((c) => c.detail).join("; ")}\n`);
  const width = Math.max(...check.nodes.map((n) => n.id.length), 4);
  for (const n of check.nodes) {
    if (n.status === "unchanged") {
      out.push(`  ✓ ${n.id.padEnd(width)}  key unchanged\n`);
      continue;
    }
    const own = n.changes.filter((c) => c.component !== "environment");
    out.push(`  ✗ ${n.id.padEnd(width)}  ${n.status === "unavailable" ? "code unavailable" : "key drift"} (${n.step}, ${n.module})\n`);
    for (const c of own) out.push(`      ${c.component} ${c.detail}\n`);
    if (own.length < n.changes.length) out.push(`      environment changed (see above)\n`);
  }
  for (const s of check.sources) {
    out.push(`  note: raw file ${s.path} on disk ${s.now === "missing" ? "is missing" : `differs (${shortDigest(s.recorded)} → ${shortDigest(s.now)})`}; the replay uses the recorded bytes\n`);
  }
  if (problems.length === 0) out.push(`  store        all ${objects} referenced objects verify\n`);
  else for (const p of problems) out.push(`  ✗ store      ${p.message}\n`);
  return out.join("");
};

/** Stages 2 and 3 as text: one line per node (with the differences of divergent ones), then the verdict. */
export const renderReplay = (r: ReplayReport): string => {
  const out: string[] = [`\n2. isolated replay (recorded inputs, cache off, scratch store)\n`];
  const width = Math.max(...r.nodes.map((n) => n.id.length), 4);
  for (const n of r.nodes) {
    out.push(`  ${symbol(n)} ${n.id.padEnd(width)}  ${n.kind === "none" ? "identical" : n.kind}${n.kind === "none" ? ` (${n.outputs.length} output${n.outputs.length === 1 ? "" : "s"})` : ""}\n`);
    if (n.kind === "none") continue;
    const lines = n.outputs.length > 0 && n.objects.length === 0 ? n.outputs.filter((c) => c.level !== "identical").map(describeComparison) : [n.detail];
    for (const l of lines) out.push(`      ${l}\n`);
  }
  const v = r.verdict;
  out.push(`\n3. verdict\n`);
  if (v.ok) out.push(`  REPRODUCED: ${v.summary}\n`);
  else if (v.firstDivergent) {
    const f = v.firstDivergent;
    const heading = f.kind === "corrupt-object" || f.kind === "input-unavailable" ? "STORE ALTERED" : "DIVERGED";
    out.push(`  ${heading} at node ${f.node} (${f.step}): ${f.kind}\n      ${f.detail}\n  why: ${f.diagnosis}\n`);
    if (v.divergent > 1) out.push(`  (${v.divergent} of ${r.nodes.length} nodes diverge; ${v.identical} identical)\n`);
    if (v.storeProblems.length > 0) out.push(`  ${v.storeProblems.length} referenced object${v.storeProblems.length === 1 ? " is" : "s are"} corrupt or missing (listed under the key check)\n`);
  } else out.push(`  NOT REPRODUCED: ${v.summary}\n`);
  return out.join("");
};

type ReplayEntry = ReplayReport | { readonly manifest: string; readonly error: { readonly kind: string; readonly object: string; readonly message: string }; readonly verdict: { readonly ok: false; readonly summary: string } };

export const replayCommand = async (argv: readonly string[]): Promise<number> => {
  const { flags, positionals } = parseCommand(
    "replay",
    argv,
    { ...commonOptions, project: { type: "string" }, study: { type: "string" }, concurrency: { type: "string" } },
    ReplayFlags,
  );
  if (flags.help) return void process.stdout.write(replayHelp), 0;
  if (positionals.length !== 1) throw new UsageError({ problem: "strata replay: expected one manifest digest (or prefix) or a study.lock path. Run `strata replay --help`." });
  const targets = resolveTargets("replay", positionals[0]!, flags.store, flags.study);
  const root = projectRoot(flags.project);
  const out = process.stdout;
  const entries: ReplayEntry[] = [];
  for (const digest of targets.manifests) {
    let manifest;
    try {
      manifest = readManifest(targets.store, digest).manifest;
    } catch (e) {
      if (!(e instanceof CorruptObjectError || e instanceof MissingObjectError)) throw e;
      const message = e instanceof CorruptObjectError
        ? `the run manifest ${digest} is corrupt: its bytes now hash to ${e.actual} (file ${e.path}); the record of this run cannot be trusted`
        : `the run manifest ${digest} is not in ${targets.store.root}; pass --store to point at the store or bundle that holds it`;
      entries.push({ manifest: digest, error: { kind: e instanceof CorruptObjectError ? "corrupt-object" : "missing-object", object: digest, message }, verdict: { ok: false, summary: message } });
      if (!flags.json) out.write(`\nreplay of manifest ${digest}\n  ✗ ${message}\n`);
      continue;
    }
    if (!flags.json) {
      out.write(`\nreplay of study ${manifest.study} (${manifest.pipeline})\n  manifest  ${digest}\n  store     ${targets.store.root}\n  project   ${root}\n`);
    }
    process.stderr.write(`strata: replaying study ${manifest.study}, manifest ${shortDigest(digest)} (${manifest.nodes.length} nodes) from ${targets.store.root}\n`);
    const objects = manifestReferences(targets.store, digest, manifest).length - 1;
    const events = replayProgress(process.stderr, (check, problems) => {
      if (!flags.json) out.write(renderKeyCheck(check, problems, objects));
    });
    const report = await replayRun({ root, store: targets.store, concurrency: flags.concurrency ?? defaultConcurrency(), events }, digest, manifest);
    entries.push(report);
    if (!flags.json) out.write(renderReplay(report));
  }
  const ok = entries.every((e) => e.verdict.ok);
  if (flags.json) out.write(JSON.stringify({ ok, replays: entries }) + "\n");
  else if (entries.length > 1) out.write(`\n${entries.filter((e) => e.verdict.ok).length} of ${entries.length} studies reproduced\n`);
  return ok ? 0 : 1;
};

// ─── export ───────────────────────────────────────────────────────────────────────────────────────────────────

export const exportHelp = `Usage: strata export <manifest-digest | path/to/study.lock> (--to DIR | --ro-crate DIR) [options]

--to DIR        writes a portable bundle: a folder with the store layout holding the run manifest, the plan,
                every object the run references (raw files, inputs, outputs) and a study.lock naming the
                manifest. Copy it anywhere; \`strata replay DIR/study.lock\` replays from it.
--ro-crate DIR  writes a Workflow Run RO-Crate (Provenance Run Crate 0.5 profile): ro-crate-metadata.json with
                one CreateAction per node run (instrument: the step, object: its inputs, result: its outputs),
                a ControlAction per step and an OrganizeAction for the engine run, plus every file under its
                sha256 digest, which is also its @id.

Both may be given. Every object is read through the store's digest check: a corrupt one stops the export.

Options:
  --store DIR        store holding the run (default: $STRATA_STORE or .strata)
  --study NAME       with a lock that names several studies: which one
  --json             print {manifest, bundle, roCrate} as JSON on stdout
  -h, --help         this help

Example:
  strata export pipelines/study.lock --to /tmp/heart-bundle --ro-crate /tmp/heart-crate
`;

const ExportFlags = Schema.Struct({
  store: Schema.optional(Schema.String),
  to: Schema.optional(Schema.String),
  "ro-crate": Schema.optional(Schema.String),
  study: Schema.optional(Schema.String),
  json: Schema.Boolean,
  help: Schema.Boolean,
});

export const exportCommand = async (argv: readonly string[]): Promise<number> => {
  const { flags, positionals } = parseCommand(
    "export",
    argv,
    { ...commonOptions, to: { type: "string" }, "ro-crate": { type: "string" }, study: { type: "string" } },
    ExportFlags,
  );
  if (flags.help) return void process.stdout.write(exportHelp), 0;
  if (positionals.length !== 1) throw new UsageError({ problem: "strata export: expected one manifest digest (or prefix) or a study.lock path. Run `strata export --help`." });
  if (flags.to === undefined && flags["ro-crate"] === undefined) throw new UsageError({ problem: "strata export: say what to write: --to DIR (a portable bundle) and/or --ro-crate DIR (provenance). Run `strata export --help`." });
  if (flags.to !== undefined) requireWritableFolder("--to", flags.to);
  if (flags["ro-crate"] !== undefined) requireWritableFolder("--ro-crate", flags["ro-crate"]);
  const targets = resolveTargets("export", positionals[0]!, flags.store, flags.study);
  if (targets.manifests.length !== 1) {
    throw new UsageError({ problem: `strata export: ${targets.lockFile} locks ${targets.manifests.length} studies; pick one with --study NAME` });
  }
  const digest = targets.manifests[0]!;
  const { manifest } = readManifest(targets.store, digest);
  const result: Record<string, unknown> = { manifest: digest, study: manifest.study };
  if (flags.to !== undefined) {
    const b = exportBundle(targets.store, digest, manifest, flags.to);
    result["bundle"] = b;
    if (!flags.json) process.stdout.write(`bundle   ${b.dir}: ${b.objects} objects, ${(b.bytes / 1024).toFixed(1)} KiB, lock ${b.lockFile}\n         replay it with: strata replay ${path.relative(process.cwd(), b.lockFile) || b.lockFile}\n`);
  }
  if (flags["ro-crate"] !== undefined) {
    const c = writeRunCrate(targets.store, digest, manifest, flags["ro-crate"], engineInfo(), studyLicense(projectRoot(undefined)));
    result["roCrate"] = c;
    if (!flags.json) process.stdout.write(`ro-crate ${c.metadata}: ${manifest.nodes.length} node runs, ${c.files} files named by sha256\n`);
  }
  if (flags.json) process.stdout.write(JSON.stringify(result) + "\n");
  return 0;
};

// ─── lineage ──────────────────────────────────────────────────────────────────────────────────────────────────

export const lineageHelp = `Usage: strata lineage <digest | prefix> [--store DIR] [--manifest DIGEST] [--json]

Shows how an artifact was made: the node that produced it, that node's step, params, seed and code digest,
and the same for each of its inputs, back to the raw files (with their sha256). The producing run is found in
the store's recorded manifests (each study's last run first, then older runs, newest first).

Options:
  --store DIR        store to search (default: $STRATA_STORE or .strata)
  --manifest DIGEST  look only in this run
  --json             print the lineage tree as JSON (with a flat list of the raw files it reaches)
  -h, --help         this help

Example:
  strata lineage 3f2a9c1e --store .strata
`;

const LineageFlags = Schema.Struct({ store: Schema.optional(Schema.String), manifest: Schema.optional(Schema.String), json: Schema.Boolean, help: Schema.Boolean });

export const lineageCommand = async (argv: readonly string[]): Promise<number> => {
  const { flags, positionals } = parseCommand("lineage", argv, { ...commonOptions, manifest: { type: "string" } }, LineageFlags);
  if (flags.help) return void process.stdout.write(lineageHelp), 0;
  if (positionals.length !== 1) throw new UsageError({ problem: "strata lineage: expected one artifact digest (or a prefix of 8+ characters). Run `strata lineage --help`." });
  const store = new ContentStore(resolveStoreRoot(flags.store));
  const digest = resolveDigest(store, positionals[0]!);
  let runs;
  if (flags.manifest !== undefined) {
    const m = readManifest(store, flags.manifest);
    runs = [{ digest: m.digest, manifest: m.manifest }];
  } else {
    const found = recordedRuns(store);
    for (const s of found.skipped) process.stderr.write(`strata: warning: skipped object ${shortDigest(s.digest)}: ${s.reason}\n`);
    runs = found.runs;
  }
  const run = findProducer(runs, digest);
  if (!run) {
    throw new UsageError({ problem: `strata lineage: no recorded run in ${store.root} produced or read ${digest} (${runs.length} run${runs.length === 1 ? "" : "s"} searched); pass --store to point at the store that holds its run` });
  }
  const lineage = buildLineage(store, run, digest);
  if (flags.json) {
    process.stdout.write(JSON.stringify(lineage) + "\n");
    return 0;
  }
  process.stdout.write(`lineage of ${digest}\n  run ${run.digest} of study ${lineage.study} (${lineage.pipeline}), ${lineage.startedAt}\n\n`);
  process.stdout.write(renderLineage(lineage));
  if (lineage.sources.length > 0) {
    process.stdout.write(`\nraw files:\n${lineage.sources.map((s) => `  ${s.digest}  ${s.path}\n`).join("")}`);
  }
  return 0;
};
