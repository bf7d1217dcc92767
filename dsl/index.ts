/**
 * Strata's public DSL, the package's main entry (`import { study, defineStep } from "strata"`): studies, sources,
 * registry channels, step definitions and the node builder that a step's typed builder function wraps. The
 * step builders themselves are the subpaths `strata/steps/<folder>/<step>` (e.g. `strata/steps/ingest/csv`), so a
 * study loads only the steps it uses.
 */
export { study, source, registryChannel, addNode, StudyGraph, NodeRef } from "./study.js";
export type { NodeOptions, Study, InputHandles } from "./study.js";
export { defineStep } from "./step.js";
export type {
  StepDefinition,
  StepContext,
  StepInput,
  StepInputs,
  StepOutputValue,
  SourceFile,
  InputSpec,
  InputSpecs,
  JsonValue,
  ParamsSchema,
} from "./step.js";
export type {
  ColumnType,
  Columns,
  Handle,
  HandleKind,
  TableHandle,
  SplitHandle,
  PredictionsHandle,
  ModelSetHandle,
  MetricsHandle,
  ReportHandle,
  PromotionHandle,
  SourceHandle,
  ChannelHandle,
} from "./handles.js";
export { PipelineError, DataError } from "./errors.js";
/** effect's Schema, for the params of a study's own steps: the same module instance the engine decodes with. */
export { Schema } from "effect";
