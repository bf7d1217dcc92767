/**
 * The Methods section every report starts with, written from the plan rather than by hand: the report builder
 * passes `methodsSpec(graph, inputs)` as a param (the nodes upstream of the report with their step kinds, sources
 * and params, the study's declared deviations with the planned values, and its notes), so the text is part of the
 * plan and of the report's cache key; at run time the report adds what only the run knows (digests, row counts).
 *
 * One paragraph per stage, in plan order: data sources, data preparation (missing values, encodings), subgroups,
 * split protocol, models (every hyperparameter, the preprocessing recipe and what is fitted on training rows),
 * evaluation (metrics, uncertainty, harm test and multiplicity), declared deviations and the study notes. Beside it
 * a reporting checklist in the spirit of TRIPOD+AI (Collins et al., BMJ 2024): which items the plan answers, which
 * the author must still write.
 */
import { Schema } from "effect";
import type { MetricsHandle } from "../../dsl/handles.js";
import type { JsonValue } from "../../dsl/step.js";
import { NodeRef, type StudyGraph } from "../../dsl/study.js";
import { type Table, htmlParagraphs, htmlTable, markdownHeading, markdownParagraphs, markdownTable, text } from "./renderer.js";

const MethodsNode = Schema.Struct({ id: Schema.String, step: Schema.String, sources: Schema.Array(Schema.String), params: Schema.Json });
const MethodsDeviation = Schema.Struct({ node: Schema.String, param: Schema.String, planned: Schema.Json, protocol: Schema.String, reason: Schema.String });

/** The report param the Methods section is written from (methodsSpec builds it). */
export const MethodsSpecSchema = Schema.Struct({
  nodes: Schema.Array(MethodsNode),
  /**
   * The node outputs on missing data the report reads (its `sources` input, in this order): each ingest node's
   * `missing` (values read as missing) and each drop step's `dropped` (rows removed).
   */
  missingFrom: Schema.Array(Schema.Struct({ node: Schema.String, output: Schema.Literals(["missing", "dropped"]) })),
  deviations: Schema.Array(MethodsDeviation),
  notes: Schema.Array(Schema.String),
});
export type MethodsSpec = typeof MethodsSpecSchema.Type;

/**
 * The upstream closure of the nodes a report reads, in plan order, with the study's deviations and notes: a
 * report's `methods` param (derived by its builder, and the same way for a YAML study: steps/registry.ts).
 */
export const methodsSpec = (graph: StudyGraph, from: readonly string[]): MethodsSpec => {
  const wanted = new Set<string>();
  const visit = (id: string) => {
    if (wanted.has(id)) return;
    wanted.add(id);
    const node = graph.nodes.find((n) => n.id === id)!;
    for (const input of Object.values(node.inputs)) for (const ref of Array.isArray(input) ? input : [input]) if ("node" in ref) visit(ref.node);
  };
  for (const id of from) visit(id);
  const nodes = graph.nodes
    .filter((n) => wanted.has(n.id))
    .map((n) => ({
      id: n.id,
      step: n.step,
      sources: Object.values(n.inputs).flatMap((input) => (Array.isArray(input) ? input : [input]).flatMap((ref) => ("source" in ref ? [ref.source] : []))),
      params: n.params,
    }));
  const deviations = graph.deviations.map((d) => {
    const node = graph.nodes.find((n) => n.id === d.node)!;
    const planned = d.param.split(".").reduce<JsonValue>((v, key) => (v as { [k: string]: JsonValue })[key]!, node.params);
    return { ...d, planned };
  });
  const missingFrom = nodes.flatMap((n) => {
    const outputs = graph.nodes.find((g) => g.id === n.id)!.outputs;
    return MISSING_DATA_OUTPUTS.filter((output) => outputs[output] === "metrics").map((output) => ({ node: n.id, output }));
  });
  return { nodes, missingFrom, deviations, notes: [...graph.notes] };
};

/** The outputs on missing data a node may have, whatever its step: an ingest's `missing`, a drop step's `dropped`. */
const MISSING_DATA_OUTPUTS = ["missing", "dropped"] as const;

/**
 * A report's `sources` input, the documents its Methods section cites: the outputs of spec.missingFrom, in order,
 * then `cited` if given (a report's main metrics, so that a list slot that must not be empty never is).
 */
export const methodsSources = (graph: StudyGraph, spec: MethodsSpec, cited?: MetricsHandle): MetricsHandle[] => [
  ...spec.missingFrom.map((from) => new NodeRef(graph, graph.nodes.find((n) => n.id === from.node)!).metrics(from.output)),
  ...(cited === undefined ? [] : [cited]),
];

const MissingDoc = Schema.Struct({
  format: Schema.Literal("strata-missing/1"),
  rows: Schema.Number,
  columns: Schema.Array(Schema.Struct({ column: Schema.String, missing: Schema.Number, tokens: Schema.Array(Schema.String) })),
});

const DroppedDoc = Schema.Struct({
  format: Schema.Literal("strata-dropped/1"),
  rows: Schema.Number,
  dropped: Schema.Number,
  columns: Schema.Array(Schema.Struct({ column: Schema.String, missing: Schema.Number })),
});

const MissingDataDoc = Schema.Union([MissingDoc, DroppedDoc]);

const perColumn = (columns: readonly { readonly column: string; readonly missing: number }[]): string => {
  const missing = columns.filter((c) => c.missing > 0);
  return missing.length === 0 ? "none" : missing.map((c) => `${c.column} ${c.missing}`).join(", ");
};

/** The sentence on one node's missing data: the values an ingest read as missing, or the rows a drop step removed. */
const missingFact = (spec: MethodsSpec, node: string, doc: typeof MissingDataDoc.Type): string => {
  if (doc.format === "strata-missing/1") {
    const tokens = [...new Set(doc.columns.map((c) => c.tokens.map((t) => JSON.stringify(t)).join(" ")))];
    return `${node} read ${doc.rows} rows; values read as missing (tokens ${tokens.join(" / ")}): ${perColumn(doc.columns)}.`;
  }
  const checked = (spec.nodes.find((n) => n.id === node)?.params as { columns?: readonly string[] } | undefined)?.columns;
  return (
    `${node} removed ${doc.dropped} of ${doc.rows} rows with a missing value in ${checked === undefined ? "any column" : `one of ${checked.join(", ")}`}, leaving ${doc.rows - doc.dropped}; ` +
    `rows with a missing value, per column (a row may count in several): ${perColumn(doc.columns)}.`
  );
};

/** Sentences, in plan order, on the values each ingest node read as missing and the rows each drop step removed. */
export const missingFacts = (spec: MethodsSpec, sources: readonly unknown[], fail: (field: string, problem: string) => never): string[] =>
  sources.slice(0, spec.missingFrom.length).map((raw, i) => {
    let doc: typeof MissingDataDoc.Type;
    try {
      doc = Schema.decodeUnknownSync(MissingDataDoc)(raw);
    } catch {
      return fail(`inputs.sources[${i}]`, "expected the missing-values output of an ingest step (format strata-missing/1) or the dropped-rows output of preprocess.drop-missing (strata-dropped/1)");
    }
    return missingFact(spec, spec.missingFrom[i]!.node, doc);
  });

/** A param value in prose: arrays of one repeated number as "6 × 64", column specs as "age (float)", objects as "key = value" lists. */
const describeValue = (v: unknown): string => {
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every(isColumnSpec)) return v.map((c) => `${c.name} (${c.type})`).join(", ");
    if (v.length > 1 && v.every((x) => typeof x === "number" && x === v[0])) return `${v.length} × ${v[0]}`;
    return `[${v.map(describeValue).join(", ")}]`;
  }
  if (v !== null && typeof v === "object") return `{ ${Object.entries(v).map(([k, x]) => `${k} = ${describeValue(x)}`).join("; ")} }`;
  return typeof v === "string" ? JSON.stringify(v) : String(v);
};

const isColumnSpec = (v: unknown): v is { name: string; type: string } =>
  v !== null && typeof v === "object" && Object.keys(v).sort().join() === "name,type";

const describeParams = (params: unknown, skip: readonly string[] = []): string =>
  params !== null && typeof params === "object" && !Array.isArray(params)
    ? Object.entries(params)
        .filter(([k]) => !skip.includes(k))
        .map(([k, v]) => `${k} = ${describeValue(v)}`)
        .join("; ")
    : describeValue(params);

const stageOf = (step: string): string => step.slice(0, step.indexOf("."));

const STAGE_TITLES: readonly (readonly [string, string])[] = [
  ["ingest", "Data sources"],
  ["preprocess", "Data preparation and missing values"],
  ["subgroups", "Subgroups"],
  ["split", "Split protocol"],
  ["train", "Models"],
  ["predict", "Scoring of new data"],
  ["evaluate", "Evaluation, uncertainty and harm tests"],
];

/** The recipe in words, and what each replicate fits on its training rows. */
const describeRecipe = (recipe: unknown): string => {
  const steps = Array.isArray(recipe) ? (recipe as { step: string; [k: string]: unknown }[]) : [];
  const words = steps.map((s) => `${s.step}${Object.keys(s).length > 1 ? ` (${describeParams(s, ["step"])})` : " (every column)"}`);
  return `preprocessing recipe, in order: ${words.join(", then ")}; fitted on each replicate's training rows only (imputation values, clipping quantiles, encoding levels, means and sds) and stored with the model, then applied unchanged to validation, test and new rows`;
};

/** Whether a train node weights its loss (a scheme other than uniform). */
const weightedTraining = (n: MethodsSpec["nodes"][number]): boolean => {
  const w = (n.params as { weights?: { scheme?: string } }).weights;
  return w !== undefined && w.scheme !== "uniform";
};

const describeNode = (n: MethodsSpec["nodes"][number]): string => {
  const from = n.sources.length === 0 ? "" : ` from ${n.sources.map((s) => `"${s}"`).join(", ")}`;
  if (stageOf(n.step) === "train") {
    const p = n.params as { recipe?: unknown };
    const rest = describeParams(n.params, ["recipe"]);
    const weighted = weightedTraining(n) ? "; sample weights (params.weights) fitted on each replicate's training rows only, scaled to mean 1, then capped" : "";
    return `${n.id} (${n.step}): ${rest}; ${describeRecipe(p.recipe)}${weighted}; the model weights are fitted on the same training rows.`;
  }
  if (n.step === "evaluate.subgroup-metrics") {
    const p = n.params as { resamples?: number; level?: number; adjust?: string };
    return `${n.id} (${n.step}): ${describeParams(n.params)}. Uncertainty: ${p.resamples ?? 0} bootstrap resamples of people, ${((p.level ?? 0.95) * 100).toFixed(0)}% percentile intervals, and Wilson intervals for proportions; harm: exact McNemar test on people with ${p.adjust ?? "holm"} adjustment across subgroups.`;
  }
  const params = describeParams(n.params);
  return `${n.id} (${n.step})${from}${params === "" ? "" : `: ${params}`}.`;
};

export interface MethodsFacts {
  /** Run-time facts the plan cannot know (digests, row counts), as sentences. */
  readonly facts: readonly string[];
}

export interface MethodsSection {
  readonly paragraphs: readonly string[];
  readonly checklist: Table;
}

const CHECKLIST: readonly (readonly [item: string, answeredBy: (spec: MethodsSpec) => string | null])[] = [
  ["Title and abstract (1–2)", () => null],
  ["Background and objectives (3)", () => null],
  ["Data sources, setting and dates (5)", (s) => (s.nodes.some((n) => stageOf(n.step) === "ingest") ? "Data sources above (files, digests, row counts)" : null)],
  ["Participants and eligibility (6)", () => null],
  ["Data preparation (7)", (s) => (s.nodes.some((n) => stageOf(n.step) === "preprocess") ? "Data preparation above" : null)],
  ["Outcome definition (8)", (s) => (s.nodes.some((n) => n.step === "preprocess.binary-target" || stageOf(n.step) === "train") ? "Data preparation and Models above (target column)" : null)],
  ["Predictors (9)", (s) => (s.nodes.some((n) => stageOf(n.step) === "train") ? "Models above (features)" : null)],
  ["Sample size (10)", () => null],
  ["Missing data (11)", (s) => (s.nodes.some((n) => ["preprocess.drop-missing", "preprocess.impute"].includes(n.step) || JSON.stringify(n.params).includes('"impute"')) ? "Data preparation and Models above" : null)],
  ["Analytical methods: model, hyperparameters, internal validation (12)", (s) => (s.nodes.some((n) => stageOf(n.step) === "train") ? "Split protocol and Models above" : null)],
  ["Class imbalance (13)", (s) => (s.nodes.some((n) => stageOf(n.step) === "train" && weightedTraining(n)) ? "Models above (sample weights)" : null)],
  ["Fairness: subgroups and their evaluation (14)", (s) => (s.nodes.some((n) => stageOf(n.step) === "subgroups") ? "Subgroups and Evaluation above" : null)],
  ["Model output and thresholds (15)", (s) => (s.nodes.some((n) => stageOf(n.step) === "evaluate") ? "Evaluation above" : null)],
  ["Training versus evaluation data differences (16)", (s) => (s.nodes.some((n) => stageOf(n.step) === "train") ? "Models above: what is fitted on training rows" : null)],
  ["Ethical approval (17)", () => null],
  ["Funding, conflicts of interest, protocol and registration (18)", () => null],
  ["Patient and public involvement (19)", () => null],
  ["Deviations from the protocol", (s) => (s.deviations.length > 0 ? "Declared deviations above" : "none declared in the pipeline (the author confirms there are none)")],
  ["Interpretation and limitations (25–27)", () => null],
];

/** The Methods paragraphs and the checklist of a report. */
export const methodsSection = (spec: MethodsSpec, run: MethodsFacts): MethodsSection => {
  const paragraphs: string[] = [];
  for (const [stage, title] of STAGE_TITLES) {
    const nodes = spec.nodes.filter((n) => stageOf(n.step) === stage);
    if (nodes.length === 0) continue;
    paragraphs.push(`${title}. ${nodes.map(describeNode).join(" ")}`);
  }
  if (run.facts.length > 0) paragraphs.push(`What the run recorded. ${run.facts.join(" ")}`);
  paragraphs.push(
    spec.deviations.length === 0
      ? "Deviations from the protocol: none declared in the pipeline."
      : `Deviations from the protocol, as declared in the pipeline: ${spec.deviations
          .map((d) => `node ${d.node} has ${d.param} = ${describeValue(d.planned)} where the protocol says ${d.protocol} (${d.reason})`)
          .join("; ")}.`,
  );
  paragraphs.push(...spec.notes.map((n) => `Notes: ${n}`));
  const checklist: Table = {
    caption: "Reporting checklist in the spirit of TRIPOD+AI (2024): what the plan answers, what the author must write",
    header: ["Item", "Status"],
    rows: CHECKLIST.map(([item, answered]) => {
      const where = answered(spec);
      return [text(item), where === null ? { lines: ["author must fill"], flag: true } : text(`answered by the plan: ${where}`)];
    }),
  };
  return { paragraphs, checklist };
};

/** The Methods section as HTML blocks and as Markdown lines, for reports that render without a view. */
export const methodsHtml = (m: MethodsSection): string[] => ["<h2>Methods</h2>", ...htmlParagraphs(m.paragraphs), htmlTable(m.checklist)];
export const methodsMarkdown = (m: MethodsSection): string[] => [...markdownHeading(2, "Methods"), ...markdownParagraphs(m.paragraphs), ...markdownTable(m.checklist)];

/** A report with no plan to read (a step run on its own): the section says so rather than inventing a protocol. */
export const NO_METHODS_SPEC: MethodsSpec = { nodes: [], missingFrom: [], deviations: [], notes: [] };
