import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PipelineError } from "../../dsl/errors.js";
import { StudyGraph } from "../../dsl/study.js";
import { HEART_BIAS_MODULATION, buildHeartBiasModulation } from "../../pipelines/heart-bias-modulation.js";
import { rareWeighted } from "../../pipelines/rare-weighted.js";
import { csvStep } from "../../steps/ingest/csv.js";
import { dropMissingStep } from "../../steps/preprocess/drop-missing.js";
import { type MethodsSpec, methodsSection, missingFacts } from "../../steps/report/methods.js";
import { runStep } from "../support/step-harness.js";
import { HEART_COLUMNS, HEART_PATH } from "./ingest-heart-fixture.js";

const planned = () => {
  const graph = new StudyGraph("heart-bias-modulation", 0);
  buildHeartBiasModulation(graph, HEART_BIAS_MODULATION);
  return graph;
};
const specOf = (graph: StudyGraph, id: string) => (graph.nodes.find((n) => n.id === id)!.params as { methods: MethodsSpec }).methods;

describe("Methods written from the plan", () => {
  it("names heart-bias-modulation's declared deviation with the planned value, in both reports", () => {
    const graph = planned();
    for (const id of ["report", "report-depth"]) {
      const text = methodsSection(specOf(graph, id), { facts: [] }).paragraphs.join("\n");
      expect(text).toContain("node train-cond-bias has attribute.layers = 6 × 64 where the protocol says 50 × 64 for the sensitive-attribute predictor");
    }
  });

  it("covers every stage that ran: sources, missing values, subgroups, split, models with their recipe, evaluation", () => {
    const spec = specOf(planned(), "report-depth");
    expect(spec.missingFrom).toEqual([{ node: "ingest", output: "missing" }, { node: "drop-missing", output: "dropped" }]);
    const [sources, preparation, subgroups, split, models, evaluation] = methodsSection(spec, { facts: ["ingest read 303 rows."] }).paragraphs;
    expect(sources).toMatch(/^Data sources\. ingest \(ingest\.csv\) from "data\/heart-cleveland\/processed\.cleveland\.data".*na = \["\?"\]/);
    expect(preparation).toMatch(/^Data preparation and missing values\. drop-missing/);
    expect(subgroups).toMatch(/^Subgroups\. subgroups \(subgroups\.define\)/);
    expect(split).toMatch(/^Split protocol\. holdout \(split\.holdout\).*cv \(split\.kfold\): k = 5/);
    expect(models).toMatch(/train-cond-bias \(train\.conditional-bias\).*k = 1.*preprocessing recipe, in order: standardize \(every column\); fitted on each replicate's training rows only/);
    expect(evaluation).toMatch(/evaluate-depth \(evaluate\.subgroup-metrics\).*harm: exact McNemar test on people with holm adjustment/);
  });

  it("counts the values each ingest read as missing and the rows each drop step removed, from their outputs", async () => {
    const spec = specOf(planned(), "report-depth");
    const read = await runStep(csvStep, { file: new Uint8Array(readFileSync(HEART_PATH)) }, { columns: HEART_COLUMNS, na: ["?"] });
    const dropped = await runStep(dropMissingStep, { table: read.table as never }, {});
    const facts = missingFacts(spec, [read.missing, dropped.dropped], () => {
      throw new Error("unexpected");
    });
    expect(facts).toEqual([
      'ingest read 303 rows; values read as missing (tokens "?"): ca 4, thal 2.',
      "drop-missing removed 6 of 303 rows with a missing value in any column, leaving 297; rows with a missing value, per column (a row may count in several): ca 4, thal 2.",
    ]);
  });

  it("says which models weight their loss and answers the class-imbalance item from it", () => {
    const graph = new StudyGraph("rare-weighted", 0);
    rareWeighted(graph);
    const { paragraphs, checklist } = methodsSection(specOf(graph, "report"), { facts: [] });
    const models = paragraphs.find((p) => p.startsWith("Models."))!;
    expect(models).toMatch(/train-utility-1 \(train\.logistic-regression\).*sample weights \(params\.weights\) fitted on each replicate's training rows only/);
    expect(models).not.toMatch(/train-unweighted \(train\.logistic-regression\)[^;]*;[^.]*sample weights/);
    const status = Object.fromEntries(checklist.rows.map((r) => [r[0]!.lines[0], r[1]!.lines[0]]));
    expect(status["Class imbalance (13)"]).toBe("answered by the plan: Models above (sample weights)");
    expect(Object.fromEntries(methodsSection(specOf(planned(), "report"), { facts: [] }).checklist.rows.map((r) => [r[0]!.lines[0], r[1]!.lines[0]]))["Class imbalance (13)"]).toBe("author must fill");
  });

  it("lists the checklist items the author must still fill", () => {
    const { checklist } = methodsSection(specOf(planned(), "report"), { facts: [] });
    const status = Object.fromEntries(checklist.rows.map((r) => [r[0]!.lines[0], r[1]!.lines[0]]));
    expect(status["Ethical approval (17)"]).toBe("author must fill");
    expect(status["Missing data (11)"]).toMatch(/^answered by the plan/);
    expect(status["Deviations from the protocol"]).toBe("answered by the plan: Declared deviations above");
  });

  it("refuses a deviation of an undeclared node or a param the node does not have", () => {
    const graph = planned();
    expect(() => graph.deviate({ node: "nope", param: "k", protocol: "x", reason: "y" })).toThrow(PipelineError);
    expect(() => graph.deviate({ node: "train-cond-bias", param: "attribute.widths", protocol: "x", reason: "y" })).toThrow(/no param "attribute\.widths"/);
  });
});
