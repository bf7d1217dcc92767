/**
 * report.evaluation's JSON form of the evaluation: the whole document with every cell that suppression.ts hides
 * in HTML and Markdown set to null and flagged `suppressed: true`, and whatever would give it away nulled with it
 * (intervals, bases, replicate counts, per-replicate values, shares, prevalences, calibration bins, harm and envy
 * figures and flags, comparisons and rare-case aggregates over hidden groups). Shown cells keep every number.
 */
import type { JsonValue } from "../../dsl/step.js";
import type { MetricName } from "../evaluate/metrics/registry.js";
import type { GroupComparison } from "../evaluate/group-comparison.js";
import type { ComparisonEntry, Estimate, HarmEntry, NetBenefit, SubgroupMetricsDoc } from "../evaluate/subgroup-metrics/document.js";
import type { EnvyDoc } from "./evaluation-view.js";
import { type SizeField, type Suppression, type Visibility, OVERALL } from "./suppression.js";

const hiddenEstimate = <E extends Estimate>(e: E): E | Record<string, unknown> => {
  const { wilson, ...rest } = e;
  return { ...rest, estimate: null, sd: null, replicates: null, interval: null, ...(wilson === undefined ? {} : { wilson: null }), basis: null, suppressed: true };
};
const estimateJson = <E extends Estimate>(e: E, v: Visibility): E | Record<string, unknown> => (v === "shown" ? { ...e, suppressed: false } : hiddenEstimate(e));

const nullComparison = (c: GroupComparison): Record<string, unknown> => ({
  ...c,
  groupMin: null,
  groupMax: null,
  argMin: null,
  argMax: null,
  differenceBetweenGroups: null,
  differenceToOverall: null,
  ratioBetweenGroups: null,
  ratioToOverall: null,
});

const comparisonJson = (c: ComparisonEntry, sup: Suppression, subgroups: readonly string[]): Record<string, unknown> => {
  const all = sup.comparison(c, subgroups) === "shown";
  const reportable = sup.comparison(c, c.reportable.groups) === "shown";
  return {
    ...c,
    all: all ? c.all : { ...nullComparison(c.all), intervals: { differenceBetweenGroups: null, differenceToOverall: null, ratioBetweenGroups: null, ratioToOverall: null } },
    suppressed: !all,
    reportable: reportable ? c.reportable : nullComparison(c.reportable),
  };
};

const harmJson = (h: HarmEntry, v: Visibility): Record<string, unknown> =>
  v === "shown"
    ? { ...h, suppressed: false }
    : { model: h.model, reference: h.reference, group: h.group, metric: h.metric, harmed: null, mcnemar: null, pAdjusted: null, signTest: null, basis: null, suppressed: true };

/** Net benefit curves with a hidden cell's estimates nulled (suppression.ts: netBenefit, treatAll). */
const netBenefitJson = (nb: NetBenefit, sup: Suppression): NetBenefit =>
  ({
    ...nb,
    curves: nb.curves.map((c) => {
      const model = sup.netBenefit(c.model, c.group);
      const all = sup.treatAll(c.group);
      return { ...c, points: c.points.map((p) => ({ ...p, model: model === "shown" ? p.model : hiddenEstimate(p.model), treatAll: all === "shown" ? p.treatAll : hiddenEstimate(p.treatAll) })) };
    }),
  }) as unknown as NetBenefit;

/** The evaluation document as report.json carries it. */
export const evaluationJson = (doc: SubgroupMetricsDoc, sup: Suppression): JsonValue => {
  const subgroups = doc.groups.filter((g) => g !== OVERALL);
  const rare = sup.rareCases === "shown";
  const namedRare = doc.rareCases.groups.filter((g) => sup.share(g) === "shown");
  const json = {
    ...doc,
    sizes: doc.sizes.map((s) => {
      const count = (f: SizeField) => (sup.size(s.group, f) === "shown" ? s[f] : null);
      const share = sup.share(s.group) === "shown";
      const prevalence = sup.prevalence(s.group) === "shown";
      return {
        ...s,
        cohortN: count("cohortN"),
        cohortPositives: count("cohortPositives"),
        share: share ? s.share : null,
        shareInterval: share ? s.shareInterval : null,
        testN: count("testN"),
        testPositives: count("testPositives"),
        testPrevalence: prevalence ? s.testPrevalence : null,
        testPrevalenceInterval: prevalence ? s.testPrevalenceInterval : null,
        rare: share ? s.rare : null,
        suppressed: {
          cohortN: count("cohortN") === null,
          cohortPositives: count("cohortPositives") === null,
          testN: count("testN") === null,
          testPositives: count("testPositives") === null,
        },
      };
    }),
    results: doc.results.map((r) => ({
      ...r,
      testN: sup.size(r.group, "testN") === "shown" ? r.testN : null,
      metrics: Object.fromEntries(Object.entries(r.metrics).map(([m, e]) => [m, estimateJson(e, sup.estimate(e))])),
    })),
    calibration: doc.calibration.map((curve) => {
      const hidden = sup.size(curve.group, "testN") !== "shown";
      return {
        ...curve,
        suppressed: hidden,
        points: curve.points.map((p) =>
          sup.calibration(curve, p) === "shown" ? { ...p, suppressed: false } : { bin: p.bin, lower: p.lower, upper: p.upper, n: null, meanPredicted: null, observed: null, people: null, suppressed: true },
        ),
      };
    }),
    comparisons: doc.comparisons.map((c) => comparisonJson(c, sup, subgroups)),
    gains: doc.gains.map((g) => {
      const v = sup.estimate(g);
      return v === "shown" ? { ...g, suppressed: false } : { ...hiddenEstimate(g), fractionNegative: null };
    }),
    harm: doc.harm.map((h) => harmJson(h, sup.harm(h))),
    // Common, rare and their gap are hidden together: any two give the third.
    rareCases: {
      ...doc.rareCases,
      groups: namedRare,
      rareTestN: rare ? doc.rareCases.rareTestN : null,
      commonTestN: rare ? doc.rareCases.commonTestN : null,
      rcpg: doc.rareCases.rcpg.map((e) => (rare && sup.estimate(e.gap) === "shown" ? { ...e, gap: estimateJson(e.gap, "shown") } : { ...e, common: null, rare: null, gap: hiddenEstimate(e.gap) })),
      rcce: doc.rareCases.rcce.map((e) => estimateJson(e, rare ? sup.estimate(e) : "small")),
    },
    ...(doc.netBenefit === undefined ? {} : { netBenefit: netBenefitJson(doc.netBenefit, sup) }),
    ...(doc.prevalenceUtilityRarity === undefined
      ? {}
      : {
          prevalenceUtilityRarity: {
            ...doc.prevalenceUtilityRarity,
            cells: doc.prevalenceUtilityRarity.cells.map((c) => (sup.size(c.group, "cohortPositives") === "shown" ? { ...c, suppressed: false } : { ...c, n: null, prevalence: null, suppressed: true })),
          },
        }),
    perReplicate: doc.perReplicate.map((e) => ({
      ...e,
      n: sup.size(e.group, "testN") === "shown" ? e.n : null,
      values: Object.fromEntries(Object.entries(e.values).map(([m, value]) => [m, sup.metric(e.model, e.group, m as MetricName) === "shown" ? value : null])),
    })),
  };
  return json as unknown as JsonValue;
};

/** evaluate.personalization's envy entries as report.json carries them: a hidden group's figures and flags nulled. */
export const envyJson = (envy: EnvyDoc, sup: Suppression): JsonValue =>
  ({
    ...envy,
    envy: envy.envy.map((e) =>
      sup.size(e.group, "testN") === "shown" ? e : { method: e.method, group: e.group, modelGroup: e.modelGroup, accuracy: null, envy: null, envyRuns: null, envyFraction: null, mcnemar: null, envious: null, suppressed: true },
    ),
  }) as unknown as JsonValue;
