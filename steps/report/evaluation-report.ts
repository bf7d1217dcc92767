/**
 * report.evaluation: the depth evaluation (evaluate.subgroup-metrics) as three documents:
 * - html: one self-contained file (inline CSS and inline SVG charts, no script, no external resource, and a
 *   Content-Security-Policy that forbids both): the study's plan as a graph, subgroup sizes, per-model metric
 *   tables, gains with a forest plot, harm tests, calibration curves per subgroup, Fairlearn-style comparisons,
 *   rare-case metrics (labelled "our definition"), envy-freeness when evaluate.personalization's result is passed
 *   too, and a provenance footer;
 * - md: a Markdown summary for pull requests with the same numbers for the key metrics;
 * - json: the whole evaluation document with the cells hidden in HTML and Markdown nulled (evaluation-json.ts),
 *   the plan and provenance.
 * The view (evaluation-view.ts) is built once and rendered by evaluation-render.ts; charts by evaluation-charts.ts.
 *
 * Provenance: a step cannot know the manifest of its own run, nor its own code digest. The report writes the
 * provenance tokens of dsl/report-provenance.ts, which the engine replaces with the run's manifest digest and this
 * node's code digest when `strata run` writes the files. The data digests (the evaluated table and predictions
 * artifacts) come from the evaluation document itself.
 */
import { Effect, Schema } from "effect";
import { canonicalJson } from "../../artifacts/canonical-json.js";
import { escapeJsonText } from "../../dsl/display-text.js";
import type { MetricsHandle, ReportHandle } from "../../dsl/handles.js";
import type { PlanInput } from "../../dsl/plan.js";
import { type JsonValue, type StepContext, defineStep } from "../../dsl/step.js";
import { CODE_DIGEST_TOKEN, MANIFEST_DIGEST_TOKEN } from "../../dsl/report-provenance.js";
import { type NodeOptions, type StudyGraph, addNode } from "../../dsl/study.js";
import type { MetricName } from "../evaluate/metrics/registry.js";
import type { SubgroupMetricsDoc } from "../evaluate/subgroup-metrics/document.js";
import { buildCharts } from "./evaluation-charts.js";
import { warmCharts } from "./charts.js";
import { envyJson, evaluationJson } from "./evaluation-json.js";
import { renderHtml, renderMarkdown } from "./evaluation-render.js";
import { type EnvyDoc, type EnvyEntry, EvaluationReportParams, buildView } from "./evaluation-view.js";
import { netBenefitSection } from "./net-benefit-section.js";
import { rarityFacts, raritySection } from "./rarity-section.js";
import { suppression } from "./suppression.js";
import { type MethodsSpec, NO_METHODS_SPEC, MethodsSpecSchema, methodsSection, methodsSources, methodsSpec, missingFacts } from "./methods.js";


const readEnvy = (value: unknown, field: string, ctx: StepContext): EnvyDoc => {
  const v = value as { metric?: unknown; alpha?: unknown; envy?: unknown } | null;
  const ok =
    v !== null &&
    typeof v === "object" &&
    v.metric === "personalization" &&
    typeof v.alpha === "number" &&
    Array.isArray(v.envy) &&
    (v.envy as unknown[]).every((e) => {
      const x = e as Partial<EnvyEntry> | null;
      return x !== null && typeof x === "object" && typeof x.method === "string" && typeof x.group === "string" && typeof x.modelGroup === "string" &&
        typeof x.envious === "boolean" && typeof x.mcnemar?.pValue === "number" && typeof x.envy === "object";
    });
  if (!ok) ctx.fail(field, "expected the metrics of evaluate.personalization (metric personalization, with alpha and envy entries)");
  return { alpha: v!.alpha as number, envy: v!.envy as EnvyEntry[] };
};

/** What the run knows about the evaluated data: its digest and the people evaluated per group. */
const evaluationFacts = (doc: SubgroupMetricsDoc): string[] => [
  `Evaluated table digest ${doc.inputs.table}; predictions digests ${Object.entries(doc.inputs.predictions).map(([m, d]) => `${m} ${d}`).join(", ")}.`,
  `Cohort: ${doc.sizes.map((g) => `${g.group} ${g.cohortN}`).join(", ")} rows.`,
  ...rarityFacts(doc),
];

const readDoc = (value: unknown, ctx: StepContext): SubgroupMetricsDoc => {
  const v = value as Partial<SubgroupMetricsDoc> | null;
  if (v === null || typeof v !== "object" || v.format !== "strata-metrics/1" || v.metric !== "subgroup-metrics" || !Array.isArray(v.results)) {
    ctx.fail("inputs.evaluations[0]", "expected the metrics of evaluate.subgroup-metrics (format strata-metrics/1, metric subgroup-metrics)");
  }
  return v as SubgroupMetricsDoc;
};

export const evaluationReport = defineStep({
  kind: "report.evaluation",
  module: import.meta.url,
  warm: warmCharts,
  params: Schema.Struct({ ...EvaluationReportParams.fields, methods: MethodsSpecSchema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(NO_METHODS_SPEC))) }),
  // evaluations[0]: evaluate.subgroup-metrics; evaluations[1], optional: evaluate.personalization (envy-freeness).
  // sources: the missing-values outputs of the ingest nodes upstream (methods.ts), for the Methods section.
  inputs: { evaluations: { list: "metrics" }, sources: { list: "metrics" } },
  outputs: { html: "report", md: "report", json: "report" },
  run: async (inputs, params, ctx) => {
    if (inputs.evaluations.length > 2) ctx.fail("inputs.evaluations", `expected the subgroup metrics and at most one personalization evaluation, got ${inputs.evaluations.length} inputs`);
    const evaluation = inputs.evaluations[0]!;
    const doc = readDoc(evaluation.json(), ctx);
    const envy = inputs.evaluations.length === 2 ? readEnvy(inputs.evaluations[1]!.json(), "inputs.evaluations[1]", ctx) : null;
    for (const m of params.keyMetrics) if (!(m in doc.metricInfo)) ctx.fail("params.keyMetrics", `the evaluation has no metric ${JSON.stringify(m)}`);
    const charts = await buildCharts(doc, params);
    const minCell = params.minCell ?? doc.params.minCell;
    const netBenefit = await netBenefitSection(doc, minCell);
    ctx.progress(1, 2);
    const provenanceHead: [string, string][] = [
      ["Manifest digest (the run)", MANIFEST_DIGEST_TOKEN],
      ["Report code digest", CODE_DIGEST_TOKEN],
    ];
    const built = buildView(doc, params, charts, provenanceHead, evaluation.digest, envy);
    const sources = missingFacts(params.methods, inputs.sources.map((s) => s.json()), (field, problem) => ctx.fail(field, problem));
    const methods = methodsSection(params.methods, { facts: [...sources, ...evaluationFacts(doc)] });
    const methodsView = { id: "methods", title: "Methods", intro: methods.paragraphs, charts: [], tables: [{ ...methods.checklist, markdown: true }], notes: [] };
    const sup = suppression(doc, minCell);
    const added = [raritySection(doc, minCell), netBenefit].filter((s) => s !== null);
    const view = { ...built, sections: [methodsView, ...built.sections, ...added] };
    const json: JsonValue = {
      format: "strata-report/1",
      title: params.title,
      minCell,
      plan: params.plan as unknown as JsonValue,
      methods: { paragraphs: [...methods.paragraphs], checklist: methods.checklist.rows.map((r) => ({ item: r[0]!.lines.join(" "), status: r[1]!.lines.join(" ") })) },
      provenance: Object.fromEntries(view.provenance) as JsonValue,
      evaluation: evaluationJson(doc, sup),
      envy: envy === null ? null : envyJson(envy, sup),
    };
    ctx.progress(2, 2);
    // Canonical (sorted keys): the bytes must not depend on the key order of the objects this step was handed.
    return { html: renderHtml(view), md: renderMarkdown(view), json: `${escapeJsonText(canonicalJson(json))}\n` };
  },
});

export interface EvaluationReportOptions {
  readonly title: string;
  readonly minCell?: number;
  readonly keyMetrics?: readonly MetricName[];
  /** evaluate.personalization's metrics, for the envy-freeness section. */
  readonly personalization?: MetricsHandle;
}

const planInputNodes = (inputs: { readonly [name: string]: PlanInput }): string[] => {
  const ids = new Set<string>();
  for (const name of Object.keys(inputs).sort()) {
    const input = inputs[name]!;
    for (const ref of Array.isArray(input) ? input : [input]) if ("node" in ref) ids.add(ref.node);
  }
  return [...ids];
};

/**
 * The params a report node takes from the study rather than from its author: the plan so far (every node already
 * declared, plus this one) and the nodes to highlight (its evaluations and itself). The builder and a YAML study
 * (steps/registry.ts) both derive them here, so both give the same node.
 */
export const evaluationReportDerivedParams = (
  graph: StudyGraph,
  id: string,
  inputs: { readonly [name: string]: PlanInput },
): { readonly plan: readonly { id: string; step: string; inputs: string[] }[]; readonly highlight: readonly string[]; readonly methods: MethodsSpec } => {
  // The evaluations only: the `sources` input is what the Methods section cites, not an edge of the drawn plan.
  const evaluationNodes = planInputNodes({ evaluations: inputs["evaluations"] ?? [] });
  return {
    plan: [...graph.nodes.map((n) => ({ id: n.id, step: n.step, inputs: planInputNodes(n.inputs) })), { id, step: evaluationReport.kind, inputs: evaluationNodes }],
    highlight: [...new Set([...evaluationNodes, id])],
    methods: methodsSpec(graph, evaluationNodes),
  };
};

/**
 * Pipeline builder: HTML, Markdown and JSON reports of an evaluate.subgroup-metrics result (plus, optionally, the
 * envy-freeness of evaluate.personalization's result). The study's plan so
 * far (every node added before this one, plus this one) is passed as a param, so the report can draw it; call it
 * after the rest of the study is declared. The node id defaults to "report-evaluation".
 */
export const reportEvaluation = (
  evaluation: MetricsHandle,
  params: EvaluationReportOptions,
  options: NodeOptions = {},
): { readonly html: ReportHandle; readonly markdown: ReportHandle; readonly json: ReportHandle } => {
  const graph = evaluation.study;
  const id = options.id ?? "report-evaluation";
  const { personalization, ...rest } = params;
  const evaluations = personalization === undefined ? [evaluation] : [evaluation, personalization];
  const derived = evaluationReportDerivedParams(graph, id, { evaluations: evaluations.map((e) => e.ref) });
  const node = addNode(graph, evaluationReport, { evaluations, sources: methodsSources(graph, derived.methods, evaluation) }, { ...rest, ...derived }, { ...options, id });
  return { html: node.report("html"), markdown: node.report("md"), json: node.report("json") };
};
