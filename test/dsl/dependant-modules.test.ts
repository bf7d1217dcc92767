import { describe, expect, it } from "vitest";
import { dependantModules, PLAN_FORMAT, type PlanNode, type StudyPlan } from "../../dsl/plan.js";

const node = (id: string, module: string, reads: readonly string[]): PlanNode => ({
  id,
  step: `test.${id}`,
  module,
  params: {},
  inputs: Object.fromEntries(reads.map((r, i) => [`in${i}`, { node: r, output: "out" }])),
  outputs: { out: "metrics" },
  seed: 1,
});

// a -> b -> d -> f, a -> c -> d (c and d share a module), e reads only a source.
const plan: StudyPlan = {
  format: PLAN_FORMAT,
  study: "downstream",
  nodes: [
    { ...node("a", "steps/a.ts", []), inputs: { file: { source: "data/a.csv" } } },
    node("b", "steps/b.ts", ["a"]),
    node("c", "steps/shared.ts", ["a"]),
    node("e", "steps/e.ts", []),
    node("d", "steps/shared.ts", ["b", "c"]),
    node("f", "steps/f.ts", ["d"]),
  ],
};

describe("dependantModules", () => {
  it("lists the modules of the nodes that read directly from the node, each once and in plan order", () => {
    expect(dependantModules(plan, "a")).toEqual(["steps/b.ts", "steps/shared.ts"]);
    expect(dependantModules(plan, "b")).toEqual(["steps/shared.ts"]);
    expect(dependantModules(plan, "d")).toEqual(["steps/f.ts"]);
  });

  it("lists nothing for a node nothing reads from", () => {
    expect(dependantModules(plan, "f")).toEqual([]);
    expect(dependantModules(plan, "e")).toEqual([]);
  });
});
