// The cases of the bad-input corpus that need no fixture file of their own: pipeline texts written into a temp
// project, CSV fixtures of test/fixtures/bad-input read by a one-node study, and command-line mistakes.
const IMPORTS = `import { study } from "../dsl/study.js";
import { readCsv } from "../steps/ingest/csv.js";
import { stratifiedHoldout } from "../steps/split/holdout.js";
import { kfold } from "../steps/split/kfold.js";
import { defineSubgroups } from "../steps/subgroups/define.js";
import { standardize } from "../steps/preprocess/standardize.js";
const COLUMNS = [{ name: "age", type: "float" }, { name: "sex", type: "float" }, { name: "x", type: "float" }, { name: "y", type: "int" }] as const;
const cohort = (s: any, file = "cohort.csv") => readCsv(s, { path: "test/fixtures/bad-input/" + file, columns: COLUMNS, header: true }, { id: "ingest" });
`;

export interface CorpusCase {
  readonly name: string;
  /** The pipeline's text (after the shared imports), written to pipelines/case.ts; or a path given as is. */
  readonly pipeline?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly exit: 1 | 2;
  readonly mentions: readonly string[];
}

const P = "pipelines/case.ts";
/** A study of the shared imports around `body`, which may use `s` (the study) and `cohort(s, file?)`. */
export const corpusPipeline = (body: string) => `${IMPORTS}export default study("corpus", (s: any) => {\n${body}\n});\n`;
const csvCase = (file: string, mentions: readonly string[], exit: 1 | 2 = 1): CorpusCase => ({ name: `CSV ${file}`, pipeline: corpusPipeline(`cohort(s, ${JSON.stringify(file)});`), exit, mentions: [`test/fixtures/bad-input/${file}`, 'node "ingest" (ingest.csv)', ...mentions] });
const paramCase = (name: string, body: string, node: string, field: string, ...mentions: string[]): CorpusCase => ({ name, pipeline: corpusPipeline(body), exit: 2, mentions: [P, `node "${node}"`, field, ...mentions] });
const loadCase = (name: string, text: string, ...mentions: string[]): CorpusCase => ({ name, pipeline: text, args: ["--load-timeout", "3"], exit: 2, mentions: [P, ...mentions] });

export const corpusCases: readonly CorpusCase[] = [
  // Data the ingest step cannot read: exit 1, the file, node, step and field named.
  csvCase("header-only.csv", ["inputs.file", "no data rows (only a header line)"]),
  csvCase("empty.csv", ["inputs.file", "the file is empty"]),
  csvCase("not-utf8.csv", ["inputs.file", "not valid UTF-8"]),
  csvCase("unclosed-quote.csv", ["inputs.file", "never closed"]),
  csvCase("stray-quote.csv", ["inputs.file", "stray double quote"]),
  csvCase("wrong-type.csv", ["inputs.file", "line 2", '"abc"']),
  csvCase("header-mismatch.csv", ["params.columns", 'field 3 is "z" where "x" is declared']),
  csvCase("extra-column.csv", ["params.columns", "5 fields where 4 are declared"]),
  csvCase("escape-header.csv", ["params.columns", "\\u001b[2J\\nEVIL"]),
  csvCase("no-such.csv", ["inputs.file", "no such data file"]),
  // Params that do not fit the step's schema: exit 2 before anything runs.
  paramCase("holdout testFraction as text", `stratifiedHoldout(cohort(s), { testFraction: "20%" }, { id: "holdout" });`, "holdout", "params.testFraction", "Expected number"),
  paramCase("holdout testFraction null", `stratifiedHoldout(cohort(s), { testFraction: null }, { id: "holdout" });`, "holdout", "params.testFraction"),
  paramCase("holdout unknown param", `stratifiedHoldout(cohort(s), { testFraction: 0.2, fraction: 1 }, { id: "holdout" });`, "holdout", "params.fraction"),
  paramCase("kfold k of 1", `const t = cohort(s); kfold(t, stratifiedHoldout(t, { testFraction: 0.2 }, { id: "holdout" }), { k: 1, seeds: [1], subgroup: "sex", target: "y" }, { id: "cv" });`, "cv", "params.k"),
  paramCase("kfold k as text", `const t = cohort(s); kfold(t, stratifiedHoldout(t, { testFraction: 0.2 }, { id: "holdout" }), { k: "5", seeds: [1], subgroup: "sex", target: "y" }, { id: "cv" });`, "cv", "params.k"),
  paramCase("kfold no seeds", `const t = cohort(s); kfold(t, stratifiedHoldout(t, { testFraction: 0.2 }, { id: "holdout" }), { k: 5, seeds: [], subgroup: "sex", target: "y" }, { id: "cv" });`, "cv", "params.seeds"),
  paramCase("kfold a seed twice", `const t = cohort(s); kfold(t, stratifiedHoldout(t, { testFraction: 0.2 }, { id: "holdout" }), { k: 5, seeds: [1, 1], subgroup: "sex", target: "y" }, { id: "cv" });`, "cv", "params.seeds", "a seed is listed twice"),
  paramCase("kfold negative seed", `const t = cohort(s); kfold(t, stratifiedHoldout(t, { testFraction: 0.2 }, { id: "holdout" }), { k: 5, seeds: [-1], subgroup: "sex", target: "y" }, { id: "cv" });`, "cv", "params.seeds[0]"),
  paramCase("standardize no columns", `const t = cohort(s); standardize(t, stratifiedHoldout(t, { testFraction: 0.2 }, { id: "holdout" }), { columns: [] }, { id: "std" });`, "std", "params.columns"),
  paramCase("standardize a column twice", `const t = cohort(s); standardize(t, stratifiedHoldout(t, { testFraction: 0.2 }, { id: "holdout" }), { columns: ["x", "x"] }, { id: "std" });`, "std", "params.columns", "a column is listed twice"),
  paramCase("subgroups unknown column", `defineSubgroups(cohort(s), { rules: [{ column: "agegroup", cuts: [60], labels: ["a", "b"] }], target: "y" }, { id: "subgroups" });`, "subgroups", "params.rules[0].column", '"agegroup"'),
  paramCase("subgroups unknown target", `defineSubgroups(cohort(s), { rules: [{ column: "age", cuts: [60], labels: ["a", "b"] }], target: "outcome" }, { id: "subgroups" });`, "subgroups", "params.target", '"outcome"'),
  paramCase("subgroups unknown param", `defineSubgroups(cohort(s), { rules: [{ column: "age", cuts: [60], labels: ["a", "b"] }], target: "y", extra: true }, { id: "subgroups" });`, "subgroups", "params.extra"),
  paramCase("csv unknown param", `readCsv(s, { path: "test/fixtures/bad-input/cohort.csv", columns: COLUMNS, header: true, sep: ";" }, { id: "ingest" });`, "ingest", "params.sep"),
  paramCase("csv header as text", `readCsv(s, { path: "test/fixtures/bad-input/cohort.csv", columns: COLUMNS, header: "yes" }, { id: "ingest" });`, "ingest", "params.header"),
  paramCase("csv unknown column type", `readCsv(s, { path: "test/fixtures/bad-input/cohort.csv", columns: [{ name: "age", type: "decimal" }], header: true }, { id: "ingest" });`, "ingest", "params.columns[0].type"),
  paramCase("csv path outside the project", `readCsv(s, { path: "../outside.csv", columns: COLUMNS, header: true }, { id: "ingest" });`, "ingest", "inputs.file", "inside the project"),
  paramCase("csv absolute path", `readCsv(s, { path: "/etc/passwd", columns: COLUMNS, header: true }, { id: "ingest" });`, "ingest", "inputs.file", "inside the project"),
  paramCase("a node id with a space", `readCsv(s, { path: "test/fixtures/bad-input/cohort.csv", columns: COLUMNS, header: true }, { id: "in gest" });`, "in gest", "field id"),
  paramCase("two nodes with one id", `cohort(s); cohort(s);`, "ingest", "field id", "another node already has id"),
  paramCase("a negative seed", `readCsv(s, { path: "test/fixtures/bad-input/cohort.csv", columns: COLUMNS, header: true }, { id: "ingest", seed: -1 });`, "ingest", "field seed"),
  paramCase("a handle of another study", `const other = study("other", (o: any) => { (globalThis as any).kept = cohort(o); }); void other; stratifiedHoldout((globalThis as any).kept, { testFraction: 0.2 }, { id: "holdout" });`, "holdout", "field inputs", 'the study "other" is already built'),
  paramCase("a handle inside another study's builder", `const t = cohort(s); study("inner", () => { stratifiedHoldout(t, { testFraction: 0.2 }, { id: "holdout" }); });`, "holdout", "field inputs", 'its inputs come from study "corpus", not from "inner"'),
  // A pipeline file that cannot be loaded: exit 2, the file named, and never a hang or a silent exit.
  loadCase("a throw at load", `${IMPORTS}throw new Error("no data today");\n`, "threw while loading: no data today"),
  loadCase("a throw in the builder", `${IMPORTS}export default study("x", () => { throw new TypeError("bad wiring"); });\n`, "threw while loading: TypeError: bad wiring", "pipelines/case.ts:"),
  loadCase("an endless loop in the builder", `${IMPORTS}export default study("x", () => { for (;;) {} });\n`, "did not finish loading within 3 s", "--load-timeout"),
  loadCase("an endless loop at load", `${IMPORTS}while (Date.now() > 0) {}\nexport default study("x", () => {});\n`, "did not finish loading within 3 s"),
  loadCase("a top-level await that never settles", `${IMPORTS}await new Promise(() => {});\nexport default study("x", () => {});\n`, "a top-level await"),
  loadCase("a top-level await on a slow timer", `${IMPORTS}await new Promise((r) => setTimeout(r, 60_000));\nexport default study("x", () => {});\n`, "did not finish loading within 3 s"),
  loadCase("process.exit(0) at load", `${IMPORTS}process.exit(0);\n`, "called process.exit(0) while loading"),
  loadCase("process.exit(3) in the builder", `${IMPORTS}export default study("x", () => { process.exit(3); });\n`, "called process.exit(3) while loading"),
  loadCase("process.exit in a timer", `${IMPORTS}setTimeout(() => process.exit(0), 10);\nawait new Promise((r) => setTimeout(r, 200));\nexport default study("x", () => {});\n`, "called process.exit(0) while loading"),
  loadCase("a rejected promise at load", `${IMPORTS}await Promise.reject(new Error("fetch failed"));\n`, "threw while loading: fetch failed"),
  loadCase("no default export", `${IMPORTS}export const x = 1;\n`, "no study as its default export"),
  loadCase("a default export that is not a study", `${IMPORTS}export default { name: "x" };\n`, "no study as its default export"),
  loadCase("a study with no nodes", `${IMPORTS}export default study("x", () => {});\n`, "declares no steps"),
  loadCase("a study name with a slash", `${IMPORTS}export default study("a/b", (s: any) => { cohort(s); });\n`, "study name"),
  loadCase("a syntax error", `${IMPORTS}export default study("x", (s: any) => {\n`, "Unexpected end of file"),
  loadCase("an import that does not exist", `import { study } from "../dsl/studies.js";\nexport default study("x", () => {});\n`, "check the import paths"),
  // Command-line mistakes: exit 2 (or 1 for a store that cannot be written), before any work.
  { name: "a pipeline that is a folder", args: ["run", "test/fixtures"], exit: 2, mentions: ["test/fixtures", "is a folder, not a pipeline file"] },
  { name: "package.json as the pipeline", args: ["run", "package.json"], exit: 2, mentions: ["package.json", "is not a pipeline file (.ts or .yaml)"] },
  { name: "a CSV as the pipeline", args: ["run", "test/fixtures/bad-input/cohort.csv"], exit: 2, mentions: ["cohort.csv", "is not a pipeline file (.ts or .yaml)"] },
  { name: "a pipeline that does not exist", args: ["run", "pipelines/nope.ts"], exit: 2, mentions: ["pipelines/nope.ts", "no such pipeline file"] },
  { name: "no pipeline", args: ["run"], exit: 2, mentions: ["expected one pipeline file, got 0"] },
  { name: "two pipelines", args: ["run", "pipelines/heart-disease.ts", "pipelines/heart-retrain.ts"], exit: 2, mentions: ["expected one pipeline file, got 2"] },
  { name: "--concurrency -1", args: ["run", "pipelines/heart-disease.ts", "--concurrency", "-1"], exit: 2, mentions: ["--concurrency", "greater than 0", '"-1"'] },
  { name: "--concurrency 0", args: ["run", "pipelines/heart-disease.ts", "--concurrency", "0"], exit: 2, mentions: ["--concurrency", "greater than 0"] },
  { name: "--concurrency 1.5", args: ["run", "pipelines/heart-disease.ts", "--concurrency", "1.5"], exit: 2, mentions: ["--concurrency", "integer"] },
  { name: "--concurrency abc", args: ["run", "pipelines/heart-disease.ts", "--concurrency", "abc"], exit: 2, mentions: ["--concurrency", '"abc"'] },
  { name: "--load-timeout -5", args: ["run", "pipelines/heart-disease.ts", "--load-timeout", "-5"], exit: 2, mentions: ["--load-timeout", "greater than 0"] },
  { name: "STRATA_LOAD_TIMEOUT=soon", args: ["run", "pipelines/heart-disease.ts"], env: { STRATA_LOAD_TIMEOUT: "soon" }, exit: 2, mentions: ["STRATA_LOAD_TIMEOUT", '"soon"'] },
  { name: "an unknown flag", args: ["run", "pipelines/heart-disease.ts", "--fast"], exit: 2, mentions: ["strata run", "--fast"] },
  { name: "--engine other", args: ["run", "pipelines/heart-disease.ts", "--engine", "spark"], exit: 2, mentions: ["--engine"] },
  { name: "an unknown command", args: ["rn", "pipelines/heart-disease.ts"], exit: 2, mentions: ['unknown command "rn"'] },
];
