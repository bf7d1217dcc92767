/**
 * evaluate.promotion-gate: should this run's model replace the champion of a registry channel?
 *
 * "Personalization without harm" as an operational rule. The candidate model set and the champion (the model the
 * candidate would replace in the channel, resolved by the engine and part of this node's cache key) are scored on
 * the same evaluation rows: the test rows of the split. Per subgroup and overall:
 *   - harm: the exact McNemar test on each person's correct/incorrect outcome under the two models, one-sided
 *     (the candidate is worse), at level `alpha` (steps/evaluate/harm.ts);
 *   - drop: the champion's accuracy minus the candidate's, against `tolerance`.
 * The candidate is promoted only when no group is harmed and no group drops by more than the tolerance. With no
 * champion yet, it is promoted when its overall accuracy reaches `floor`.
 *
 * This step only decides: the `decision` output (kind "promotion") says what should happen, and the engine
 * applies it to the registry after the run, so the step stays a pure function of its inputs. The `md` report
 * names every blocking subgroup with its figures; figures of groups under `minCell` people are shown as
 * "< minCell" (the decision still counts them). No row-level data leaves the step.
 */
import { Effect, Schema } from "effect";
import { tableColumns } from "../../artifacts/table.js";
import type { Columns, ModelSetHandle, PromotionHandle, ReportHandle, SplitHandle, TableHandle } from "../../dsl/handles.js";
import { PROMOTION_DECISION_FORMAT, type PromotionDecisionDocument } from "../../artifacts/promotion-decision.js";
import { type JsonValue, type StepContext, type StepInput, defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode, registryChannel } from "../../dsl/study.js";
import { CHANNEL_SYNTAX, NO_MODEL_FORMAT, parseChannel } from "../../artifacts/registry.js";
import { escapeMarkdown } from "../report/escape.js";
import { type ModelSet, decodeModelSet } from "../train/model-set.js";
import { takeFrameRows } from "../train/feature-frame.js";
import { modelSetSubgroupColumn, predictModelSet, readScoringFrame } from "../train/predict-model-set.js";
import { readSplit, readTarget } from "../train/replicates.js";
import { exactMcNemar } from "./harm.js";

export const PROMOTION_GATE_DEFAULTS = { subgroup: "subgroup", tolerance: 0.05, alpha: 0.05, floor: 0.7, minCell: 10 } as const;

const Fraction = Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }));
const withDefault = <S extends Schema.Top>(schema: S, value: S["Type"]) => schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)));

const Params = Schema.Struct({
  channel: Schema.String.check(Schema.makeFilter((c) => parseChannel(c) !== undefined || `expected a channel name ${CHANNEL_SYNTAX}`)),
  target: Schema.String,
  subgroup: withDefault(Schema.String, PROMOTION_GATE_DEFAULTS.subgroup),
  /** Largest accepted drop of accuracy in any group (0.05 = five points). */
  tolerance: withDefault(Fraction, PROMOTION_GATE_DEFAULTS.tolerance),
  alpha: withDefault(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })), PROMOTION_GATE_DEFAULTS.alpha),
  /** Overall accuracy the first model of an empty channel must reach. */
  floor: withDefault(Fraction, PROMOTION_GATE_DEFAULTS.floor),
  minCell: withDefault(Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)), PROMOTION_GATE_DEFAULTS.minCell),
});
export type PromotionGateParams = typeof Params.Type;

export interface GroupComparison {
  readonly group: string;
  readonly n: number;
  /** n < minCell: the report hides this group's figures. */
  readonly suppressed: boolean;
  readonly candidate: number;
  readonly champion: number | null;
  /** candidate − champion accuracy. */
  readonly difference: number | null;
  /** Champion right, candidate wrong / candidate right, champion wrong. */
  readonly b: number | null;
  readonly c: number | null;
  readonly pHarm: number | null;
  readonly harmed: boolean;
  readonly dropped: boolean;
}

/** The promotion document the engine reads (`blockedBy`: harmed or dropped groups in name order, "overall" last), with the gate's figures. */
export interface PromotionDecision extends PromotionDecisionDocument {
  readonly metric: "accuracy";
  readonly threshold: 0.5;
  readonly tolerance: number;
  readonly alpha: number;
  readonly floor: number;
  readonly minCell: number;
  readonly evaluationRows: number;
  readonly groups: readonly GroupComparison[];
}

const readModelSet = (input: StepInput, field: string, ctx: StepContext): ModelSet => {
  const decoded = decodeModelSet(input.json());
  if (!decoded.ok) ctx.fail(field, `cannot score this model set: ${decoded.problem}`);
  return decoded.set;
};

/** The distinct test rows of the split, ascending: the people both models are judged on. */
const evaluationRows = (split: StepInput, tableRows: number, ctx: StepContext): number[] => {
  const rows = new Set<number>();
  for (const rep of readSplit(split.table(), tableRows, ctx)) for (const r of rep.test) rows.add(r);
  return [...rows].sort((a, b) => a - b);
};

/** Whether the set's thresholded prediction is right for each evaluation row; rows are routed as its trainer routes them. */
const scoreOn = async (set: ModelSet, table: StepInput, target: string, rows: readonly number[], field: string, ctx: StepContext): Promise<boolean[]> => {
  const frame = readScoringFrame(table.table(), set, (problem) => ctx.fail(field, problem));
  const y = readTarget(table.table(), target, ctx);
  const subgroupColumn = modelSetSubgroupColumn(set);
  const group = subgroupColumn === undefined ? undefined : subgroupsOf(table, rows, subgroupColumn, ctx, field);
  const prob = await predictModelSet(set, { frame: takeFrameRows(frame, rows), where: (i) => `row ${rows[i]}`, group }, (problem) => ctx.fail(field, problem));
  return prob.map((p, i) => (p >= 0.5 ? 1 : 0) === y[rows[i]!]);
};

/** Each evaluation row's subgroup, from a string column such as the one the subgroups step adds. */
const subgroupsOf = (table: StepInput, rows: readonly number[], column: string, ctx: StepContext, field = "params.subgroup"): string[] => {
  const col = tableColumns(table.table()).find((c) => c.name === column);
  if (col === undefined || col.type !== "string") {
    ctx.fail(field, `expected a string column ${JSON.stringify(column)} naming each row's subgroup (from subgroups.define); the table ${col === undefined ? "has no such column" : `has it as ${col.type}`}`);
  }
  return rows.map((r) => {
    const g = col.values[r];
    if (typeof g !== "string") ctx.fail(field, `row ${r} has no subgroup; every evaluation row needs one`);
    return g;
  });
};

const accuracy = (correct: readonly boolean[]): number => correct.filter(Boolean).length / correct.length;

const compareGroup = (group: string, cand: readonly boolean[], champ: readonly boolean[] | undefined, params: PromotionGateParams): GroupComparison => {
  const base = { group, n: cand.length, suppressed: cand.length < params.minCell, candidate: accuracy(cand) };
  if (champ === undefined) return { ...base, champion: null, difference: null, b: null, c: null, pHarm: null, harmed: false, dropped: false };
  let b = 0;
  let c = 0;
  cand.forEach((ok, i) => {
    if (champ[i] && !ok) b++;
    else if (ok && !champ[i]) c++;
  });
  const champion = accuracy(champ);
  const test = exactMcNemar(b, c, params.alpha);
  // Accuracies are multiples of 1/n: compare with a small slack so that "exactly the tolerance" is not a drop.
  const dropped = champion - base.candidate > params.tolerance + 1e-12;
  return { ...base, champion, difference: base.candidate - champion, b, c, pHarm: test.pHarm, harmed: test.harmed, dropped };
};

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const points = (v: number) => `${(100 * v).toFixed(1)} points`;
const signedPoints = (v: number) => `${v >= 0 ? "+" : "−"}${(100 * Math.abs(v)).toFixed(1)} points`;

/** One line per blocking group, with its figures (or "< minCell people" when they are suppressed). */
const blockerLine = (g: GroupComparison, params: PromotionGateParams): string => {
  const why = [
    g.harmed ? `significantly worse (exact McNemar, one-sided p = ${g.pHarm!.toPrecision(3)} < ${params.alpha})` : "",
    g.dropped ? `accuracy drops by more than the tolerance of ${points(params.tolerance)}` : "",
  ]
    .filter((s) => s !== "")
    .join(" and ");
  // A suppressed group's reason would say p < α: it is named as blocking, with no figure and no why.
  if (g.suppressed) return `subgroup ${g.group} blocks the promotion (its figures are suppressed: fewer than ${params.minCell} people)`;
  const figures = `accuracy ${pct(g.champion!)} → ${pct(g.candidate)} (${signedPoints(g.difference!)}), ${g.n} people, champion right/candidate wrong ${g.b}, the reverse ${g.c}`;
  return `${g.group === "overall" ? "the cohort as a whole" : `subgroup ${g.group}`} would be harmed, ${why}: ${figures}`;
};

const decide = (groups: readonly GroupComparison[], hasChampion: boolean, params: PromotionGateParams): Pick<PromotionDecision, "promote" | "reason" | "blockedBy"> => {
  const overall = groups[groups.length - 1]!;
  if (!hasChampion) {
    const promote = overall.candidate >= params.floor;
    return {
      promote,
      blockedBy: promote ? [] : ["overall"],
      reason: promote
        ? `first model of the channel: overall accuracy ${pct(overall.candidate)} reaches the floor of ${pct(params.floor)}`
        : `first model of the channel: overall accuracy ${pct(overall.candidate)} is below the floor of ${pct(params.floor)}; the channel stays empty`,
    };
  }
  const blockers = groups.filter((g) => g.harmed || g.dropped);
  if (blockers.length === 0) {
    return { promote: true, blockedBy: [], reason: `no subgroup is significantly harmed and no subgroup's accuracy drops by more than ${points(params.tolerance)}` };
  }
  return { promote: false, blockedBy: blockers.map((g) => g.group), reason: blockers.map((g) => blockerLine(g, params)).join("; ") };
};

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;

/**
 * Complementary suppression (the rule of steps/report/suppression.ts): the groups partition "overall", so with
 * exactly one group suppressed, overall accuracy × n minus the shown groups' correct counts would give its
 * accuracy; the shown group with the fewest people is then hidden too.
 */
const complementOf = (groups: readonly GroupComparison[]): string | undefined => {
  const subgroups = groups.filter((g) => g.group !== "overall");
  if (subgroups.filter((g) => g.suppressed).length !== 1) return undefined;
  const shown = subgroups.filter((g) => !g.suppressed).sort((a, b) => a.n - b.n || (a.group < b.group ? -1 : 1));
  return shown[0]?.group ?? "overall";
};

const markdown = (d: PromotionDecision, params: PromotionGateParams): string => {
  const complement = complementOf(d.groups);
  const lines = [
    `# Promotion gate: ${escapeMarkdown(d.channel)}`,
    "",
    `**Decision: ${d.promote ? (d.champion === null ? "promote (first champion)" : "promote the candidate") : d.champion === null ? "do not promote (below the floor)" : "keep the champion"}.** ${sentence(escapeMarkdown(d.reason))}`,
    "",
    `Candidate model set \`${d.candidate.slice(0, 12)}\`; champion ${d.champion === null ? "none" : `\`${d.champion.slice(0, 12)}\``}. ` +
      `Both scored on the same ${d.evaluationRows} evaluation people (the split's test rows), threshold 0.5. ` +
      `Harm: exact McNemar, one-sided, α = ${params.alpha}; tolerance ${points(params.tolerance)}; floor ${pct(params.floor)}. Cells under ${params.minCell} people are suppressed ("< ${params.minCell}"), and so is the smallest other group when only one is ("hidden"): no hidden figure follows from the shown ones.`,
    "",
    "| group | n | champion accuracy | candidate accuracy | difference | McNemar p (harm) | blocks |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ...d.groups.map((g) => {
      const hiddenAs = g.suppressed ? `< ${params.minCell}` : g.group === complement ? "hidden" : undefined;
      const cell = (v: number | null, show: (v: number) => string) => (v === null ? "—" : hiddenAs ?? show(v));
      const blocks = g.harmed || g.dropped ? (hiddenAs !== undefined ? "yes" : [g.harmed ? "harmed" : "", g.dropped ? "drop" : ""].filter(Boolean).join(", ")) : "";
      return `| ${escapeMarkdown(g.group)} | ${hiddenAs ?? g.n} | ${cell(g.champion, pct)} | ${cell(g.candidate, pct)} | ${cell(g.difference, signedPoints)} | ${cell(g.pHarm, (p) => p.toPrecision(3))} | ${blocks} |`;
    }),
    "",
  ];
  return lines.join("\n");
};

export const promotionGateStep = defineStep({
  kind: "evaluate.promotion-gate",
  module: import.meta.url,
  params: Params,
  inputs: { candidate: "models", champion: "channel", table: "table", split: "split" },
  outputs: { decision: "promotion", md: "report" },
  run: async (inputs, params, ctx) => {
    const rows = evaluationRows(inputs.split, inputs.table.table().numRows, ctx);
    const groupOf = subgroupsOf(inputs.table, rows, params.subgroup, ctx);

    const candidateSet = readModelSet(inputs.candidate, "inputs.candidate", ctx);
    const championDoc = inputs.champion.json() as { format?: string };
    const hasChampion = championDoc.format !== NO_MODEL_FORMAT;
    const candidate = await scoreOn(candidateSet, inputs.table, params.target, rows, "inputs.candidate", ctx);
    const champion = hasChampion ? await scoreOn(readModelSet(inputs.champion, "inputs.champion", ctx), inputs.table, params.target, rows, "inputs.champion", ctx) : undefined;

    const names = [...new Set(groupOf)].sort();
    const pick = <T>(values: readonly T[], group: string) => values.filter((_, i) => groupOf[i] === group);
    const groups = [
      ...names.map((g) => compareGroup(g, pick(candidate, g), champion && pick(champion, g), params)),
      compareGroup("overall", candidate, champion, params),
    ];
    const decision: PromotionDecision = {
      format: PROMOTION_DECISION_FORMAT,
      channel: params.channel,
      candidate: inputs.candidate.digest,
      champion: hasChampion ? inputs.champion.digest : null,
      ...decide(groups, hasChampion, params),
      metric: "accuracy",
      threshold: 0.5,
      tolerance: params.tolerance,
      alpha: params.alpha,
      floor: params.floor,
      minCell: params.minCell,
      evaluationRows: rows.length,
      groups,
    };
    ctx.log(decision.reason);
    return { decision: decision as unknown as JsonValue, md: markdown(decision, params) };
  },
});

export interface PromotionGateOptions<C extends Columns> {
  /** The registry channel, "<study>/<model>:<channel>", e.g. "heart-retrain/logreg:champion". */
  readonly channel: string;
  readonly target: keyof C & string;
  readonly subgroup?: keyof C & string;
  readonly tolerance?: number;
  readonly alpha?: number;
  readonly floor?: number;
  readonly minCell?: number;
}

/**
 * Pipeline builder: compares `candidate` with the champion of `params.channel` on the test rows of `split`, and
 * decides whether the engine should promote it after the run.
 */
export const promotionGate = <C extends Columns>(
  candidate: ModelSetHandle,
  table: TableHandle<C>,
  split: SplitHandle,
  params: PromotionGateOptions<C>,
  options: NodeOptions = {},
): { readonly decision: PromotionHandle; readonly report: ReportHandle } => {
  const node = addNode(table.study, promotionGateStep, { candidate, champion: registryChannel(params.channel, "candidate"), table, split }, params, options);
  node.requireColumns(table, [params.target, params.subgroup ?? PROMOTION_GATE_DEFAULTS.subgroup], "params");
  return { decision: node.promotion("decision"), report: node.report("md") };
};
