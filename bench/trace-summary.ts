// Reads a step trace (STRATA_TRACE=file strata run …, or a worker started with it; README "Parallel replicates")
// and prints, per node: when its first task started and its last ended (seconds from the first task queued), the
// seconds its tasks kept a thread busy, and with --tasks every task (phase, unit, thread, start, seconds, wait in
// the queue). Busy seconds well under threads × span is idle time: start-up, round trips, an unbalanced node.
// Usage: node bin/run-ts.mjs bench/trace-summary.ts trace.jsonl [--tasks]
import * as fs from "node:fs";
import type { TraceLine } from "../engine/step-trace.js";

const [file, flag] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: bench/trace-summary.ts trace.jsonl [--tasks]");
const lines = fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as TraceLine);
const t0 = Math.min(...lines.map((l) => l.queued));
const s = (ms: number) => (ms / 1000).toFixed(2);
const byNode = new Map<string, TraceLine[]>();
for (const l of lines) byNode.set(l.node, [...(byNode.get(l.node) ?? []), l]);
for (const [node, tasks] of byNode) {
  const start = Math.min(...tasks.map((l) => l.started)) - t0;
  const end = Math.max(...tasks.map((l) => l.ended)) - t0;
  const busy = tasks.reduce((sum, l) => sum + l.ended - l.started, 0);
  process.stdout.write(`${node.padEnd(18)} ${s(start).padStart(7)} → ${s(end).padStart(7)} s  busy ${s(busy)} s  ${tasks.length} tasks\n`);
  if (flag !== "--tasks") continue;
  for (const l of tasks) {
    const what = `${l.phase}${l.unit === undefined ? "" : ` ${l.unit}`}`;
    process.stdout.write(`    ${what.padEnd(10)} pid ${l.pid} thread ${l.thread}  at ${s(l.started - t0)} s  ${s(l.ended - l.started)} s  queued ${s(l.started - l.queued)} s${l.ok ? "" : "  failed"}\n`);
  }
}
const span = Math.max(...lines.map((l) => l.ended)) - t0;
const busy = lines.reduce((sum, l) => sum + l.ended - l.started, 0);
process.stdout.write(`all: ${s(span)} s from the first task to the last, threads busy ${s(busy)} s in all\n`);
