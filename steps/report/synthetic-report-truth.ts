/**
 * report.against-truth: the planted-truth comparison (evaluate.against-truth) in HTML and Markdown: per subgroup,
 * each method's accuracy and AUROC beside the Bayes-optimal figures of the generated cohort, the regret, the share
 * of the reference's gap a method closes in the planted groups, and which method recovers the planted difference.
 * Every number is the comparison's. The cohort is synthetic (no real person behind any row), so no small-cell rule
 * applies; the test n per group is printed so the reader can judge the intervals.
 */
import { Effect, Schema } from "effect";
import type { MetricsHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { AGAINST_TRUTH_FORMAT, type AgainstTruthDoc, type GroupAgainstTruth } from "../evaluate/against-truth.js";
import { type Cell, type Table, fixed, htmlDocument, htmlParagraphs, htmlTable, markdownHeading, markdownParagraphs, markdownTable, text } from "./renderer.js";

const Params = Schema.Struct({
  title: Schema.String.check(Schema.isMinLength(1)),
  /** Display names of the methods (model label → name); unnamed ones show their label. */
  names: Schema.Record(Schema.String, Schema.String).pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
  notes: Schema.Array(Schema.String).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
});

const num = (v: number | null, digits = 3): string => (v === null ? "–" : fixed(v, digits));
const signed = (v: number | null): string => (v === null ? "–" : `${v > 0 ? "+" : ""}${fixed(v, 3)}`);

const readComparison = (value: unknown, fail: (problem: string) => never): AgainstTruthDoc => {
  const v = value as Partial<AgainstTruthDoc> | null;
  if (v === null || typeof v !== "object" || v.format !== AGAINST_TRUTH_FORMAT || !Array.isArray(v.groups)) fail(`expected a ${AGAINST_TRUTH_FORMAT} document (the output of evaluate.against-truth)`);
  return v as AgainstTruthDoc;
};

const groupLabel = (g: GroupAgainstTruth): string => (g.planted ? `${g.group} (planted)` : g.group);

const metricTable = (doc: AgainstTruthDoc, name: (m: string) => string, metric: "accuracy" | "auroc"): Table => ({
  caption:
    metric === "accuracy"
      ? "Accuracy on the test rows (mean over replicates) and regret = Bayes-optimal − method; gap closed = share of the reference's regret a method removes (planted groups)"
      : "AUROC on the test rows (mean over replicates) and regret = Bayes-optimal − method",
  header: ["group", "cohort n", "test n", `Bayes-optimal ${metric === "accuracy" ? "accuracy" : "AUROC"}`, ...doc.models.map((m) => `${name(m)}: value (regret)`), ...(metric === "accuracy" ? doc.models.filter((m) => m !== doc.reference).map((m) => `${name(m)}: gap closed`) : [])],
  rows: doc.groups.map((g): Cell[] => [
    text(groupLabel(g)),
    text(String(g.cohortN)),
    text(String(g.testN)),
    text(num(metric === "accuracy" ? g.bayesAccuracy : g.bayesAuroc)),
    ...g.methods.map((m) => (metric === "accuracy" ? text(`${num(m.accuracy)} (${signed(m.accuracyRegret)})`) : text(`${num(m.auroc)} (${signed(m.aurocRegret)})`))),
    ...(metric === "accuracy" ? g.methods.filter((m) => m.model !== doc.reference).map((m) => text(g.planted ? (m.gapClosed === null ? "undefined" : `${(m.gapClosed * 100).toFixed(0)}%`) : "–")) : []),
  ]),
});

/** The verdict in plain words: which methods recover the planted difference, and the largest regret of each. */
export const truthVerdict = (doc: AgainstTruthDoc, name: (m: string) => string): string[] => {
  const planted = doc.groups.filter((g) => g.planted).map((g) => g.group);
  if (planted.length === 0) return ["No subgroup of this cohort has a planted outcome rule, so there is no difference to recover."];
  const candidates = doc.models.filter((m) => m !== doc.reference);
  const recovering = candidates.filter((m) => doc.recovers[m] === true);
  const lines = [
    recovering.length === 0
      ? `No method recovers the planted difference in ${planted.join(", ")}: for each, the 95% bootstrap interval of accuracy stays below the Bayes-optimal accuracy in a planted group.`
      : `${recovering.map(name).join(" and ")} recover${recovering.length === 1 ? "s" : ""} the planted difference in ${planted.join(", ")} (accuracy interval reaching the Bayes-optimal accuracy in every planted group)${candidates.length > recovering.length ? `; ${candidates.filter((m) => !recovering.includes(m)).map(name).join(" and ")} do${candidates.length - recovering.length === 1 ? "es" : ""} not` : ""}.`,
  ];
  for (const m of doc.models) {
    const regrets = doc.groups.map((g) => ({ group: g.group, regret: g.methods.find((x) => x.model === m)!.accuracyRegret }));
    const worst = regrets.filter((r) => r.regret !== null).sort((a, b) => b.regret! - a.regret! || (a.group < b.group ? -1 : 1))[0];
    if (worst !== undefined) lines.push(`${name(m)}${m === doc.reference ? " (reference)" : ""}: largest accuracy regret ${signed(worst.regret)} in ${worst.group}.`);
  }
  return lines;
};

const definitions = (doc: AgainstTruthDoc): string[] => [
  `Regret: ${doc.definitions.regret}. Gap closed: ${doc.definitions.gapClosed}. Recovers: ${doc.definitions.recovers}.`,
  `The Bayes-optimal figures are those of the Bayes rule on the generated cohort's true probabilities, label noise ${doc.labelNoise} included (synth.structural's truth document); the methods are scored on the test rows only, so small negative regrets are sampling noise.`,
];

export const againstTruthReport = defineStep({
  kind: "report.against-truth",
  module: import.meta.url,
  params: Params,
  inputs: { comparison: "metrics" },
  outputs: { html: "report", md: "report" },
  run: (inputs, params, ctx) => {
    const doc = readComparison(inputs.comparison.json(), (problem) => ctx.fail("inputs.comparison", problem));
    const name = (m: string): string => params.names[m] ?? m;
    const verdict = truthVerdict(doc, name);
    const tables = [metricTable(doc, name, "accuracy"), metricTable(doc, name, "auroc")];
    const html = htmlDocument(params.title, [
      "<h2>Verdict</h2>",
      ...htmlParagraphs(verdict),
      "<h2>Methods against the truth</h2>",
      ...tables.map(htmlTable),
      ...htmlParagraphs([...definitions(doc), ...params.notes], "note"),
    ]);
    const md = [
      ...markdownHeading(1, params.title),
      ...markdownHeading(2, "Verdict"),
      ...markdownParagraphs(verdict),
      ...markdownHeading(2, "Methods against the truth"),
      ...tables.flatMap(markdownTable),
      ...markdownParagraphs([...definitions(doc), ...params.notes]),
    ].join("\n");
    return { html, md };
  },
});

/** e.g. reportAgainstTruth(comparison, { title: "…", names: { "cond-bias": "Cond. bias" } }, { id: "report" }). */
export const reportAgainstTruth = (
  comparison: MetricsHandle,
  params: { readonly title: string; readonly names?: Readonly<Record<string, string>>; readonly notes?: readonly string[] },
  options?: NodeOptions,
) => {
  const node = addNode(comparison.study, againstTruthReport, { comparison }, params, options);
  return { html: node.report("html"), md: node.report("md") };
};
