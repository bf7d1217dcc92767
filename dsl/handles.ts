import type { StudyGraph } from "./study.js";

/** The four column types Strata tables use. Keeping the set small keeps codecs and logical digests exact. */
export type ColumnType = "float" | "int" | "string" | "bool";

/** A table's column schema as the type system sees it: column name -> column type. */
export type Columns = { readonly [name: string]: ColumnType };

/** What a step output is, semantically. Each kind has one storage codec (see artifactCodec). */
export type HandleKind = "table" | "split" | "predictions" | "models" | "metrics" | "report";

export type ArtifactCodec = "parquet" | "json" | "text";

export const artifactCodec = (kind: HandleKind | "source" | "channel"): ArtifactCodec | "file" => {
  switch (kind) {
    case "table":
    case "split":
    case "predictions":
      return "parquet";
    case "models":
    case "metrics":
    case "channel":
      return "json";
    case "report":
      return "text";
    case "source":
      return "file";
  }
};

/** Which node output a handle points at. */
export interface OutputRef {
  readonly node: string;
  readonly output: string;
}

interface HandleBase<K extends HandleKind> {
  readonly kind: K;
  readonly ref: OutputRef;
  /** The study this handle belongs to: steps add their nodes to it. */
  readonly study: StudyGraph;
}

/** A table with its column schema. Passing a table where a split is expected, or naming an absent column, fails tsc. */
export interface TableHandle<C extends Columns = Columns> extends HandleBase<"table"> {
  readonly columns: C;
}
/** Row assignments: which rows train, validate and test in each replicate (seed × fold). */
export interface SplitHandle extends HandleBase<"split"> {}
/** Per-replicate predicted probabilities for test rows. */
export interface PredictionsHandle extends HandleBase<"predictions"> {}
/** Trained model weights, one per replicate (and per subgroup for decoupled models). */
export interface ModelSetHandle extends HandleBase<"models"> {}
/** Evaluation results. */
export interface MetricsHandle extends HandleBase<"metrics"> {}
/** A rendered report (HTML or Markdown). */
export interface ReportHandle extends HandleBase<"report"> {}

export type Handle = TableHandle | SplitHandle | PredictionsHandle | ModelSetHandle | MetricsHandle | ReportHandle;

/** A raw file (or folder) on disk that an ingest step reads; the engine stores it and keys on its content. */
export interface SourceHandle {
  readonly kind: "source";
  readonly path: string;
}

/**
 * A model-registry channel ("study/model:channel") read as a model set: the engine resolves it when the node runs,
 * to the model the node's candidate input would replace there (see artifacts/registry.ts), and keys the node on
 * that model's digest.
 */
export interface ChannelHandle {
  readonly kind: "channel";
  readonly channel: string;
  /** The node's input slot holding the candidate model set. */
  readonly candidate: string;
}
