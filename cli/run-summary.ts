// What a finished run prints, shared by the local and the Temporal executor so scripts and people see one format.
import { shortDigest } from "../artifacts/digest.js";
import type { FinishedRun } from "../engine/finish-run.js";
import type { RunManifest } from "../engine/manifest.js";
import { describeDecision } from "../engine/promotions.js";

/** The --json shape of a finished run; also used by the Temporal executor so scripts see one format. */
export const runSummaryJson = (manifestDigest: string, manifest: RunManifest, reports: readonly string[], finished?: FinishedRun) => ({
  status: "succeeded",
  study: manifest.study,
  manifest: manifestDigest,
  ...(finished ? { run: finished.run } : {}),
  planDigest: manifest.planDigest,
  seconds: manifest.seconds,
  nodes: manifest.nodes.map((n) => ({
    id: n.id,
    step: n.step,
    cached: n.cached,
    outputs: Object.fromEntries(Object.entries(n.outputs).map(([k, o]) => [k, o.digest])),
    ...(n.units ? { units: n.units } : {}),
  })),
  reports,
  ...(finished ? { decisions: finished.decisions } : {}),
});

export const printRunSummary = (out: NodeJS.WriteStream, finished: FinishedRun, manifest: RunManifest, reports: readonly string[]): void => {
  const hits = manifest.nodes.filter((n) => n.cached).length;
  out.write(`\nstudy ${manifest.study}: ${manifest.nodes.length} nodes, ${hits} cached, ${manifest.nodes.length - hits} ran, ${manifest.seconds.toFixed(2)}s\n`);
  out.write(`manifest ${finished.manifest}\n`);
  for (const r of reports) out.write(`report   ${r}\n`);
  for (const d of finished.decisions) out.write(`gate     ${describeDecision(d)}\n`);
  out.write(`(show it with: strata show ${shortDigest(finished.manifest)})\n`);
};
