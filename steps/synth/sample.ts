/**
 * synth.sample: n synthetic rows from a synth.fit generator, with the fitted table's columns and types. A
 * conditioned generator draws `oversample[level]` rows of each level named there and shares the rest of n among
 * the other levels in proportion to their real rows (steps/synth/level-counts.ts); rows come in level order.
 * Deterministic given the node seed: every draw comes from ctx.random.
 */
import { Schema } from "effect";
import type { Columns, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, addNode } from "../../dsl/study.js";
import type { SynthGenerator } from "./fit.js";
import { sampleCopulaCounts } from "./gaussian-copula.js";
import { readGeneratorDocument } from "./generator-document.js";
import { levelCounts } from "./level-counts.js";
import { sampleVaeCounts, vaeLevelRows } from "./vae/generator.js";

const Count = (minimum: number) => Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(minimum), Schema.isLessThanOrEqualTo(2 ** 31 - 1));

const Params = Schema.Struct({
  /** Rows to draw in all. */
  n: Count(1),
  /** Conditioned generators only: level → exactly this many rows of it. */
  oversample: Schema.optionalKey(Schema.Record(Schema.String, Count(0))),
});

export const synthSampleStep = defineStep({
  kind: "synth.sample",
  module: import.meta.url,
  params: Params,
  inputs: { generator: "metrics" },
  outputs: { table: "table" },
  run: (inputs, params, ctx) => {
    const generator = readGeneratorDocument(inputs.generator.json(), (problem) => ctx.fail("inputs.generator", problem));
    if (params.oversample !== undefined && generator.condition === undefined) {
      ctx.fail("params.oversample", "the generator was fitted without a condition column, so it has no levels to oversample; fit it with { condition }");
    }
    const { levels, rows } = generator.method === "vae" ? vaeLevelRows(generator) : { levels: generator.models.map((m) => m.level ?? ""), rows: generator.models.map((m) => m.rows) };
    const counts = levelCounts(levels, rows, params.n, params.oversample ?? {}, (problem) => ctx.fail("params.oversample", problem));
    const random = (stream: string) => ctx.random(stream);
    const fail = (problem: string) => ctx.fail("inputs.generator", problem);
    const table = generator.method === "vae" ? sampleVaeCounts(generator, counts, random, fail) : sampleCopulaCounts(generator, counts, random, fail);
    ctx.log(`${params.n} rows${generator.condition === undefined ? "" : ` (${levels.map((l, i) => `${l} ${counts[i]}`).join(", ")})`}`);
    return { table };
  },
});

/** e.g. sampleSynth(generator, { n: 1000 }, { id: "synthetic" }): a table with the fitted columns. */
export const sampleSynth = <C extends Columns>(
  generator: SynthGenerator<C>,
  params: { readonly n: number; readonly oversample?: Readonly<Record<string, number>> },
  options?: NodeOptions,
): TableHandle<C> => {
  const node = addNode(generator.generator.study, synthSampleStep, { generator: generator.generator }, params, options);
  return node.table("table", generator.columns);
};
