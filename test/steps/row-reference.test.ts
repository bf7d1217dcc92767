import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { StudyGraph } from "../../dsl/study.js";
import { csvStep, readCsv } from "../../steps/ingest/csv.js";
import { dropMissing } from "../../steps/preprocess/drop-missing.js";
import { ordinalEncode } from "../../steps/preprocess/ordinal-encode.js";
import { rowNamer, rowSourceWiring } from "../../steps/row-reference.js";
import { strata } from "../support/cli.js";
import { HarnessFolder, runStep } from "../support/step-harness.js";
import { makeTempDir, makeTempProject } from "../support/temp-project.js";

const COLUMNS = [
  { name: "id", type: "int" },
  { name: "note", type: "string" },
  { name: "num", type: "float" },
] as const;

/** A header, a record whose quoted field spans lines 3-4, and a missing `num` on line 5. */
const MULTI_LINE = 'id,note,num\n1,plain,0\n2,"two\nlines",1\n3,x,\n';

const ingest = (text: string | Record<string, string>) =>
  runStep(csvStep, { file: typeof text === "string" ? new TextEncoder().encode(text) : new HarnessFolder(text) }, { columns: COLUMNS, header: true });

const missingDoc = async (text: string | Record<string, string>) => (await ingest(text)).missing as { lines?: { files: string[]; segments: number[] } };

describe("ingest.csv records where each row starts", () => {
  it("records nothing when row r is line r + 2 (header counted), so a plain file's missing output is unchanged", async () => {
    expect(await missingDoc("id,note,num\n1,a,0\n2,b,1\n")).not.toHaveProperty("lines");
  });

  it("records a segment where a quoted field spans lines, and names every row by its file's own line", async () => {
    const doc = await missingDoc(MULTI_LINE);
    expect(doc.lines).toEqual({ files: ["file"], segments: [0, 0, 2, 2, 0, 5] });
    const name = rowNamer("table", { path: "data/x.csv", firstLine: 2 }, { json: () => doc } as never);
    expect([0, 1, 2].map(name)).toEqual(["line 2 of data/x.csv", "line 3 of data/x.csv", "line 5 of data/x.csv"]);
  });

  it("names the file of a folder source each row came from", async () => {
    const doc = await missingDoc({ "a.csv": "id,note,num\n1,a,0\n2,b,1\n", "b.csv": "id,note,num\n3,c,\n" });
    const name = rowNamer("table", { path: "data/batches/", firstLine: 2 }, { json: () => doc } as never);
    expect([0, 1, 2].map(name)).toEqual(["line 2 of data/batches/a.csv", "line 3 of data/batches/a.csv", "line 2 of data/batches/b.csv"]);
  });

  it("names the one file of a folder source that holds a single file, whose map is the identity", async () => {
    const doc = await missingDoc({ "a.csv": "id,note,num\n1,a,0\n" });
    expect(doc).not.toHaveProperty("lines");
    expect(rowNamer("table", { path: "data/batches/", firstLine: 2 }, { json: () => doc } as never)(0)).toBe("line 2 of the one file in data/batches/");
  });

  it("names a row with no traced source by its 1-based number in the input", () => {
    expect(rowNamer("table")(0)).toBe("row 1 (1-based) of input table");
  });
});

describe("the plan carries a table's row source only through steps that keep rows in order", () => {
  const planned = (drop: boolean) => {
    const graph = new StudyGraph("rows", 0);
    const raw = readCsv(graph, { path: "data/x.csv", columns: COLUMNS, header: true });
    const encoded = ordinalEncode(drop ? dropMissing(raw) : raw, { columns: ["note"] });
    return rowSourceWiring(encoded);
  };
  it("traces an ingest.csv table through an encoding to its file and first data line", () => {
    const wiring = planned(false);
    expect(wiring.params).toEqual({ rowSource: { path: "data/x.csv", firstLine: 2 } });
    expect(wiring.rowLines?.ref).toEqual({ node: "csv", output: "missing" });
  });
  it("stops at a step that removes rows, so the plan of such a study is unchanged", () => {
    expect(planned(true)).toEqual({ params: {}, rowLines: undefined });
  });
});

describe("a data error two nodes after ingest names the file's own line, through the real CLI", () => {
  const project = makeTempProject("strata-row-lines-");
  const store = makeTempDir("strata-row-lines-store-");
  afterAll(() => {
    fs.rmSync(project, { recursive: true, force: true });
    fs.rmSync(store, { recursive: true, force: true });
  });
  const run = async (name: string, prepare: string) => {
    fs.writeFileSync(
      path.join(project, "pipelines", `${name}.ts`),
      [
        'import { study } from "../dsl/study.js";',
        'import { readCsv } from "../steps/ingest/csv.js";',
        'import { binaryTarget } from "../steps/preprocess/binary-target.js";',
        'import { dropMissing } from "../steps/preprocess/drop-missing.js";',
        `const columns = ${JSON.stringify(COLUMNS)} as const;`,
        `export default study("${name}", (s) => {`,
        '  const raw = readCsv(s, { path: "data/rows.csv", columns, header: true }, { id: "ingest" });',
        `  binaryTarget(${prepare}, { column: "num", op: ">", value: 0 }, { id: "target" });`,
        "});",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(path.join(project, "data", "rows.csv"), MULTI_LINE);
    const r = await strata(["run", `pipelines/${name}.ts`, "--store", store, "--no-lock", "--out", path.join(store, name)], { cwd: project });
    expect(r.code, r.stderr).toBe(1);
    return r.stderr.split("\n").filter((l) => l.startsWith("strata: error:"));
  };

  it("line 5 of data/rows.csv, past a record spanning two lines", async () => {
    const errors = await run("traced", "raw");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('node "target"');
    expect(errors[0]).toContain('column "num" is null at line 5 of data/rows.csv; drop or impute missing values first');
  });

  it("the 1-based row of the input after a step that removes rows", async () => {
    const errors = await run("untraced", 'dropMissing(raw, { columns: ["id"] })');
    expect(errors[0]).toContain('column "num" is null at row 3 (1-based) of input table');
  });
});

describe("a train step names a feature's missing value by the file's own line, through the real CLI", () => {
  const project = makeTempProject("strata-row-lines-train-");
  const store = makeTempDir("strata-row-lines-train-store-");
  afterAll(() => {
    fs.rmSync(project, { recursive: true, force: true });
    fs.rmSync(store, { recursive: true, force: true });
  });

  it("line 7 of data/train.csv, past a record spanning two lines; the builder wired the source into the plan", async () => {
    // Row 4 (0-based) of the table is line 7: the header, rows on lines 2, 3, 4-5 (a quoted note) and 6, then x missing.
    const rows = ["id,note,x,y", "1,a,0.5,0", '2,"two', 'lines",1.5,1', "3,c,2.5,0", "4,d,3.5,1", "5,e,,0"];
    for (let i = 6; i < 40; i++) rows.push(`${i},n,${(i % 7) / 2},${i % 2}`);
    fs.writeFileSync(path.join(project, "data", "train.csv"), `${rows.join("\n")}\n`);
    fs.writeFileSync(
      path.join(project, "pipelines", "train-lines.ts"),
      [
        'import { study } from "../dsl/study.js";',
        'import { readCsv } from "../steps/ingest/csv.js";',
        'import { stratifiedHoldout } from "../steps/split/holdout.js";',
        'import { trainLogisticRegression } from "../steps/train/logistic-regression.js";',
        'const columns = [{ name: "id", type: "int" }, { name: "note", type: "string" }, { name: "x", type: "float" }, { name: "y", type: "int" }] as const;',
        'export default study("train-lines", (s) => {',
        '  const raw = readCsv(s, { path: "data/train.csv", columns, header: true }, { id: "ingest" });',
        '  const split = stratifiedHoldout(raw, { testFraction: 0.25 }, { id: "holdout" });',
        '  trainLogisticRegression(raw, split, { features: ["x"], target: "y" }, { id: "train" });',
        "});",
        "",
      ].join("\n"),
    );
    const plan = await strata(["plan", "pipelines/train-lines.ts", "--json"], { cwd: project });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('"rowSource"');
    const r = await strata(["run", "pipelines/train-lines.ts", "--store", store, "--no-lock", "--out", path.join(store, "out")], { cwd: project });
    expect(r.code, r.stderr).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("strata: error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('node "train"');
    expect(errors[0]).toContain('column "x" has a missing or non-finite value at line 7 of data/train.csv');
  });
});
