import type { StudyGraph } from "./study.js";

/** The four column types Strata tables use. Keeping the set small keeps codecs and logical digests exact. */
export type ColumnType = "float" | "int" | "string" | "bool";

/** A table's column schema as the type system sees it: column name -> column type. */
export type Columns = { readonly [name: string]: ColumnType };

/**
 * What a step output is, semantically. Each kind has one storage codec (see artifactCodec). Two kinds mean
 * something to the engine after a run, whichever step made them:
 * - "report": a document for people, written to `<out>/<node id>.<output name>`, so the output's name is the
 *   file's extension ("html", "md", "json"); its provenance tokens are filled in (dsl/report-provenance.ts);
 * - "promotion": a decision to promote a model set in a registry channel (artifacts/promotion-decision.ts), which
 *   the engine applies to the registry.
 */
export const HANDLE_KINDS = ["table", "split", "predictions", "models", "metrics", "report", "promotion"] as const;
export type HandleKind = (typeof HANDLE_KINDS)[number];

export type ArtifactCodec = "parquet" | "json" | "text";

export const artifactCodec = (kind: HandleKind | "source" | "channel"): ArtifactCodec | "file" => {
  switch (kind) {
    case "table":
    case "split":
    case "predictions":
      return "parquet";
    case "models":
    case "metrics":
    case "promotion":
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
/** A rendered report (HTML, Markdown, JSON); the output's name is the extension of the file written for it. */
export interface ReportHandle extends HandleBase<"report"> {}
/** A decision to promote a model set in a registry channel, applied by the engine after the run. */
export interface PromotionHandle extends HandleBase<"promotion"> {}

export type Handle = TableHandle | SplitHandle | PredictionsHandle | ModelSetHandle | MetricsHandle | ReportHandle | PromotionHandle;

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
