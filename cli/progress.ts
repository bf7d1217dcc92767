import { displayText } from "../dsl/display-text.js";
import type { PlanNode } from "../dsl/plan.js";
import type { NodeEvents, NodeResult } from "../engine/node-runner.js";

/**
 * Progress on stderr, one line per event, so stdout stays clean for --json and summaries. On a terminal, step
 * progress rewrites its own line; elsewhere (CI logs) it prints at most every 10%.
 */
export const terminalProgress = (stream: NodeJS.WriteStream, total: number): NodeEvents & { finished(r: NodeResult): void } => {
  let completed = 0;
  const tty = stream.isTTY === true;
  const lastDecile = new Map<string, number>();
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
      if (tty) {
        stream.write(`\r    ${node.id}: ${done}/${of} (${pct}%)   `);
        openLine = true;
        return;
      }
      const decile = Math.floor(pct / 10);
      if (decile === lastDecile.get(node.id)) return;
      lastDecile.set(node.id, decile);
      line(`    ${node.id}: ${done}/${of} (${pct}%)`);
    },
    finished: (r) => {
      completed++;
      line(`  ${r.cached ? "✓" : "●"} [${completed}/${total}] ${r.id}${r.cached ? " (cached)" : ""} ${r.seconds.toFixed(2)}s`);
    },
  };
};
