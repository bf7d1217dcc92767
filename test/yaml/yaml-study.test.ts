import { describe, expect, it } from "vitest";
import { PipelineError } from "../../dsl/errors.js";
import { yamlStudy } from "../../engine/yaml-study.js";
import { BUILT_IN_STEPS } from "../../steps/registry.js";

const FILE = "studies/small.yaml";

// A valid study; each case below breaks one line of it.
const SMALL = `study: small
nodes:
  - id: ingest
    step: ingest.csv
    inputs:
      file: { source: data/heart-cleveland/processed.cleveland.data }
    params:
      columns: [ { name: age, type: float }, { name: num, type: float } ]
  - id: target
    step: preprocess.binary-target
    inputs: { table: ingest.table }
    params: { column: num, op: ">", value: 0, as: target }
`;

const failure = (text: string): PipelineError => {
  try {
    yamlStudy(text, FILE, BUILT_IN_STEPS);
  } catch (e) {
    if (e instanceof PipelineError) return e;
    throw e;
  }
  throw new Error("the study loaded");
};

describe("a YAML study", () => {
  it("builds its nodes through the steps' schemas (defaults filled in, the study seed on every node)", () => {
    const built = yamlStudy(SMALL.replace("study: small", "study: small\nseed: 3"), FILE, BUILT_IN_STEPS);
    expect(built.nodes.map((n) => [n.id, n.step, n.seed])).toEqual([["ingest", "ingest.csv", 3], ["target", "preprocess.binary-target", 3]]);
    expect(built.nodes[0]!.params).toMatchObject({ header: false, delimiter: ",", na: ["", "NA"] });
    expect(built.nodes[1]!.inputs).toEqual({ table: { node: "ingest", output: "table" } });
  });

  it("names the line and column of a YAML syntax error", () => {
    const e = failure(SMALL.replace("inputs: { table: ingest.table }", "inputs: { table: ingest.table"));
    expect(e.message).toBe("studies/small.yaml: line 12, column 5: Flow map in block collection must be sufficiently indented and end with a }; fix the YAML syntax");
  });

  it("names the line and column of an unknown step kind, and lists the kinds", () => {
    const e = failure(SMALL.replace("step: preprocess.binary-target", "step: preprocess.binary-targets"));
    expect(e.message).toContain('studies/small.yaml › node "target" (preprocess.binary-targets) › field step: line 10, column 11: unknown step kind "preprocess.binary-targets"');
    expect(e.message).toContain("preprocess.binary-target,");
  });

  it("names the line and column of a param value its step's schema rejects", () => {
    const e = failure(SMALL.replace('op: ">"', 'op: "=>"'));
    expect(e.message).toContain('studies/small.yaml › node "target" (preprocess.binary-target) › field params.op: line 12, column 32: Expected ">" | ">=" | "<" | "<=" | "==" | "!="');
    const column = failure(SMALL.replace("{ name: num, type: float }", "{ name: num, type: decimal }"));
    expect(column.message).toContain(`field params.columns[1].type: line 8, column 65: Expected "float" | "int" | "string" | "bool"`);
  });

  it("names the line and column of a reference to an output or node that does not exist above", () => {
    const output = failure(SMALL.replace("{ table: ingest.table }", "{ table: ingest.rows }"));
    expect(output.message).toContain('node "target" (preprocess.binary-target) › field inputs.table: line 11, column 22: node "ingest" (ingest.csv) has no output "rows"; its outputs are table');
    const node = failure(SMALL.replace("{ table: ingest.table }", "{ table: target.table }"));
    expect(node.message).toContain('line 11, column 22: no node above this one has id "target"; the nodes above are ingest');
  });

  it("names the line and column of an unknown input slot, a missing field and a derived param", () => {
    expect(failure(SMALL.replace("{ table: ingest.table }", "{ tabel: ingest.table }")).message).toContain(
      'field inputs.tabel: line 11, column 15: preprocess.binary-target has no input "tabel"; its inputs are table',
    );
    expect(failure(SMALL.replace("  - id: target\n", "  - \n")).message).toContain("field id: line 10, column 5: missing field \"id\"");
    const report = `${SMALL}  - id: report\n    step: report.evaluation\n    inputs: { evaluations: [ target.table ] }\n    params: { title: x, plan: [] }\n`;
    expect(failure(report).message).toContain("field params.plan: line 16, column 31: report.evaluation derives \"plan\" from the study; remove it");
  });

  it("names the line and column of an input of the wrong kind", () => {
    const report = `${SMALL}  - id: report\n    step: report.evaluation\n    inputs: { evaluations: [ target.table ] }\n    params: { title: x }\n`;
    expect(failure(report).message).toContain("field inputs.evaluations[0]: line 15, column 30: expected a metrics, got a table");
  });
});
