/**
 * synth.structural: a planted-truth cohort of n patients from a declared specification (structural-spec.ts), and
 * the truth it was drawn from (structural-truth.ts). No inputs: the cohort depends only on the spec and the node
 * seed, drawn in fixed blocks of 65,536 rows, one random stream each (structural-generate.ts).
 */
import { Schema } from "effect";
import type { MetricsHandle, TableHandle } from "../../dsl/handles.js";
import { defineStep } from "../../dsl/step.js";
import { type NodeOptions, type StudyGraph, addNode } from "../../dsl/study.js";
import { generateCohort } from "./structural-generate.js";
import { type StructuralSpecInput, StructuralSpecSchema, cohortColumnTypes } from "./structural-spec.js";
import { cohortTable } from "./structural-table.js";
import { truthDocument } from "./structural-truth.js";

export const synthStructuralStep = defineStep({
  kind: "synth.structural",
  module: import.meta.url,
  params: StructuralSpecSchema,
  inputs: {},
  outputs: { cohort: "table", truth: "metrics" },
  run: (_inputs, spec, ctx) => {
    const cohort = generateCohort(spec, (stream) => ctx.random(stream), (done) => ctx.progress(done, spec.n));
    let positives = 0;
    for (let r = 0; r < cohort.n; r++) positives += cohort.outcome[r]!;
    ctx.log(`${cohort.n} patients, ${positives} with ${spec.outcome.name} = 1`);
    return { cohort: cohortTable(spec, cohort), truth: truthDocument(spec, cohort) };
  },
});

type Named = { readonly name: string };
type CovariateType<K> = K extends "binary" ? "int" : K extends "categorical" ? "string" : "float";
type ListColumns<L, T> = L extends readonly (infer E extends Named)[] ? { readonly [X in E as X["name"]]: T } : {};

/** The cohort's columns as the spec declares them: patient, covariates, subgroups, site, outcome. */
export type StructuralColumns<S extends StructuralSpecInput> = { readonly patient: "int" } & (S["covariates"] extends readonly (infer C extends Named & { readonly kind: string })[]
  ? { readonly [X in C as X["name"]]: CovariateType<X["kind"]> }
  : {}) &
  ListColumns<S["subgroups"], "string"> &
  (S["site"] extends Named ? { readonly [X in S["site"]["name"]]: "string" } : {}) & {
    readonly [X in S["outcome"]["name"] extends string ? S["outcome"]["name"] : "outcome"]: "int";
  };

/**
 * e.g. synthStructural(s, { n: 10_000, covariates: [{ name: "age", kind: "normal", mean: 60, sd: 10 }],
 * subgroups: [{ name: "sex", levels: ["female", "male"], probs: [0.5, 0.5] }], outcome: { intercept: -1,
 * coefficients: { age: 0.03 }, bySubgroup: [{ subgroup: "sex", level: "male", coefficients: { age: 0.02 } }] } }).
 */
export const synthStructural = <const S extends StructuralSpecInput>(
  s: StudyGraph,
  spec: S,
  options?: NodeOptions,
): { readonly cohort: TableHandle<StructuralColumns<S>>; readonly truth: MetricsHandle } => {
  const node = addNode(s, synthStructuralStep, {}, spec, options);
  const decoded = Schema.decodeUnknownSync(StructuralSpecSchema)(node.node.params);
  const columns = Object.fromEntries(cohortColumnTypes(decoded)) as unknown as StructuralColumns<S>;
  return { cohort: node.table("cohort", columns), truth: node.metrics("truth") };
};
