import * as fs from "node:fs";
import * as path from "node:path";
import { makeTable } from "../../../artifacts/table.js";
import type { TrialDesign } from "../../../steps/trials/design-document.js";
import { type TrialDays, readTrialDays } from "../../../steps/trials/trial-days.js";
import { repoRoot } from "../../support/cli.js";

export const NOF1_FIXTURES = path.join(repoRoot, "test/fixtures/nof1");

/** The design golden.py simulated: randomized cycles of A and B, 7-day periods with 2 washout days, 3 baseline days. */
export const GOLDEN_DESIGN: TrialDesign = {
  format: "strata-trial-design/1",
  treatments: ["A", "B"],
  design: "randomized-cycles",
  cycles: 4,
  periodDays: 7,
  washoutDays: 2,
  baselineDays: 3,
  runInDays: 0,
};

/** series.csv (written by golden.py) as trial days. */
export const goldenDays = (): TrialDays => {
  const [header, ...lines] = fs.readFileSync(path.join(NOF1_FIXTURES, "series.csv"), "utf8").trim().split(/\r?\n/);
  const cells = lines.map((l) => l.split(","));
  const at = (name: string) => header!.split(",").indexOf(name);
  const text = (name: string) => cells.map((c) => (c[at(name)] === "" ? null : c[at(name)]!));
  const int = (name: string) => cells.map((c) => Number(c[at(name)]));
  const table = makeTable([
    { name: "patient", type: "string", values: text("patient") },
    { name: "day", type: "int", values: int("day") },
    { name: "period", type: "int", values: int("period") },
    { name: "cycle", type: "int", values: int("cycle") },
    { name: "treatment", type: "string", values: text("treatment") },
    { name: "phase", type: "string", values: text("phase") },
    { name: "outcome", type: "float", values: text("outcome").map((v) => (v === null ? null : Number(v))) },
  ]);
  return readTrialDays(table, GOLDEN_DESIGN.treatments, (problem) => {
    throw new Error(problem);
  });
};
