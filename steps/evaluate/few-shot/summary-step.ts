/** evaluate.few-shot: the summary over a study's few-shot cells (summary.ts says what it computes). */
import { Effect, Schema } from "effect";
import { PipelineError } from "../../../dsl/errors.js";
import type { MetricsHandle } from "../../../dsl/handles.js";
import { type JsonValue, defineStep } from "../../../dsl/step.js";
import { type NodeOptions, addNode } from "../../../dsl/study.js";
import { CellDocumentSchema } from "./cell-document.js";
import { SUMMARY_METRICS, summarizeCells } from "./summary.js";

const Params = Schema.Struct({
  /** The method every gain is measured against. */
  reference: Schema.String.pipe(Schema.withDecodingDefaultKey(Effect.succeed("pooled"))),
  /** The metric that decides "beats" and "harmed"; Brier by default, since it is defined on a one-class query set (AUROC is not). */
  decisionMetric: Schema.Literals(SUMMARY_METRICS).pipe(Schema.withDecodingDefaultKey(Effect.succeed("brier" as const))),
  alpha: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true })).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0.05))),
  /** Decision threshold of accuracy. */
  threshold: Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0.5))),
  /** Resamples of the crossed (seeds × test patients) bootstrap of the decision metric's gain. */
  resamples: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 100, maximum: 100_000 })).pipe(Schema.withDecodingDefaultKey(Effect.succeed(2000))),
});

export const fewShotSummary = defineStep({
  kind: "evaluate.few-shot",
  module: import.meta.url,
  params: Params,
  inputs: { cells: { list: "metrics" } },
  outputs: { summary: "metrics" },
  run: (inputs, params, ctx) => {
    const cells = inputs.cells.map((input, i) => {
      const decoded = Schema.decodeUnknownExit(CellDocumentSchema)(input.json());
      return decoded._tag === "Success" ? decoded.value : ctx.fail(`inputs.cells[${i}]`, "expected a strata-few-shot-cell/1 document (the cell output of evaluate.few-shot-cell)");
    });
    const summary = summarizeCells(cells, params, (stream) => ctx.random(stream), (problem) => ctx.fail("inputs.cells", problem));
    ctx.log(`${cells.length} cells over ${summary.sites.length} sites, ${summary.methods.length} methods`);
    return { summary: summary as unknown as JsonValue };
  },
});

/** e.g. summarizeFewShot(cells, {}, { id: "few-shot" }). */
export const summarizeFewShot = (cells: readonly MetricsHandle[], params: Partial<typeof Params.Type> = {}, options?: NodeOptions): MetricsHandle => {
  if (cells.length === 0) throw new PipelineError({ node: options?.id, step: fewShotSummary.kind, field: "inputs.cells", problem: "no cells to summarize; give fewShotCells at least one site, shot count and seed" });
  const node = addNode(cells[0]!.study, fewShotSummary, { cells }, params, options);
  return node.metrics("summary");
};
