/**
 * The document evaluate.subgroup-metrics writes (format strata-metrics/1, metric subgroup-metrics) and the params
 * it is computed with: what report.evaluation and any other reader may rely on. Last, the predictions as the
 * evaluation holds them while computing it.
 */
import { Effect, Schema } from "effect";
import type { CalibrationBin } from "../calibration.js";
import type { GroupComparison } from "../group-comparison.js";
import { type MultiplicityMethod, MultiplicityMethodSchema } from "../harm-multiplicity.js";
import type { BootstrapSignResult, McNemarResult } from "../harm.js";
import type { METRIC_INFO, MetricName, MetricValues } from "../metrics/registry.js";
import { thresholdsProblem } from "../metrics/net-benefit.js";
import { PrevalenceUtilityRaritySchema, type RarityCell } from "../prevalence-utility-rarity.js";
import type { OUR_DEFINITION } from "../rare-cases.js";

const Probability = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }));
export const SubgroupMetricsParams = Schema.Struct({
  /** One label per entry of the predictions list, in the same order. */
  models: Schema.Array(Schema.String.check(Schema.isMinLength(1))).check(Schema.isMinLength(1), Schema.isUnique()),
  /** The model gains are measured against (e.g. the generic model); one of `models`. Without it: no gains. */
  reference: Schema.optional(Schema.String),
  target: Schema.String,
  subgroup: Schema.String,
  /** A prediction is positive when prob ≥ threshold. */
  threshold: Probability.pipe(Schema.withDecodingDefaultKey(Effect.succeed(0.5))),
  /** Bootstrap resamples; 0 turns intervals off. */
  resamples: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 100_000 })).pipe(Schema.withDecodingDefaultKey(Effect.succeed(1000))),
  /** Confidence level of the bootstrap and Wilson intervals. */
  level: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(0.95)),
  ),
  /** Cells computed on fewer people than this are flagged suppressed (reports show "< minCell"). */
  minCell: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(10))),
  /** A subgroup whose share of the cohort is below this is rare (our definition, see rare-cases.ts). */
  rareBelow: Probability.pipe(Schema.withDecodingDefaultKey(Effect.succeed(0.1))),
  /** How the harm tests' p-values are adjusted across the subgroups of each model before flagging. */
  adjust: MultiplicityMethodSchema.pipe(Schema.withDecodingDefaultKey(Effect.succeed("holm" as const))),
  /** Significance level of the harm tests. */
  alpha: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(0.05)),
  ),
  /** Opt-in decision curve analysis over these threshold probabilities (ascending, each in (0, 1)). */
  netBenefit: Schema.optional(
    Schema.Struct({ thresholds: Schema.Array(Schema.Number).check(Schema.makeFilter((t: readonly number[]) => thresholdsProblem(t) ?? true)) }),
  ),
  /** Opt-in prevalence-utility rarity (our definition, prevalence-utility-rarity.ts): which (subgroup, label) cells are rare. */
  rarity: Schema.optional(PrevalenceUtilityRaritySchema),
});
export type SubgroupMetricsParams = typeof SubgroupMetricsParams.Type;

export type Interval = readonly [number, number] | null;

/** One reported number: the mean over replicates with its spread, intervals and suppression flag. */
export interface Estimate {
  readonly estimate: number | null;
  /** Sample sd across replicates; null for fewer than two. */
  readonly sd: number | null;
  /** Replicates with a value. */
  readonly replicates: number;
  /** Bootstrap percentile interval. */
  readonly interval: Interval;
  /** Wilson interval for proportions, at the mean per-replicate denominator. */
  readonly wilson?: Interval;
  /** The fewest people the value was computed on in any replicate. */
  readonly basis: number;
  readonly suppressed: boolean;
}

export interface GroupSize {
  readonly group: string;
  /** People in the cohort (the input table) and positives among them. */
  readonly cohortN: number;
  readonly cohortPositives: number;
  /** cohortN / everyone: the subgroup's prevalence in the cohort, with its Wilson interval. */
  readonly share: number;
  readonly shareInterval: Interval;
  /** Distinct people evaluated (predicted by some replicate), positives among them, and the label prevalence. */
  readonly testN: number;
  readonly testPositives: number;
  readonly testPrevalence: number | null;
  readonly testPrevalenceInterval: Interval;
  readonly rare: boolean;
  /** Per count: true when the count, or for positives the count or its complement, is below minCell. */
  readonly suppressed: { readonly cohortN: boolean; readonly cohortPositives: boolean; readonly testN: boolean; readonly testPositives: boolean };
}

export interface ModelGroupMetrics {
  readonly model: string;
  readonly group: string;
  readonly testN: number;
  readonly metrics: { readonly [M in MetricName]: Estimate };
}

export interface CalibrationPoint extends CalibrationBin {
  /** Distinct people behind the point (n counts predictions, pooled over replicates). */
  readonly people: number;
  readonly suppressed: boolean;
}

export interface CalibrationCurve {
  readonly model: string;
  readonly group: string;
  /** The group has fewer than minCell test people. */
  readonly suppressed: boolean;
  /** Pooled over all replicates' predictions; bins with fewer than minCell people are flagged. */
  readonly points: readonly CalibrationPoint[];
}

export interface ComparisonEntry {
  readonly model: string;
  readonly metric: MetricName;
  /** Over every subgroup (Fairlearn's MetricFrame on these groups), with bootstrap intervals. */
  readonly all: GroupComparison & {
    readonly intervals: { readonly differenceBetweenGroups: Interval; readonly differenceToOverall: Interval; readonly ratioBetweenGroups: Interval; readonly ratioToOverall: Interval };
  };
  /** True when a group in `all` has a suppressed cell: its extremes could reveal a small group's value. */
  readonly suppressed: boolean;
  /** Over the subgroups whose cell is not suppressed only: what reports may print. */
  readonly reportable: GroupComparison;
}

export interface GainEntry extends Estimate {
  readonly model: string;
  readonly reference: string;
  readonly group: string;
  readonly metric: MetricName;
  /** Share of paired replicates in which the model did worse than the reference. */
  readonly fractionNegative: number | null;
}

export interface HarmEntry {
  readonly model: string;
  readonly reference: string;
  readonly group: string;
  readonly metric: "accuracy";
  /** The flag: McNemar's p-value adjusted across the model's subgroups (pAdjusted) < alpha. */
  readonly harmed: boolean;
  readonly mcnemar: McNemarResult;
  /** mcnemar.pHarm adjusted across the model's subgroups (params.adjust); "overall" is its own family, so unadjusted. */
  readonly pAdjusted: number;
  /** null without resamples. NaN differences are stored as null. */
  readonly signTest: (Omit<BootstrapSignResult, "meanDifference" | "observedDifference"> & { readonly meanDifference: number | null; readonly observedDifference: number | null }) | null;
  readonly basis: number;
  readonly suppressed: boolean;
}

export interface RareCaseEntry {
  readonly model: string;
  readonly metric: MetricName;
  readonly common: number | null;
  readonly rare: number | null;
  /** RCPG (our definition) = M(common) − M(rare). */
  readonly gap: Estimate;
}

export interface RareCases {
  readonly definition: typeof OUR_DEFINITION;
  readonly note: string;
  readonly threshold: number;
  readonly groups: readonly string[];
  readonly rareTestN: number;
  readonly commonTestN: number;
  /** RCPG per model × metric; empty when no subgroup is rare. */
  readonly rcpg: readonly RareCaseEntry[];
  /** RCCE (our definition): ECE on the rare cases only, per model. */
  readonly rcce: readonly (Estimate & { readonly model: string })[];
}

export interface NetBenefitPoint {
  readonly threshold: number;
  /** NB of treating those the model scores at or above the threshold. */
  readonly model: Estimate;
  /** NB of treating everyone in the group (same replicates' test rows). */
  readonly treatAll: Estimate;
}

export interface NetBenefitCurve {
  readonly model: string;
  readonly group: string;
  readonly points: readonly NetBenefitPoint[];
}

/** Decision curve analysis per model × group (present only when params.netBenefit is given). */
export interface NetBenefit {
  readonly definition: string;
  readonly thresholds: readonly number[];
  readonly curves: readonly NetBenefitCurve[];
}

/** The prevalence-utility rare cells of the cohort (present only when params.rarity is given). */
export interface PrevalenceUtilityRareCells {
  readonly definition: typeof OUR_DEFINITION;
  readonly note: string;
  readonly prevalenceBelow: number;
  readonly utilityAbove: number;
  /** Every (subgroup, label) cell of the cohort (the input table), prevalence among its rows. */
  readonly cells: readonly RarityCell[];
}

export interface ReplicateEntry {
  readonly model: string;
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly group: string;
  readonly n: number;
  readonly values: MetricValues;
}

export interface SubgroupMetricsDoc {
  readonly format: "strata-metrics/1";
  readonly metric: "subgroup-metrics";
  readonly params: {
    readonly threshold: number;
    readonly resamples: number;
    readonly level: number;
    readonly minCell: number;
    readonly rareBelow: number;
    readonly alpha: number;
    readonly adjust: MultiplicityMethod;
    readonly reference: string | null;
  };
  /** Digests of the artifacts evaluated: the data the report's provenance footer cites. */
  readonly inputs: { readonly table: string; readonly predictions: { readonly [model: string]: string } };
  readonly metricInfo: typeof METRIC_INFO;
  readonly models: readonly string[];
  /** "overall" then the subgroups in code-unit order. */
  readonly groups: readonly string[];
  readonly replicates: number;
  readonly sizes: readonly GroupSize[];
  readonly results: readonly ModelGroupMetrics[];
  readonly calibration: readonly CalibrationCurve[];
  readonly comparisons: readonly ComparisonEntry[];
  readonly gains: readonly GainEntry[];
  /** Harm tests per candidate model × group (empty without a reference). */
  readonly harm: readonly HarmEntry[];
  /** How `harmed` is decided, in words for the reports. */
  readonly harmRule: string;
  readonly rareCases: RareCases;
  readonly perReplicate: readonly ReplicateEntry[];
  /** Only when params.netBenefit is declared, so a study without it keeps its bytes. */
  readonly netBenefit?: NetBenefit;
  /** Only when params.rarity is declared. */
  readonly prevalenceUtilityRarity?: PrevalenceUtilityRareCells;
}

/**
 * One replicate of one model as the evaluation holds it: the table rows it predicted, ascending, and P(y = 1) for
 * each (12 bytes per predicted row, not 8 per table row: at 10^6 rows and 25 replicates, 50 MB instead of 200 MB in
 * every thread that prepares the evaluation). replicate-scores.ts makes and reads them.
 */
export interface ReplicateScores {
  readonly replicate: number;
  readonly seed: number;
  readonly fold: number;
  readonly rows: Int32Array;
  readonly probs: Float64Array;
}

export interface ModelPredictions {
  readonly label: string;
  /** Ascending replicate ids. */
  readonly replicates: readonly ReplicateScores[];
}
