/**
 * The personalization metrics (the evaluate.personalization step, personalization.ts, reads its inputs and calls
 * evaluatePersonalizationMetrics): does personalization help every subgroup, and does it harm any? For a reference model
 * (Generic: one model for everyone) and one or more personalized methods (e.g. conditional bias, DCP), all trained
 * on the same replicates (seed × fold):
 *
 * - accuracy per model × group (overall, then each subgroup) per replicate, and its mean ± sample sd over replicates;
 * - gain per method × group × replicate: acc(method) − acc(reference) on the same replicate (same seed, same fold,
 *   same test rows), with mean ± sd, and how many replicates had a negative, zero or positive gain;
 * - a paired harm test per method × group (see below), flagging the group `harmed` when the method is significantly
 *   worse than the reference;
 * - envy-freeness for methods with cross predictions (DCP): each group's test rows scored by every other group's
 *   model; a group envies another when that group's model is significantly more accurate on it.
 *
 * The harm test, and how it pools replicates. Replicates are not independent samples of people: with a fixed
 * holdout (the heart study) every replicate scores the same test people, so pooling the 25 replicates' paired
 * outcomes into one McNemar table would count each person 25 times and overstate the evidence. The unit is the
 * person. For each test person i in the group, across the replicates in which i is a test row,
 *   d_i = #{replicates where the method is right} − #{replicates where the reference is right};
 * persons with d_i < 0 are harmed, d_i > 0 helped, d_i = 0 ties (dropped). The exact McNemar test (a sign test on
 * persons) with b = #{d_i < 0} and c = #{d_i > 0} gives the one-sided p-value P(X ≥ b), X ~ Binomial(b + c, 1/2).
 * A group is flagged harmed when its p-value, adjusted across the method's subgroups (`adjust`: Holm by default,
 * Benjamini–Hochberg, or none; harm-multiplicity.ts), is below alpha (default 0.05); "overall" is its own test. With about 8 test people in a group, only a method that loses on 5 or more
 * of them with no wins can be flagged: the test's power is what the data allow, and the report says so.
 * As a second view, the stratified paired bootstrap sign test of docs/references.md (resampling persons within group ×
 * label, metric = mean over persons of their across-replicate accuracy) is reported too; `flagWith` chooses which
 * test sets the flag. Both tests come from harm.ts.
 *
 */
import type * as arrow from "apache-arrow";
import { makeTable, tableColumns } from "../../artifacts/table.js";
import type { StepContext } from "../../dsl/step.js";
import { type Labels, OVERALL, groupOf } from "./labels.js";
import { type ReplicatePredictions, readPredictions } from "./predictions.js";
import { type MultiplicityMethod, adjustPValues } from "./harm-multiplicity.js";
import { type BootstrapSignResult, type McNemarResult, bootstrapSignTest, exactMcNemar, meanOver } from "./harm.js";
import { mean, sampleSd } from "./statistics.js";

/** The step params the computation reads. */
export interface PersonalizationMetricsParams {
  readonly threshold: number;
  readonly alpha: number;
  readonly flagWith: "exact-mcnemar" | "bootstrap-sign";
  readonly adjust: MultiplicityMethod;
  readonly bootstrapResamples: number;
}

export interface MeanSd {
  readonly mean: number | null;
  readonly sd: number | null;
  /** How many values (replicates) went in. */
  readonly replicates: number;
}

export interface ReplicateAccuracy {
  readonly model: string;
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly group: string;
  readonly n: number;
  readonly correct: number;
  /** null when the group has no test rows in this replicate. */
  readonly accuracy: number | null;
}

export interface AccuracySummary {
  readonly model: string;
  readonly group: string;
  /** Smallest and largest number of test rows of the group in a replicate, and distinct test people overall. */
  readonly nMin: number;
  readonly nMax: number;
  readonly people: number;
  readonly accuracy: MeanSd;
}

/** A JSON-safe copy of a harm test result (NaN becomes null). */
export type BootstrapSummary = Omit<BootstrapSignResult, "meanDifference"> & { readonly meanDifference: number | null };

export interface GainSummary {
  readonly method: string;
  readonly group: string;
  readonly gain: MeanSd;
  readonly negative: number;
  readonly zero: number;
  readonly positive: number;
  /** negative / replicates. */
  readonly negativeFraction: number | null;
  /** Test people of the group with d_i < 0, = 0, > 0 (see the module comment). */
  readonly peopleHarmed: number;
  readonly peopleTied: number;
  readonly peopleHelped: number;
  readonly mcnemar: McNemarResult;
  readonly bootstrap: BootstrapSummary;
  /** The flagging test's p-value adjusted across the method's subgroups (unadjusted for "overall"). */
  readonly pAdjusted: number;
  /** pAdjusted < alpha. */
  readonly harmed: boolean;
}

export interface EnvySummary {
  readonly method: string;
  /** The group whose test rows are scored. */
  readonly group: string;
  /** The group whose model scores them. */
  readonly modelGroup: string;
  readonly accuracy: MeanSd;
  /** acc(group's rows | modelGroup's model) − acc(group's rows | own model), per replicate. */
  readonly envy: MeanSd;
  /** Replicates in which the other model was strictly more accurate. */
  readonly envyRuns: number;
  readonly envyFraction: number | null;
  /** Own model as candidate, the other group's model as reference: harm = the group would do better with the other. */
  readonly mcnemar: McNemarResult;
  readonly envious: boolean;
}

export interface EnvyFreeness {
  readonly method: string;
  readonly group: string;
  readonly envyFree: boolean;
  /** Groups whose model is significantly more accurate on this group's test rows. */
  readonly envies: readonly string[];
}

export interface PersonalizationMetrics {
  readonly format: "strata-metrics/1";
  readonly metric: "personalization";
  readonly reference: string;
  readonly methods: readonly string[];
  /** "overall", then the subgroups in code-unit order. */
  readonly groups: readonly string[];
  readonly threshold: number;
  readonly alpha: number;
  readonly harmTest: {
    readonly flagWith: "exact-mcnemar" | "bootstrap-sign";
    readonly unit: "person";
    readonly sided: "one-sided (method worse than reference)";
    readonly multiplicity: MultiplicityMethod;
    readonly bootstrapResamples: number;
    readonly bootstrapStrata: "group × label";
  };
  readonly replicates: number;
  readonly perReplicate: readonly ReplicateAccuracy[];
  readonly accuracy: readonly AccuracySummary[];
  readonly gains: readonly GainSummary[];
  readonly envy: readonly EnvySummary[];
  readonly envyFreeness: readonly EnvyFreeness[];
}

/** One prediction line of predictions.ts's artifact. */
interface PredictionLine {
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly row: number;
  readonly prob: number;
}

/** A predictions artifact's lines, grouped by replicate (ascending ids), each in line order. */
export const linesByReplicate = (replicates: readonly ReplicatePredictions[]): Map<number, PredictionLine[]> =>
  new Map(replicates.map((r) => [r.replicate, Array.from(r.rows, (row, i) => ({ replicate: r.replicate, seed: r.seed, fold: r.fold, row, prob: r.probs[i]! }))]));

/** One model's predictions, indexed by replicate then row. */
export interface ModelPredictions {
  readonly label: string;
  readonly byReplicate: Map<number, PredictionLine[]>;
}

const meanSd = (values: readonly number[]): MeanSd => ({ mean: mean(values), sd: sampleSd(values), replicates: values.length });

const correctOf = (labels: Labels, line: PredictionLine, threshold: number): boolean => (line.prob >= threshold ? 1 : 0) === labels.y[line.row];

/** Checks that a model has exactly the reference's replicates, (seed, fold) and test rows. */
export const checkAligned = (reference: ModelPredictions, other: ModelPredictions, field: string, ctx: StepContext): void => {
  const refIds = [...reference.byReplicate.keys()].sort((a, b) => a - b);
  const ids = [...other.byReplicate.keys()].sort((a, b) => a - b);
  if (refIds.join(",") !== ids.join(",")) {
    ctx.fail(field, `${other.label} has replicates ${ids.join(", ")} but ${reference.label} has ${refIds.join(", ")}; train every model on the same split`);
  }
  for (const id of refIds) {
    const a = reference.byReplicate.get(id)!;
    const b = other.byReplicate.get(id)!;
    const rowsA = a.map((l) => l.row).sort((x, y) => x - y).join(",");
    const rowsB = b.map((l) => l.row).sort((x, y) => x - y).join(",");
    if (a[0]!.seed !== b[0]!.seed || a[0]!.fold !== b[0]!.fold || rowsA !== rowsB) {
      ctx.fail(field, `replicate ${id} of ${other.label} is not the same (seed, fold, test rows) as ${reference.label}'s; train every model on the same split`);
    }
  }
};

/** Reads a cross-predictions table (predictions columns plus string model_group) into lines per model group. */
export const readCross = (table: arrow.Table, tableRows: number, groups: readonly string[], field: string, ctx: StepContext): Map<string, Map<number, PredictionLine[]>> => {
  const columns = tableColumns(table);
  const modelGroup = columns.find((c) => c.name === "model_group");
  if (modelGroup === undefined || modelGroup.type !== "string") {
    ctx.fail(field, "expected cross predictions with a string model_group column (from train.dcp's cross output)");
  }
  const byGroup = new Map<string, number[]>();
  for (let i = 0; i < table.numRows; i++) {
    const g = modelGroup.values[i];
    if (typeof g !== "string" || !groups.includes(g)) ctx.fail(field, `cross prediction line ${i} names model group ${JSON.stringify(g)}, which is not a subgroup of the table`);
    const list = byGroup.get(g) ?? [];
    list.push(i);
    byGroup.set(g, list);
  }
  const out = new Map<string, Map<number, PredictionLine[]>>();
  for (const g of groups) {
    const lines = byGroup.get(g);
    if (lines === undefined) ctx.fail(field, `the cross predictions have no lines from the model of subgroup ${JSON.stringify(g)}`);
    const subset = tableColumns(table).filter((c) => c.name !== "model_group").map((c) => ({ ...c, values: lines.map((i) => c.values[i]!) }));
    out.set(g, linesByReplicate(readPredictions(makeTable(subset), tableRows, field, ctx)));
  }
  return out;
};

interface PersonOutcome {
  /** Replicates in which the person was a test row. */
  n: number;
  candidate: number;
  reference: number;
}

/** Per person of `rows` (a group's rows), how often each model was right across the replicates. */
const personOutcomes = (
  labels: Labels,
  candidate: Map<number, PredictionLine[]>,
  reference: Map<number, PredictionLine[]>,
  inGroup: (row: number) => boolean,
  threshold: number,
): Map<number, PersonOutcome> => {
  const people = new Map<number, PersonOutcome>();
  for (const [id, refLines] of [...reference.entries()].sort((a, b) => a[0] - b[0])) {
    const candByRow = new Map(candidate.get(id)!.map((l) => [l.row, l]));
    for (const ref of refLines) {
      if (!inGroup(ref.row)) continue;
      const cand = candByRow.get(ref.row)!;
      const p = people.get(ref.row) ?? { n: 0, candidate: 0, reference: 0 };
      p.n++;
      if (correctOf(labels, cand, threshold)) p.candidate++;
      if (correctOf(labels, ref, threshold)) p.reference++;
      people.set(ref.row, p);
    }
  }
  return people;
};

/** The person-level paired tests of a candidate against a reference on one group. */
const pairedTests = (
  labels: Labels,
  people: Map<number, PersonOutcome>,
  alpha: number,
  resamples: number,
  rng: () => number,
): { mcnemar: McNemarResult; bootstrap: BootstrapSummary; harmed: number; tied: number; helped: number } => {
  const rows = [...people.keys()].sort((a, b) => a - b);
  let harmed = 0;
  let helped = 0;
  for (const r of rows) {
    const p = people.get(r)!;
    if (p.candidate < p.reference) harmed++;
    else if (p.candidate > p.reference) helped++;
  }
  const mcnemar = exactMcNemar(harmed, helped, alpha);
  const strata = rows.map((r) => `${groupOf(labels, r)}/${labels.y[r]}`);
  const candidateScore = rows.map((r) => people.get(r)!.candidate / people.get(r)!.n);
  const referenceScore = rows.map((r) => people.get(r)!.reference / people.get(r)!.n);
  const boot =
    rows.length === 0
      ? null
      : bootstrapSignTest({ strata, candidate: meanOver(candidateScore), reference: meanOver(referenceScore), resamples, rng, alpha });
  const bootstrap: BootstrapSummary =
    boot === null
      ? {
          test: "bootstrap-sign", statistic: 0, pValue: 1, alpha, harmed: false, resamples, skipped: resamples, atLeastAsGood: 0, better: 0, worseShare: 0,
          pBenefit: 1, observedDifference: 0, meanDifference: null, interval: null,
        }
      : { ...boot, meanDifference: Number.isNaN(boot.meanDifference) ? null : boot.meanDifference };
  return { mcnemar, bootstrap, harmed, tied: rows.length - harmed - helped, helped };
};

/** Computes the personalization metrics document; exported for tests and other evaluation steps. */
export const evaluatePersonalizationMetrics = (
  labels: Labels,
  reference: ModelPredictions,
  methods: readonly ModelPredictions[],
  cross: readonly { method: string; byGroup: Map<string, Map<number, PredictionLine[]>> }[],
  params: PersonalizationMetricsParams,
  random: (stream: string) => () => number,
): PersonalizationMetrics => {
  const groups = [OVERALL, ...labels.groups];
  const inGroup = (g: string) => (row: number) => g === OVERALL || groupOf(labels, row) === g;
  const replicateIds = [...reference.byReplicate.keys()].sort((a, b) => a - b);

  // Accuracy per model × replicate × group.
  const perReplicate: ReplicateAccuracy[] = [];
  const accuracyOf = new Map<string, Map<number, number | null>>();
  const accuracyRows = (model: string, group: string, replicate: number, lines: readonly PredictionLine[]) => {
    const mine = lines.filter((l) => inGroup(group)(l.row));
    const correct = mine.filter((l) => correctOf(labels, l, params.threshold)).length;
    const accuracy = mine.length === 0 ? null : correct / mine.length;
    const { seed, fold } = lines[0]!;
    perReplicate.push({ model, replicate, seed, fold, group, n: mine.length, correct, accuracy });
    const key = `${model}\u0000${group}`;
    const map = accuracyOf.get(key) ?? new Map<number, number | null>();
    map.set(replicate, accuracy);
    accuracyOf.set(key, map);
  };
  for (const m of [reference, ...methods]) {
    for (const id of replicateIds) for (const g of groups) accuracyRows(m.label, g, id, m.byReplicate.get(id)!);
  }

  const accuracy: AccuracySummary[] = [];
  for (const m of [reference, ...methods]) {
    for (const g of groups) {
      const entries = perReplicate.filter((e) => e.model === m.label && e.group === g && e.n > 0);
      const people = new Set<number>();
      for (const id of replicateIds) for (const l of m.byReplicate.get(id)!) if (inGroup(g)(l.row)) people.add(l.row);
      accuracy.push({
        model: m.label,
        group: g,
        nMin: entries.length === 0 ? 0 : Math.min(...entries.map((e) => e.n)),
        nMax: entries.length === 0 ? 0 : Math.max(...entries.map((e) => e.n)),
        people: people.size,
        accuracy: meanSd(entries.map((e) => e.accuracy!)),
      });
    }
  }

  // Gains and harm tests.
  const unadjusted: Omit<GainSummary, "pAdjusted" | "harmed">[] = [];
  for (const m of methods) {
    for (const g of groups) {
      const mine = accuracyOf.get(`${m.label}\u0000${g}`)!;
      const ref = accuracyOf.get(`${reference.label}\u0000${g}`)!;
      const perRun = replicateIds.flatMap((id) => {
        const a = mine.get(id);
        const b = ref.get(id);
        return a === null || a === undefined || b === null || b === undefined ? [] : [a - b];
      });
      const people = personOutcomes(labels, m.byReplicate, reference.byReplicate, inGroup(g), params.threshold);
      const tests = pairedTests(labels, people, params.alpha, params.bootstrapResamples, random(`bootstrap/${m.label}/${g}`));
      const negative = perRun.filter((d) => d < 0).length;
      unadjusted.push({
        method: m.label,
        group: g,
        gain: meanSd(perRun),
        negative,
        zero: perRun.filter((d) => d === 0).length,
        positive: perRun.filter((d) => d > 0).length,
        negativeFraction: perRun.length === 0 ? null : negative / perRun.length,
        peopleHarmed: tests.harmed,
        peopleTied: tests.tied,
        peopleHelped: tests.helped,
        mcnemar: tests.mcnemar,
        bootstrap: tests.bootstrap,
      });
    }
  }
  const flagP = (g: (typeof unadjusted)[number]) => (params.flagWith === "exact-mcnemar" ? g.mcnemar.pHarm : g.bootstrap.pValue);
  const adjusted = new Map<(typeof unadjusted)[number], number>();
  for (const m of methods) {
    const family = unadjusted.filter((g) => g.method === m.label && g.group !== OVERALL);
    adjustPValues(family.map(flagP), params.adjust).forEach((p, i) => adjusted.set(family[i]!, p));
  }
  const gains: GainSummary[] = unadjusted.map((g) => {
    const pAdjusted = adjusted.get(g) ?? flagP(g);
    return { ...g, pAdjusted, harmed: pAdjusted < params.alpha };
  });

  // Envy-freeness: each group's rows under every group's model.
  const envy: EnvySummary[] = [];
  const envyFreeness: EnvyFreeness[] = [];
  for (const { method, byGroup } of cross) {
    for (const g of labels.groups) {
      const own = byGroup.get(g)!;
      const envies: string[] = [];
      for (const other of labels.groups) {
        if (other === g) continue;
        const theirs = byGroup.get(other)!;
        const accOwn: number[] = [];
        const accOther: number[] = [];
        for (const id of replicateIds) {
          const o = (own.get(id) ?? []).filter((l) => groupOf(labels, l.row) === g);
          const t = (theirs.get(id) ?? []).filter((l) => groupOf(labels, l.row) === g);
          if (o.length === 0 || t.length === 0) continue;
          accOwn.push(o.filter((l) => correctOf(labels, l, params.threshold)).length / o.length);
          accOther.push(t.filter((l) => correctOf(labels, l, params.threshold)).length / t.length);
        }
        const diffs = accOther.map((a, i) => a - accOwn[i]!);
        const people = personOutcomes(labels, own, theirs, (row) => groupOf(labels, row) === g, params.threshold);
        let worse = 0;
        let better = 0;
        for (const p of people.values()) {
          if (p.candidate < p.reference) worse++;
          else if (p.candidate > p.reference) better++;
        }
        const mcnemar = exactMcNemar(worse, better, params.alpha);
        const envyRuns = diffs.filter((d) => d > 0).length;
        envy.push({
          method,
          group: g,
          modelGroup: other,
          accuracy: meanSd(accOther),
          envy: meanSd(diffs),
          envyRuns,
          envyFraction: diffs.length === 0 ? null : envyRuns / diffs.length,
          mcnemar,
          envious: mcnemar.harmed,
        });
        if (mcnemar.harmed) envies.push(other);
      }
      envyFreeness.push({ method, group: g, envyFree: envies.length === 0, envies });
    }
  }

  return {
    format: "strata-metrics/1",
    metric: "personalization",
    reference: reference.label,
    methods: methods.map((m) => m.label),
    groups,
    threshold: params.threshold,
    alpha: params.alpha,
    harmTest: {
      flagWith: params.flagWith,
      unit: "person",
      sided: "one-sided (method worse than reference)",
      multiplicity: params.adjust,
      bootstrapResamples: params.bootstrapResamples,
      bootstrapStrata: "group × label",
    },
    replicates: replicateIds.length,
    perReplicate,
    accuracy,
    gains,
    envy,
    envyFreeness,
  };
};
