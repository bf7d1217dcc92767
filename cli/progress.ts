import { displayText } from "../dsl/display-text.js";
import type { PlanNode } from "../dsl/plan.js";
import type { NodeEvents, NodeResult } from "../engine/node-runner.js";

/** Seconds as "42s", "3m 05s" or "1h 02m". */
const duration = (seconds: number): string => {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
};

/**
 * "done/of (pct%)", then the rate in the step's units per second and the time left at that rate, measured from
 * `since` (the first progress event: a step's setup before its first unit would distort both).
 */
export const progressText = (done: number, of: number, seconds: number, since: { readonly done: number; readonly seconds: number }): string => {
  const pct = of > 0 ? Math.floor((100 * done) / of) : 0;
  const head = `${done}/${of} (${pct}%)`;
  const elapsed = seconds - since.seconds;
  if (done <= since.done || elapsed <= 0) return head;
  const rate = (done - since.done) / elapsed;
  const shown = rate >= 100 ? Math.round(rate).toLocaleString("en-US") : rate.toPrecision(3);
  return done >= of ? `${head}, ${shown}/s` : `${head}, ${shown}/s, ETA ${duration((of - done) / rate)}`;
};

/**
 * Progress on stderr, one line per event, so stdout stays clean for --json and summaries. On a terminal, step
 * progress rewrites its own line; elsewhere (CI logs) it prints at most every 10%.
 */
export const terminalProgress = (stream: NodeJS.WriteStream, total: number): NodeEvents & { finished(r: NodeResult): void } => {
  let completed = 0;
  const tty = stream.isTTY === true;
  const lastDecile = new Map<string, number>();
  const firstProgress = new Map<string, { readonly done: number; readonly seconds: number }>();
  let openLine = false;
  const line = (text: string) => {
    if (openLine) stream.write("\n");
    openLine = false;
    stream.write(text + "\n");
  };
  return {
    started: (node: PlanNode) => line(`  ▶ ${node.id} (${node.step}) running`),
    log: (node, message) => line(`    ${node.id}: ${displayText(message)}`),
    warn: (node, message) => line(`  ! ${node.id}: ${displayText(message)}`),
    progress: (node, done, of) => {
      const pct = of > 0 ? Math.floor((100 * done) / of) : 0;
      const seconds = performance.now() / 1000;
      const since = firstProgress.get(node.id) ?? { done, seconds };
      firstProgress.set(node.id, since);
      const text = progressText(done, of, seconds, since);
      if (tty) {
        stream.write(`\r    ${node.id}: ${text}   `);
        openLine = true;
        return;
      }
      const decile = Math.floor(pct / 10);
      if (decile === lastDecile.get(node.id)) return;
      lastDecile.set(node.id, decile);
      line(`    ${node.id}: ${text}`);
    },
    finished: (r) => {
      completed++;
      line(`  ${r.cached ? "✓" : "●"} [${completed}/${total}] ${r.id}${r.cached ? " (cached)" : ""} ${r.seconds.toFixed(2)}s`);
    },
  };
};
