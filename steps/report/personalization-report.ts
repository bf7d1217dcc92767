/**
 * report.personalization: renders evaluate.personalization metrics as one self-contained HTML file (inline CSS, no
 * scripts, no fetches, a Content-Security-Policy that forbids both) and as Markdown, in the seed paper's Table 1
 * format (rendered by renderer.ts, the renderer every report shares): per subgroup, n and each method's test accuracy, the reference's, and each method's gain over the
 * reference, as mean ± sd in percent, plus the harm flags. Optionally the published table is shown beside ours,
 * labelled as the paper's, with one plain sentence per subgroup saying whether our replication agrees with the
 * paper's claim for a method (a positive gain with no harm). DCP's envy-freeness check gets its own table.
 *
 * Small-cell suppression, the rule of every report (suppression.ts): a count below `minCell` is shown as
 * "< minCell", and a group's metrics, tests, envy row and verdict are shown as "< minCell" when the group had fewer
 * than `minCell` test rows in some replicate; when that leaves exactly one group of a column hidden, the shown group
 * with the fewest people is hidden too ("hidden"), so overall minus the shown groups never gives a hidden figure.
 * Published numbers are printed as published. No row-level data is printed: the inputs are
 * aggregate documents. Every string from data or params is escaped.
 */
import { Effect, Schema } from "effect";
import type { MetricsHandle, ReportHandle } from "../../dsl/handles.js";
import { type StepContext, defineStep } from "../../dsl/step.js";
import { inputRefs, type PlanInput } from "../../dsl/plan.js";
import { type NodeOptions, type StudyGraph, addNode } from "../../dsl/study.js";
import { MULTIPLICITY_NAMES, MultiplicityMethodSchema } from "../evaluate/harm-multiplicity.js";
import { type MethodsSection, type MethodsSpec, MethodsSpecSchema, NO_METHODS_SPEC, methodsHtml, methodsMarkdown, methodsSection, methodsSources, methodsSpec, missingFacts } from "./methods.js";
import { columnVisibility, type Visibility } from "./suppression.js";
import { type Cell, type Table, complementCell, fixed, htmlDocument, htmlParagraphs, htmlTable, markdownHeading, markdownParagraphs, markdownTable, suppressedCell } from "./renderer.js";

const Text = Schema.String.check(Schema.isMinLength(1));
const PublishedCell = Schema.Struct({ mean: Schema.Finite, sd: Schema.Finite });

const Params = Schema.Struct({
  title: Text,
  /** What the Methods section is written from (methods.ts; the builder fills it from the plan). */
  methods: MethodsSpecSchema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(NO_METHODS_SPEC))),
  minCell: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(10))),
  /** Display names: metric label -> column name (e.g. "cond-bias" -> "Cond. bias"). Unnamed labels show as is. */
  names: Schema.Record(Schema.String, Text).pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
  /** Lines printed under the tables (settings, deviations from the paper, why minCell is what it is). */
  notes: Schema.Array(Text).pipe(Schema.withDecodingDefaultKey(Effect.succeed([]))),
  /** A published table to show beside ours, in percent, keyed by the same metric labels. */
  published: Schema.optionalKey(
    Schema.Struct({
      /** Where the numbers come from, e.g. the paper's title and table number. */
      source: Text,
      /** The method whose claim is checked: "a positive gain over the reference with no harm in every subgroup". */
      claimFor: Text,
      rows: Schema.Array(
        Schema.Struct({
          group: Text,
          n: Schema.Number,
          accuracy: Schema.Record(Schema.String, PublishedCell),
          gain: Schema.Record(Schema.String, PublishedCell),
        }),
      ).check(Schema.isMinLength(1)),
    }),
  ),
  /** A published claim without numbers to set beside ours (e.g. from an abstract), checked for one method. */
  claim: Schema.optionalKey(
    Schema.Struct({
      /** Where the claim is made, e.g. the paper's title and section. */
      source: Text,
      /** The claim, quoted as published. */
      text: Text,
      /** The method the claim is about: its subgroups with a positive mean gain and no significant harm are counted. */
      method: Text,
    }),
  ),
});
export type PersonalizationReportParams = typeof Params.Type;

const NullableNumber = Schema.NullOr(Schema.Number);
const MeanSd = Schema.Struct({ mean: NullableNumber, sd: NullableNumber, replicates: Schema.Number });
const McNemar = Schema.Struct({ b: Schema.Number, c: Schema.Number, pHarm: Schema.Number, pBenefit: Schema.Number, harmed: Schema.Boolean });
const Bootstrap = Schema.Struct({ pValue: Schema.Number, worseShare: Schema.Number, interval: Schema.NullOr(Schema.Tuple([Schema.Number, Schema.Number])), resamples: Schema.Number, harmed: Schema.Boolean });
const MetricsDoc = Schema.Struct({
  format: Schema.Literal("strata-metrics/1"),
  metric: Schema.Literal("personalization"),
  reference: Schema.String,
  methods: Schema.Array(Schema.String),
  groups: Schema.Array(Schema.String),
  threshold: Schema.Number,
  alpha: Schema.Number,
  harmTest: Schema.Struct({ flagWith: Schema.Literals(["exact-mcnemar", "bootstrap-sign"]), multiplicity: MultiplicityMethodSchema, bootstrapResamples: Schema.Number }),
  replicates: Schema.Number,
  accuracy: Schema.Array(Schema.Struct({ model: Schema.String, group: Schema.String, nMin: Schema.Number, nMax: Schema.Number, people: Schema.Number, accuracy: MeanSd })),
  gains: Schema.Array(
    Schema.Struct({
      method: Schema.String,
      group: Schema.String,
      gain: MeanSd,
      negative: Schema.Number,
      zero: Schema.Number,
      positive: Schema.Number,
      peopleHarmed: Schema.Number,
      peopleTied: Schema.Number,
      peopleHelped: Schema.Number,
      mcnemar: McNemar,
      bootstrap: Bootstrap,
      pAdjusted: Schema.Number,
      harmed: Schema.Boolean,
    }),
  ),
  envy: Schema.Array(
    Schema.Struct({
      method: Schema.String,
      group: Schema.String,
      modelGroup: Schema.String,
      accuracy: MeanSd,
      envy: MeanSd,
      envyRuns: Schema.Number,
      mcnemar: McNemar,
      envious: Schema.Boolean,
    }),
  ),
  envyFreeness: Schema.Array(Schema.Struct({ method: Schema.String, group: Schema.String, envyFree: Schema.Boolean, envies: Schema.Array(Schema.String) })),
});
export type PersonalizationDoc = typeof MetricsDoc.Type;
const CountsDoc = Schema.Struct({ groups: Schema.Array(Schema.Struct({ name: Schema.String, n: Schema.Number, positives: Schema.Number })) });
type CountsDoc = typeof CountsDoc.Type;

const decode = <T>(schema: Schema.Codec<T, unknown, never, never>, value: unknown, field: string, expected: string, ctx: StepContext): T => {
  try {
    return Schema.decodeUnknownSync(schema)(value);
  } catch (e) {
    const detail = (e instanceof Error ? e.message : String(e)).split("\n").map((l) => l.trim()).join(" ");
    return ctx.fail(field, `expected ${expected}; ${detail}`);
  }
};

/** The whole report as plain data; HTML and Markdown only differ in escaping and layout. */
export interface RenderedReport {
  readonly title: string;
  readonly intro: readonly string[];
  readonly tables: readonly Table[];
  /** One plain sentence per subgroup (and one summary sentence first), when a published table is given. */
  readonly verdicts: readonly string[];
  /** The published claim and how many subgroups this study's figures agree with it in, when a claim is given. */
  readonly claim: readonly string[];
  readonly notes: readonly string[];
}

/** With an explicit "+" for positive values that do not round to zero. */
const signed = (v: number, digits: number): string => {
  const s = fixed(v, digits);
  return v > 0 && /[1-9]/.test(s) ? `+${s}` : s;
};
const pct = (m: { mean: number | null; sd: number | null }, sign = false): string =>
  m.mean === null ? "n/a" : `${sign ? signed(m.mean * 100, 2) : fixed(m.mean * 100, 2)}${m.sd === null ? "" : ` ± ${fixed(m.sd * 100, 2)}`}`;
/** "p = 0.123" or "p < 0.001". */
const pValue = (p: number): string => (p < 0.001 ? "p < 0.001" : `p = ${fixed(p, 3)}`);
/** Gains within this of zero are zero: a mean of k/n differences can be off zero by float rounding alone. */
const ZERO_GAIN = 1e-9;

/** Builds every table and sentence of the report once. */
export const buildPersonalizationReport = (doc: PersonalizationDoc, counts: CountsDoc, params: PersonalizationReportParams): RenderedReport => {
  const { minCell } = params;
  const small = suppressedCell(minCell);
  const name = (label: string) => params.names[label] ?? label;
  const acc = new Map(doc.accuracy.map((a) => [`${a.model}\u0000${a.group}`, a]));
  const gain = new Map(doc.gains.map((g) => [`${g.method}\u0000${g.group}`, g]));
  const cohort = new Map(counts.groups.map((g) => [g.name, g]));
  const cohortN = (group: string): number | undefined => (group === "overall" ? counts.groups.reduce((sum, g) => sum + g.n, 0) : cohort.get(group)?.n);
  const testN = (group: string) => acc.get(`${doc.reference}\u0000${group}`);
  /** Each column's visibility by group: cohort n, and the test set (its n and every metric, test and flag on it). */
  const visibilities = (basis: (group: string) => number): Map<string, Visibility> => {
    const v = columnVisibility(doc.groups.map((group) => ({ group, basis: basis(group) })), minCell);
    return new Map(doc.groups.map((group, i) => [group, v[i]!]));
  };
  const cohortVisibility = visibilities((group) => cohortN(group) ?? 0);
  // A group is shown only when its test set had at least minCell rows in every replicate.
  const testVisibility = visibilities((group) => testN(group)?.nMin ?? 0);
  const testShown = (group: string) => testVisibility.get(group) === "shown";
  const hiddenAs = (v: Visibility | undefined): Cell => (v === "complement" ? complementCell : small);
  const nCell = (v: number | undefined, visibility: Visibility | undefined, range?: [number, number]): Cell =>
    v === undefined ? { lines: ["—"] } : visibility !== "shown" ? hiddenAs(visibility) : { lines: [range !== undefined && range[0] !== range[1] ? `${range[0]}–${range[1]}` : String(v)] };

  const methods = doc.methods;
  const header = [
    "Group",
    "Cohort n",
    "Test n",
    ...methods.map((m) => `${name(m)} (%)`),
    `${name(doc.reference)} (%)`,
    ...methods.map((m) => `${name(m)} gain (points)`),
    ...methods.map((m) => `${name(m)}: runs with negative gain`),
    ...methods.map((m) => `${name(m)}: harm test`),
  ];
  const rows = doc.groups.map((group) => {
    const a = testN(group);
    const row: Cell[] = [{ lines: [group] }, nCell(cohortN(group), cohortVisibility.get(group)), nCell(a?.nMin, testVisibility.get(group), a === undefined ? undefined : [a.nMin, a.nMax])];
    if (!testShown(group)) {
      row.push(...new Array<Cell>(methods.length * 4 + 1).fill(hiddenAs(testVisibility.get(group))));
      return row;
    }
    for (const m of [...methods, doc.reference]) row.push({ lines: [pct(acc.get(`${m}\u0000${group}`)!.accuracy)] });
    for (const m of methods) row.push({ lines: [pct(gain.get(`${m}\u0000${group}`)!.gain, true)] });
    for (const m of methods) {
      const g = gain.get(`${m}\u0000${group}`)!;
      row.push({ lines: [`${g.negative}/${g.gain.replicates}`] });
    }
    for (const m of methods) {
      const g = gain.get(`${m}\u0000${group}`)!;
      const p = doc.harmTest.flagWith === "exact-mcnemar" ? g.mcnemar.pHarm : g.bootstrap.pValue;
      const adjusted = group === "overall" || doc.harmTest.multiplicity === "none" ? "" : `; adjusted ${pValue(g.pAdjusted)}`;
      row.push({ lines: [`${g.harmed ? "HARMED" : "no harm"} (raw ${pValue(p)}${adjusted})`], flag: g.harmed });
    }
    return row;
  });
  const tables: Table[] = [{ caption: `This study: test accuracy, mean ± sd over ${doc.replicates} replicates`, header, rows }];

  if (params.published !== undefined) {
    const pub = params.published;
    const pubHeader = ["Group", "n", ...methods.map((m) => `${name(m)} (%)`), `${name(doc.reference)} (%)`, ...methods.map((m) => `${name(m)} gain`)];
    const cellOf = (r: Record<string, { mean: number; sd: number }>, key: string, sign = false): Cell => {
      const v = r[key];
      return v === undefined ? { lines: ["—"] } : { lines: [`${sign ? signed(v.mean, 2) : fixed(v.mean, 2)} ± ${fixed(v.sd, 2)}`] };
    };
    tables.push({
      caption: `The paper's published numbers (${pub.source}), as published`,
      header: pubHeader,
      rows: pub.rows.map((r) => [
        { lines: [r.group] },
        { lines: [String(r.n)] },
        ...methods.map((m) => cellOf(r.accuracy, m)),
        cellOf(r.accuracy, doc.reference),
        ...methods.map((m) => cellOf(r.gain, m, true)),
      ]),
    });
  }

  const envyMethods = [...new Set(doc.envy.map((e) => e.method))];
  const subgroups = doc.groups.filter((g) => g !== "overall");
  for (const method of envyMethods) {
    tables.push({
      caption: `Envy-freeness of ${name(method)}: each subgroup's test accuracy (%) under its own model and under every other subgroup's model`,
      header: ["Subgroup", "Own model", ...subgroups.map((g) => `${g}'s model`), "Envy-free"],
      rows: subgroups.map((group) => {
        if (!testShown(group)) return [{ lines: [group] }, ...new Array<Cell>(subgroups.length + 2).fill(hiddenAs(testVisibility.get(group)))];
        const own = acc.get(`${method}\u0000${group}`);
        const verdict = doc.envyFreeness.find((e) => e.method === method && e.group === group);
        return [
          { lines: [group] },
          { lines: [own === undefined ? "—" : pct(own.accuracy)] },
          ...subgroups.map((other): Cell => {
            if (other === group) return { lines: ["(own)"] };
            const e = doc.envy.find((x) => x.method === method && x.group === group && x.modelGroup === other);
            if (e === undefined) return { lines: ["—"] };
            return {
              lines: [`${pct(e.accuracy)}; envy ${pct(e.envy, true)}, ${e.envyRuns}/${e.envy.replicates} runs${e.envious ? `; ENVIES (${pValue(e.mcnemar.pHarm)})` : ""}`],
              flag: e.envious,
            };
          }),
          verdict === undefined ? { lines: ["—"] } : { lines: [verdict.envyFree ? "yes" : `no (envies ${verdict.envies.join(", ")})`], flag: !verdict.envyFree },
        ];
      }),
    });
  }

  const verdicts: string[] = [];
  if (params.published !== undefined) {
    const claim = params.published.claimFor;
    const pubRows = new Map(params.published.rows.map((r) => [r.group, r]));
    const shown = subgroups.filter(testShown);
    const agreeing = shown.filter((g) => {
      const x = gain.get(`${claim}\u0000${g}`);
      return x !== undefined && x.gain.mean !== null && x.gain.mean > ZERO_GAIN && !x.harmed;
    });
    const significant = agreeing.filter((g) => gain.get(`${claim}\u0000${g}`)!.mcnemar.pBenefit < doc.alpha);
    const harmedBy = (m: string) => shown.filter((g) => gain.get(`${m}\u0000${g}`)?.harmed === true);
    verdicts.push(
      `The paper claims that ${name(claim)} gives every subgroup a positive gain over ${name(doc.reference)} without harming any. ` +
        `Our replication agrees (a positive mean gain and no significant harm) for ${agreeing.length} of ${subgroups.length} subgroups` +
        (shown.length < subgroups.length ? ` (${subgroups.length - shown.length} suppressed: fewer than ${minCell} test rows, or hidden with such a group)` : "") +
        `; the gain is itself significant at α = ${doc.alpha} in ${significant.length} of them. ` +
        methods
          .map((m) => {
            const h = harmedBy(m);
            return `${name(m)} significantly harms ${h.length === 0 ? "no subgroup" : h.join(", ")}.`;
          })
          .join(" "),
    );
    for (const group of subgroups) {
      if (!testShown(group)) {
        verdicts.push(`${group}: not shown (${testVisibility.get(group) === "complement" ? `hidden with a group of fewer than ${minCell} test rows` : `fewer than ${minCell} test rows`}).`);
        continue;
      }
      const x = gain.get(`${claim}\u0000${group}`);
      if (x === undefined || x.gain.mean === null) {
        verdicts.push(`${group}: no gain could be computed.`);
        continue;
      }
      const positive = x.gain.mean > ZERO_GAIN;
      const agrees = positive && !x.harmed;
      const paper = pubRows.get(group)?.gain[claim];
      const parts = [
        `${group}: ${agrees ? "AGREES" : "DISAGREES"} with the paper.`,
        `Mean gain of ${name(claim)} ${signed(x.gain.mean * 100, 2)} points` + (paper === undefined ? "" : ` (paper ${signed(paper.mean, 2)})`) + ",",
        `negative in ${x.negative} of ${x.gain.replicates} runs;`,
        x.harmed ? `significantly worse than ${name(doc.reference)} (harm ${pValue(x.mcnemar.pHarm)}).` : `no significant harm (harm ${pValue(x.mcnemar.pHarm)}).`,
      ];
      if (positive) parts.push(x.mcnemar.pBenefit < doc.alpha ? `The gain is significant (${pValue(x.mcnemar.pBenefit)}).` : `The gain is not significant (${pValue(x.mcnemar.pBenefit)}).`);
      else parts.push("The claimed positive gain is not reproduced.");
      for (const m of methods.filter((m) => m !== claim)) {
        const y = gain.get(`${m}\u0000${group}`);
        const pm = pubRows.get(group)?.gain[m];
        if (y === undefined || y.gain.mean === null) continue;
        parts.push(
          `${name(m)}: ${signed(y.gain.mean * 100, 2)} points` + (pm === undefined ? "" : ` (paper ${signed(pm.mean, 2)})`) + `, ${y.harmed ? "HARMED" : "no significant harm"}.`,
        );
      }
      verdicts.push(parts.join(" "));
    }
  }

  const claim: string[] = [];
  if (params.claim !== undefined) {
    const { method } = params.claim;
    const shown = subgroups.filter(testShown);
    const improved = shown.filter((g) => {
      const x = gain.get(`${method}\u0000${g}`);
      return x !== undefined && x.gain.mean !== null && x.gain.mean > ZERO_GAIN && !x.harmed;
    });
    claim.push(
      `${params.claim.source}: "${params.claim.text}"`,
      `Here ${name(method)} has a positive mean gain over ${name(doc.reference)} with no significant harm in ${improved.length} of ${subgroups.length} subgroups` +
        `${improved.length === 0 ? "" : ` (${improved.join(", ")})`}` +
        (shown.length < subgroups.length ? `; ${subgroups.length - shown.length} suppressed (fewer than ${minCell} test rows, or hidden with such a group)` : "") +
        ".",
    );
  }

  const flagTest =
    doc.harmTest.flagWith === "exact-mcnemar"
      ? "an exact McNemar (sign) test on test people: a person counts as harmed when the method was right in fewer replicates than the reference, helped when in more"
      : `the stratified paired bootstrap of the accuracy gain (B = ${doc.harmTest.bootstrapResamples}, resampling people within group × label); its p is the share of resamples in which the method is at least as good`;
  const intro = [
    `Accuracy is on each replicate's test rows (a prediction is positive when P(y = 1) ≥ ${doc.threshold}); mean ± sample sd over ${doc.replicates} replicates. Gain = method − ${name(doc.reference)} on the same replicate (same seed, same fold), in percentage points.`,
    `Decision rule: a subgroup is flagged harmed when ${flagTest} gives a one-sided p-value, after ${MULTIPLICITY_NAMES[doc.harmTest.multiplicity]} across the method's subgroups, below α = ${doc.alpha} ("overall" is tested on its own). Replicates share test people, so people, not replicate × person pairs, are the unit. Raw and adjusted p-values are shown.`,
  ];
  const notes = [
    ...params.notes,
    `Small cells are suppressed: counts below ${minCell}, and every metric, test and verdict of a subgroup with fewer than ${minCell} test rows in some replicate, are shown as "< ${minCell}"; when a column would hide only one subgroup, the shown subgroup with the fewest people is hidden too ("hidden"), so no hidden figure follows from overall and the shown ones.`,
    `Cohort n counts the whole data set of each subgroup; Test n is the smallest–largest test-set size of the subgroup across replicates.`,
  ];
  return { title: params.title, intro, tables, verdicts, claim, notes };
};

export const renderHtml = (r: RenderedReport, methods: MethodsSection): string =>
  htmlDocument(r.title, [
    ...methodsHtml(methods),
    "<h2>Results</h2>",
    ...htmlParagraphs(r.intro),
    ...r.tables.map(htmlTable),
    ...(r.verdicts.length === 0 ? [] : ["<h2>Does our replication agree with the paper?</h2>", ...htmlParagraphs(r.verdicts)]),
    ...(r.claim.length === 0 ? [] : ["<h2>The paper's claim</h2>", ...htmlParagraphs(r.claim)]),
    ...htmlParagraphs(r.notes, "note"),
  ]);

export const renderMarkdown = (r: RenderedReport, methods: MethodsSection): string =>
  [
    ...markdownHeading(1, r.title),
    ...methodsMarkdown(methods),
    ...markdownHeading(2, "Results"),
    ...markdownParagraphs(r.intro),
    ...r.tables.flatMap(markdownTable),
    ...(r.verdicts.length === 0 ? [] : [...markdownHeading(2, "Does our replication agree with the paper?"), ...markdownParagraphs(r.verdicts)]),
    ...(r.claim.length === 0 ? [] : [...markdownHeading(2, "The paper's claim"), ...markdownParagraphs(r.claim)]),
    ...markdownParagraphs(r.notes),
  ].join("\n");

export const personalizationReport = defineStep({
  kind: "report.personalization",
  module: import.meta.url,
  params: Params,
  // sources: the missing-values outputs of the ingest nodes upstream (methods.ts), for the Methods section.
  inputs: { metrics: "metrics", counts: "metrics", sources: { list: "metrics" } },
  outputs: { html: "report", md: "report" },
  run: (inputs, params, ctx) => {
    const doc = decode(MetricsDoc, inputs.metrics.json(), "inputs.metrics", "personalization metrics (from evaluate.personalization)", ctx);
    const counts = decode(CountsDoc, inputs.counts.json(), "inputs.counts", "subgroup counts { groups: [{ name, n, positives }] }", ctx);
    if (params.published !== undefined && !doc.methods.includes(params.published.claimFor)) {
      ctx.fail("params.published.claimFor", `${JSON.stringify(params.published.claimFor)} is not one of the evaluated methods (${doc.methods.join(", ")})`);
    }
    if (params.claim !== undefined && !doc.methods.includes(params.claim.method)) {
      ctx.fail("params.claim.method", `${JSON.stringify(params.claim.method)} is not one of the evaluated methods (${doc.methods.join(", ")})`);
    }
    const report = buildPersonalizationReport(doc, counts, params);
    const sources = missingFacts(params.methods, inputs.sources.map((s) => s.json()), (field, problem) => ctx.fail(field, problem));
    const methods = methodsSection(params.methods, { facts: [...sources, `Metrics digest ${inputs.metrics.digest}; ${doc.replicates} replicates; cohort ${counts.groups.map((g) => `${g.name} ${g.n}`).join(", ")} people.`] });
    return { html: renderHtml(report, methods), md: renderMarkdown(report, methods) };
  },
});

export interface PersonalizationReportOptions {
  readonly title: string;
  readonly minCell?: number;
  readonly names?: { readonly [label: string]: string };
  readonly notes?: readonly string[];
  readonly published?: PersonalizationReportParams["published"];
  readonly claim?: PersonalizationReportParams["claim"];
}

/** The params the builder derives from the study (and a YAML study the same way, steps/registry.ts): the Methods spec. */
export const personalizationReportDerivedParams = (graph: StudyGraph, _id: string, inputs: { readonly [name: string]: PlanInput }): { readonly methods: MethodsSpec } => ({
  methods: methodsSpec(graph, ["metrics", "counts"].flatMap((name) => inputRefs(inputs[name] ?? []).flatMap((ref) => ("node" in ref ? [ref.node] : [])))),
});

/** Pipeline builder: HTML and Markdown reports of evaluate.personalization metrics, with subgroup counts. */
export const reportPersonalization = (
  metrics: MetricsHandle,
  counts: MetricsHandle,
  params: PersonalizationReportOptions,
  options: NodeOptions = {},
): { readonly html: ReportHandle; readonly markdown: ReportHandle } => {
  const { methods } = personalizationReportDerivedParams(metrics.study, "", { metrics: metrics.ref, counts: counts.ref });
  const node = addNode(metrics.study, personalizationReport, { metrics, counts, sources: methodsSources(metrics.study, methods, metrics) }, { ...params, methods }, options);
  return { html: node.report("html"), markdown: node.report("md") };
};
