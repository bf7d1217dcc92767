/**
 * report.few-shot: the few-shot study's report (HTML and Markdown) from its summary (evaluate.few-shot): a plain
 * verdict per held-out site (does a meta-learned initialization beat the pooled model, from how many patients, does
 * any method harm the site), the table as it came out, and the few-shot curves (the decision metric against k per
 * method, SVG). Every number is the summary's; nothing is recomputed here.
 */
import { Effect, Schema } from "effect";
import type { MetricsHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import { METRIC_BY_NAME } from "../evaluate/metrics/registry.js";
import { SUMMARY_FORMAT, SUMMARY_METRICS, SummaryDocumentSchema, type Estimate, type GainEstimate, type SiteSummary, type SummaryDocument } from "../evaluate/few-shot/summary.js";
import { warmCharts, renderChart } from "./charts.js";
import { type Cell, type Table, fixed, htmlDocument, htmlParagraphs, htmlTable, markdownHeading, markdownParagraphs, markdownTable, text } from "./renderer.js";
import { escapeHtml } from "./escape.js";

const Params = Schema.Struct({
  title: Schema.String.check(Schema.isMinLength(1)),
  /** The methods that are meta-learned initializations (the verdict is about them); the rest are baselines. */
  metaMethods: Schema.Array(Schema.String),
  /** Lines printed under the verdicts (the protocol, settings, what the study cannot say). */
  notes: Schema.Array(Schema.String).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  /**
   * Small-cell rule: a site's figures are shown only when its query set has at least minCell patients, and its
   * count of positives only when neither class has 1 to minCell − 1 patients (the other count follows from it).
   */
  minCell: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(10))),
});
type Params = typeof Params.Type;

const estimateText = (e: Estimate, digits = 3): string =>
  e.mean === null ? "undefined" : e.interval === null ? fixed(e.mean, digits) : `${fixed(e.mean, digits)} [${fixed(e.interval[0], digits)}, ${fixed(e.interval[1], digits)}]`;

const pText = (p: number | null | undefined): string => (p === null || p === undefined ? "–" : p < 0.001 ? "< 0.001" : fixed(p, 3));

const list = (ks: readonly number[]): string => ks.map((k) => `k = ${k}`).join(", ");

const meanAt = (site: SiteSummary, doc: SummaryDocument, shots: number, method: string): number | null =>
  site.shots.find((k) => k.shots === shots)?.methods.find((m) => m.method === method)?.metrics[doc.decisionMetric].mean ?? null;

/** The baseline (not the reference, not meta-learned) with the best mean decision metric at k. */
const bestBaseline = (site: SiteSummary, doc: SummaryDocument, metaMethods: readonly string[], shots: number): { method: string; mean: number } | null => {
  const better = METRIC_BY_NAME[doc.decisionMetric].higherIsBetter ? 1 : -1;
  let best: { method: string; mean: number } | null = null;
  for (const method of doc.methods) {
    if (method === doc.reference || metaMethods.includes(method)) continue;
    const mean = meanAt(site, doc, shots, method);
    if (mean !== null && (best === null || better * (mean - best.mean) > 0)) best = { method, mean };
  }
  return best;
};

/** The verdict for one site, in plain words, from the summary's flags. */
export const siteVerdict = (site: SiteSummary, doc: SummaryDocument, metaMethods: readonly string[]): string => {
  const metric = METRIC_BY_NAME[doc.decisionMetric].label;
  const meta = doc.methods.filter((m) => metaMethods.includes(m));
  const parts: string[] = [];
  const beating = meta.filter((m) => site.smallestBeatingShots[m] !== null);
  if (meta.length === 0) parts.push("No meta-learned initialization was evaluated.");
  else if (beating.length === 0) parts.push(`Meta-learning does not help ${site.site} here: no meta-learned initialization beats ${doc.reference} on ${metric} at any k tried (gain interval above 0).`);
  else {
    const first = Math.min(...beating.map((m) => site.smallestBeatingShots[m]!));
    parts.push(`Meta-learning helps ${site.site} from ${first} patients: ${beating.map((m) => `${m} beats ${doc.reference} on ${metric} from k = ${site.smallestBeatingShots[m]}`).join("; ")}.`);
    const robust = beating.filter((m) => {
      const k = site.shots.find((r) => r.shots === site.smallestBeatingShots[m])!;
      const interval = k.methods.find((r) => r.method === m)!.gainWithPatients;
      return interval !== undefined && interval !== null && interval[0] > 0;
    });
    parts.push(
      robust.length === beating.length
        ? "Each of these gains stays above 0 when the test patients are resampled too."
        : `With the test patients resampled too, the gain at that k ${robust.length === 0 ? "includes 0 for every one of them" : `stays above 0 only for ${robust.join(", ")}`}, so this is a statement about these test patients more than about the site.`,
    );
    const best = bestBaseline(site, doc, metaMethods, first);
    if (best !== null) {
      const metaMeans = beating.flatMap((m) => (site.smallestBeatingShots[m] === first ? [`${m} ${fixed(meanAt(site, doc, first, m)!, 3)}`] : []));
      parts.push(`At k = ${first} the best baseline, ${best.method}, has a mean ${metric} of ${fixed(best.mean, 3)} (${metaMeans.join(", ")}); meta-learning and the baselines are not tested against each other.`);
    }
  }
  const baselines = doc.methods.filter((m) => m !== doc.reference && !metaMethods.includes(m) && site.smallestBeatingShots[m] !== null);
  if (baselines.length > 0) parts.push(`Baselines that also beat ${doc.reference}: ${baselines.map((m) => `${m} from k = ${site.smallestBeatingShots[m]}`).join("; ")}.`);
  const harmed = doc.methods.filter((m) => (site.harmedAtShots[m] ?? []).length > 0);
  parts.push(
    harmed.length === 0
      ? `No method is flagged as harming ${site.site} (one-sided paired t-test over seeds, Holm across sites × k, α = ${doc.alpha}).`
      : `Flagged as harming ${site.site} (worse than ${doc.reference}; Holm-adjusted p < ${doc.alpha}): ${harmed.map((m) => `${m} at ${list(site.harmedAtShots[m]!)}`).join("; ")}.`,
  );
  if (harmed.length > 0) {
    const robust = harmed.flatMap((m) => {
      const ks = site.harmedAtShots[m]!.filter((shots) => {
        const interval = site.shots.find((k) => k.shots === shots)!.methods.find((r) => r.method === m)!.gainWithPatients;
        return interval !== undefined && interval !== null && interval[1] < 0;
      });
      return ks.length === 0 ? [] : [`${m} at ${list(ks)}`];
    });
    parts.push(
      robust.length === 0
        ? "With the test patients resampled too, none of these losses is clear (every such interval includes 0)."
        : `With the test patients resampled too, the loss stays below 0 for ${robust.join("; ")}.`,
    );
  }
  const capped = site.shots.filter((k) => k.capped);
  if (capped.length > 0) parts.push(`${site.site}'s training part has ${site.available} patients, so ${list(capped.map((k) => k.shots))} use all ${site.available}.`);
  return parts.join(" ");
};

const isSmall = (count: number, minCell: number): boolean => count > 0 && count < minCell;

/** The query set as the caption names it, with the class counts hidden when one class is a small cell. */
const querySetText = (site: SiteSummary, minCell: number): string => {
  const { querySize, queryPositives } = site.shots[0]!;
  const hidden = isSmall(queryPositives, minCell) || isSmall(querySize - queryPositives, minCell);
  return `query set ${querySize} patients${hidden ? ` (a class has fewer than ${minCell}: counts hidden)` : ` (${queryPositives} positive)`}`;
};

/** Whether a site's figures may be shown: its query set holds at least minCell patients. */
const siteShown = (site: SiteSummary, minCell: number): boolean => site.shots[0]!.querySize >= minCell;

const hiddenSiteNote = (site: SiteSummary, minCell: number): string =>
  `${site.site}: its query set has fewer than ${minCell} patients, so its figures are not shown (small-cell rule, minCell = ${minCell}).`;

const siteTable = (site: SiteSummary, doc: SummaryDocument, minCell: number): Table => ({
  caption: `${site.site}: ${querySetText(site, minCell)}; mean over seeds [95% t interval]; gain over ${doc.reference} on ${METRIC_BY_NAME[doc.decisionMetric].label} (positive is better)`,
  header: ["k (support)", "method", ...SUMMARY_METRICS.map((m) => METRIC_BY_NAME[m].label), `gain (${doc.decisionMetric})`, "gain, patients resampled too", "harm p (Holm)", "verdict"],
  rows: site.shots.flatMap((k) =>
    k.methods.map((m): Cell[] => {
      const gain: GainEstimate | undefined = m.gains?.[doc.decisionMetric];
      return [
        text(`${k.shots}${k.capped ? ` (${k.supportSize}, capped)` : ""}`),
        text(m.method),
        ...SUMMARY_METRICS.map((name) => text(m.metrics[name].n === 0 ? `undefined${m.undefinedBecause ? `: ${m.undefinedBecause.join("; ")}` : ""}` : estimateText(m.metrics[name]))),
        text(gain === undefined ? "reference" : estimateText(gain)),
        text(m.gainWithPatients === undefined || m.gainWithPatients === null ? "–" : `[${fixed(m.gainWithPatients[0], 3)}, ${fixed(m.gainWithPatients[1], 3)}]`),
        text(pText(m.pHarmAdjusted)),
        { lines: [m.harmed ? "harms" : m.beats ? "beats" : m.gains === undefined ? "" : "–"], flag: m.harmed === true },
      ];
    }),
  ),
});

const curvesSpec = (doc: SummaryDocument) => ({
  $schema: "https://vega.github.io/schema/vega-lite/v5.json",
  title: `${METRIC_BY_NAME[doc.decisionMetric].label} against k (mean over seeds), per held-out site`,
  data: {
    values: doc.sites.flatMap((s) =>
      s.shots.flatMap((k) => k.methods.flatMap((m) => (m.metrics[doc.decisionMetric].mean === null ? [] : [{ site: s.site, k: k.shots, method: m.method, value: m.metrics[doc.decisionMetric].mean }]))),
    ),
  },
  facet: { column: { field: "site", type: "nominal", sort: doc.sites.map((s) => s.site), title: null } },
  spec: {
    width: 220,
    height: 180,
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "k", type: "quantitative", title: "labelled patients k" },
      y: { field: "value", type: "quantitative", title: METRIC_BY_NAME[doc.decisionMetric].label, scale: { zero: false } },
      color: { field: "method", type: "nominal", sort: doc.methods, title: "method" },
    },
  },
  resolve: { scale: { y: "independent" } },
});

const intro = (doc: SummaryDocument): string[] => [
  `Each cell is one held-out site, one shot count k and one seed: k labelled patients (stratified) drawn from the site's training part are the support set every method sees, the site's test part is the query set, and the other sites are the pooled and meta-training data. Intervals and tests are over seeds, paired within each cell (every method sees the same support set): the mean gain over ${doc.reference} with a two-sided 95% t interval, and a one-sided paired t-test of harm (mean gain < 0) with Holm's adjustment across every site × k, per method. A method beats ${doc.reference} at k when the gain interval lies above 0 (our definition).`,
  "At k = 0 nothing is drawn, so every seed gives the same numbers: a k = 0 difference is shown without an interval and is neither a win nor a harm by these tests (its uncertainty is the query set's, which seeds do not resample).",
  `What the intervals cover: the t intervals, the tests and "beats" are over seeds, that is over which k patients a site labels, for this query set; they do not include the sampling error of the test patients themselves (the query set is the site's whole test part in every cell), which is large where the test part is small. The column "gain, patients resampled too" adds it: a 95% percentile interval of the ${METRIC_BY_NAME[doc.decisionMetric].label} gain from a bootstrap that resamples seeds and test patients (within class) independently (${doc.resamples} resamples; Owen's pigeonhole bootstrap for crossed factors).`,
  "The meta-learning literature reports intervals over many sampled test tasks; here every task of a site shares its patients, so such intervals would treat correlated draws as independent and be too narrow. We use paired tests over seeds instead.",
];

const decodeSummary = (json: unknown, fail: (problem: string) => never): SummaryDocument => {
  const decoded = Schema.decodeUnknownExit(SummaryDocumentSchema)(json);
  return decoded._tag === "Success" ? decoded.value : fail(`expected a ${SUMMARY_FORMAT} document (the summary output of evaluate.few-shot)`);
};

export const fewShotReport = defineStep({
  kind: "report.few-shot",
  module: import.meta.url,
  warm: warmCharts,
  params: Params,
  inputs: { summary: "metrics" },
  outputs: { html: "report", md: "report" },
  run: async (inputs, params: Params, ctx) => {
    const doc = decodeSummary(inputs.summary.json(), (problem) => ctx.fail("inputs.summary", problem));
    const unknown = params.metaMethods.find((m) => !doc.methods.includes(m));
    if (unknown !== undefined) ctx.fail("params.metaMethods", `${JSON.stringify(unknown)} is not among the summary's methods (${doc.methods.join(", ")})`);
    const shown = doc.sites.filter((s) => siteShown(s, params.minCell));
    const hidden = doc.sites.filter((s) => !siteShown(s, params.minCell)).map((s) => hiddenSiteNote(s, params.minCell));
    const verdicts = shown.map((s) => ({ site: s.site, verdict: siteVerdict(s, doc, params.metaMethods) }));
    const tables = shown.map((s) => siteTable(s, doc, params.minCell));
    const svg = await renderChart(curvesSpec({ ...doc, sites: shown }) as never);
    const html = htmlDocument(params.title, [
      ...htmlParagraphs(intro(doc), "intro"),
      "<h2>Verdict per site</h2>",
      ...verdicts.map((v) => `<p><strong>${escapeHtml(v.site)}.</strong> ${escapeHtml(v.verdict)}</p>`),
      ...htmlParagraphs(hidden, "note"),
      ...htmlParagraphs(params.notes, "note"),
      "<h2>Few-shot curves</h2>",
      `<div class="charts"><figure class="chart">${svg}</figure></div>`,
      "<h2>The table as it came out</h2>",
      ...tables.map(htmlTable),
    ]);
    const md = [
      ...markdownHeading(1, params.title),
      ...markdownParagraphs(intro(doc)),
      ...markdownHeading(2, "Verdict per site"),
      ...markdownParagraphs(verdicts.map((v) => `${v.site}. ${v.verdict}`)),
      ...markdownParagraphs(hidden),
      ...markdownParagraphs(params.notes),
      ...markdownHeading(2, "The table as it came out"),
      ...tables.flatMap(markdownTable),
    ].join("\n");
    return { html, md };
  },
});

/** e.g. reportFewShot(summary, { title: "…", metaMethods: ["reptile", "fomaml"] }, { id: "report" }). */
export const reportFewShot = (
  summary: MetricsHandle,
  params: { readonly title: string; readonly metaMethods: readonly string[]; readonly notes?: readonly string[]; readonly minCell?: number },
  options?: NodeOptions,
) => {
  const node = addNode(summary.study, fewShotReport, { summary }, params, options);
  return { html: node.report("html"), md: node.report("md") };
};
