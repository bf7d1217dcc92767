/**
 * Every built-in step kind, once: what a YAML study's `step:` names and what `strata plan --yaml` may write.
 * test/yaml/registry.test.ts fails when a `defineStep` under steps/ is missing here.
 */
import type { RegisteredStep, StepRegistry } from "../dsl/registered-step.js";
import { fewShotCell } from "./evaluate/few-shot/cell.js";
import { fewShotSummary } from "./evaluate/few-shot/summary-step.js";
import { personalization } from "./evaluate/personalization.js";
import { promotionGateDerivedParams, promotionGateStep } from "./evaluate/promotion-gate.js";
import { subgroupMetrics } from "./evaluate/subgroup-metrics.js";
import { syntheticEvaluation } from "./evaluate/synthetic/step.js";
import { csvStep } from "./ingest/csv.js";
import { parquetStep } from "./ingest/parquet.js";
import { binaryTargetStep } from "./preprocess/binary-target.js";
import { dropMissingStep } from "./preprocess/drop-missing.js";
import { imputeStep } from "./preprocess/impute.js";
import { oneHotStep } from "./preprocess/one-hot.js";
import { ordinalEncodeStep } from "./preprocess/ordinal-encode.js";
import { predictModelSetStep } from "./predict/model-set.js";
import { sqlStep } from "./preprocess/sql.js";
import { standardizeStep } from "./preprocess/standardize.js";
import { evaluationReport, evaluationReportDerivedParams } from "./report/evaluation-report.js";
import { fewShotReport } from "./report/few-shot-report.js";
import { personalizationReport, personalizationReportDerivedParams } from "./report/personalization-report.js";
import { trialReport } from "./report/trial-report.js";
import { holdoutStep } from "./split/holdout.js";
import { kfoldStep } from "./split/kfold.js";
import { stableHoldoutStep } from "./split/stable-holdout.js";
import { synthFitStep } from "./synth/fit.js";
import { synthSampleStep } from "./synth/sample.js";
import { splitRowsStep } from "./split/rows.js";
import { againstTruthStep } from "./evaluate/against-truth.js";
import { syntheticReport } from "./report/synthetic-report.js";
import { againstTruthReport } from "./report/synthetic-report-truth.js";
import { defineSubgroupsStep } from "./subgroups/define.js";
import { synthStructuralStep } from "./synth/structural.js";
import { conditionalBias } from "./train/conditional-bias.js";
import { dcp } from "./train/dcp.js";
import { logisticRegression } from "./train/logistic-regression.js";
import { trainMetaStep } from "./train/meta/train-meta.js";
import { mlp } from "./train/mlp.js";
import { trialAnalyzeStep } from "./trials/analyze.js";
import { trialCheckStep } from "./trials/check.js";
import { trialDesignStep } from "./trials/design.js";
import { hybridStep } from "./trials/hybrid.js";
import { trialPoolStep } from "./trials/pool.js";
import { trialPowerCellStep } from "./trials/power-cell.js";
import { trialPowerStep } from "./trials/power.js";
import { trialSimulateParallelStep } from "./trials/simulate-parallel.js";
import { trialSimulateStep } from "./trials/simulate.js";

const registered: readonly RegisteredStep[] = [
  { definition: csvStep },
  { definition: parquetStep },
  { definition: dropMissingStep },
  { definition: ordinalEncodeStep },
  { definition: binaryTargetStep },
  { definition: oneHotStep },
  { definition: imputeStep },
  { definition: standardizeStep },
  { definition: sqlStep },
  { definition: defineSubgroupsStep },
  { definition: holdoutStep },
  { definition: stableHoldoutStep },
  { definition: kfoldStep },
  { definition: logisticRegression },
  { definition: mlp },
  { definition: dcp },
  { definition: conditionalBias },
  { definition: trainMetaStep },
  { definition: predictModelSetStep },
  { definition: subgroupMetrics },
  { definition: syntheticEvaluation },
  { definition: personalization },
  { definition: promotionGateStep, derivedParams: promotionGateDerivedParams },
  { definition: evaluationReport, derivedParams: evaluationReportDerivedParams },
  { definition: personalizationReport, derivedParams: personalizationReportDerivedParams },
  { definition: fewShotCell },
  { definition: fewShotSummary },
  { definition: fewShotReport },
  { definition: trialDesignStep },
  { definition: trialSimulateStep },
  { definition: trialCheckStep },
  { definition: trialSimulateParallelStep },
  { definition: trialPowerCellStep },
  { definition: trialPowerStep },
  { definition: trialAnalyzeStep },
  { definition: trialPoolStep },
  { definition: hybridStep },
  { definition: trialReport },
  { definition: synthFitStep },
  { definition: synthSampleStep },
  { definition: splitRowsStep },
  { definition: againstTruthStep },
  { definition: syntheticReport },
  { definition: againstTruthReport },
  { definition: synthStructuralStep },
];

/** Built-in steps by kind. */
export const BUILT_IN_STEPS: StepRegistry = new Map(registered.map((r) => [r.definition.kind, r]));
