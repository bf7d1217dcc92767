import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import { columnValues, decodeParquet } from "../../artifacts/table.js";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir, makeTempProject } from "../support/temp-project.js";

/**
 * trial.check through the real CLI on data/nof1-example/trial.csv and broken copies of it: a good file gives the
 * trial tables; each broken one ends with one message naming the field, the patient and the line, exit 1, and a
 * store holding nothing of the failed node.
 */
const project = makeTempProject("strata-trial-check-");
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));
const original = fs.readFileSync(path.join(project, "data/nof1-example/trial.csv"), "utf8");
const lines = original.trimEnd().split("\n");

const pipeline = (file: string, outcomeType = "float") => `import { study } from "../dsl/study.js";
import { readCsv } from "../steps/ingest/csv.js";
import { checkTrial } from "../steps/trials/check.js";
const COLUMNS = [{ name: "patient", type: "string" }, { name: "day", type: "int" }, { name: "treatment", type: "string" }, { name: "outcome", type: "${outcomeType}" }, { name: "age", type: "int" }, { name: "female", type: "int" }] as const;
export default study("nof1-check", (s) => {
  const t = readCsv(s, { path: "data/nof1-example/${file}", columns: COLUMNS, header: true }, { id: "ingest" });
  checkTrial(t, { treatments: ["placebo", "drug"], design: "alternating", washoutDays: 2, covariates: ["age", "female"] }, { id: "check" });
});
`;

const runCase = async (name: string, csv: string, outcomeType = "float") => {
  fs.writeFileSync(path.join(project, "data/nof1-example", `${name}.csv`), csv);
  fs.writeFileSync(path.join(project, "pipelines", `${name}.ts`), pipeline(`${name}.csv`, outcomeType));
  const store = makeTempDir();
  const r = await strata(["run", `pipelines/${name}.ts`, "--store", store, "--no-lock", "--json"], { cwd: project });
  return { r, store };
};

/** The file with line `n` (1-based, the header is line 1) replaced by `edit(line)`. */
const editLine = (n: number, edit: (line: string) => string): string => `${lines.map((l, i) => (i === n - 1 ? edit(l) : l)).join("\n")}\n`;

const badCases = [
  { name: "unknown-treatment", csv: () => editLine(100, (l) => l.replace(/,(placebo|drug),/, ",durg,")), mentions: ["params.columns.treatment", 'treatment "durg"', "line 100 of data/nof1-example/unknown-treatment.csv", 'patient "P03"'] },
  {
    name: "missing-treatment",
    csv: () => `${lines.map((l) => (l.startsWith("P05,") ? l.replace(",drug,", ",placebo,") : l)).join("\n")}\n`,
    mentions: ["params.columns.treatment", 'patient "P05"', "line 170 of data/nof1-example/missing-treatment.csv", 'never has "drug"'],
  },
  { name: "overlapping-day", csv: () => `${[...lines.slice(0, 51), lines[50]!.replace(/,[^,]*,([^,]*),([^,]*)$/, ",1.000,$1,$2"), ...lines.slice(51)].join("\n")}\n`, mentions: ["params.columns.day", 'day 8 of patient "P02" appears twice', "line 51 of", "line 52 of", "overlap"] },
  { name: "days-out-of-order", csv: () => `${[...lines.slice(0, 60), lines[61]!, lines[60]!, ...lines.slice(62)].join("\n")}\n`, mentions: ["params.columns.day", 'patient "P02"', "day 18", "line 62 of", "increasing order"] },
  { name: "text-outcome", csv: () => editLine(30, (l) => l.replace(/^([^,]*,[^,]*,[^,]*),[^,]*,/, "$1,seven,")), outcomeType: "string", mentions: ["params.columns.outcome", '"seven"', "line 30 of", 'patient "P01"', "not a number"] },
  { name: "varying-covariate", csv: () => editLine(90, (l) => l.replace(/,(\d+),([01])$/, ",99,$2")), mentions: ["params.covariates[0]", '"age" of patient "P03"', "line 86 of", "line 90 of", "one value per patient"] },
];

describe("trial.check through the CLI", () => {
  it("turns the example file into the trial tables and a design document", async () => {
    const { r, store } = await runCase("good", original);
    const run = jsonOf<{ nodes: { id: string; outputs: Record<string, string> }[] }>(r);
    const check = run.nodes.find((n) => n.id === "check")!;
    const objectPath = (digest: string) => new ContentStore(store).get(digest);
    expect(JSON.parse(new TextDecoder().decode(objectPath(check.outputs.design!)))).toEqual({
      format: "strata-trial-design/1", treatments: ["placebo", "drug"], design: "alternating", cycles: 3, periodDays: 7, washoutDays: 2, baselineDays: 0, runInDays: 0,
    });
    const outcomes = decodeParquet(objectPath(check.outputs.outcomes!));
    expect(outcomes.numRows).toBe(504);
    expect(outcomes.schema.fields.map((f) => f.name)).toEqual(["patient", "day", "period", "cycle", "treatment", "phase", "outcome"]);
    const phase = columnValues(outcomes, "phase").slice(0, 14);
    expect(phase).toEqual(["washout", "washout", "active", "active", "active", "active", "active", "washout", "washout", "active", "active", "active", "active", "active"]);
    expect(columnValues(outcomes, "period").slice(0, 15)).toEqual([1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3]);
    expect(columnValues(outcomes, "cycle").slice(0, 15)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    expect(columnValues(outcomes, "outcome").filter((v) => v === null).length).toBe(original.split("\n").filter((l) => /^P\d+,\d+,\w+,,/.test(l)).length);
    const patients = decodeParquet(objectPath(check.outputs.patients!));
    expect(patients.schema.fields.map((f) => f.name)).toEqual(["patient", "age", "female"]);
    expect(columnValues(patients, "patient")).toHaveLength(12);
  }, 60_000);

  it.each(badCases)("$name: one message naming field, patient and line; exit 1; nothing of the node stored", async ({ name, csv, outcomeType, mentions }) => {
    const { r, store } = await runCase(name, csv(), outcomeType);
    expect(r.code, r.stderr).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("strata: error:"));
    expect(errors, r.stderr).toHaveLength(1);
    for (const m of [`node "check" (trial.check)`, ...mentions]) expect(errors[0]).toContain(m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const content = new ContentStore(store);
    expect(content.listTemp()).toEqual([]);
    for (const digest of content.listObjects()) expect(content.check(digest)).toBeUndefined();
    expect(fs.existsSync(path.join(store, "refs"))).toBe(false);
    const index = path.join(store, "index");
    const entries = fs.existsSync(index) ? fs.readdirSync(index, { recursive: true }).map(String).filter((f) => f.endsWith(".json")) : [];
    for (const f of entries) expect((JSON.parse(fs.readFileSync(path.join(index, f), "utf8")) as { step: string }).step).not.toBe("trial.check");
  }, 60_000);
});
