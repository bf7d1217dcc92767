/**
 * The four UCI heart sites under FLamby's Fed-Heart-Disease protocol (pipelines/heart-sites-common.ts), built with
 * the real CLI and store: 740 rows with the published per-site counts and prevalences, a per-centre stratified
 * 66:34 split, and pooled and per-site L2 logistic regressions (our fitLogistic) equal to scikit-learn's on the same
 * rows within 1e-6 (test/fixtures/heart-sites/golden.py, which parses the committed files on its own). A few-shot
 * cell for a site the table lacks is one user error naming the node.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ContentStore } from "../../artifacts/store.js";
import { decodeParquet } from "../../artifacts/table.js";
import { SITE_FEATURES, SITE_NAMES } from "../../pipelines/heart-sites-common.js";
import { readSiteRows, standardized, takeRows } from "../../steps/train/meta/site-rows.js";
import { fitStandardizer } from "../../steps/preprocess/standardize.js";
import { ROLE_CODE, decodeSplit } from "../../steps/split/split-codec.js";
import { inputMatrix } from "../../steps/train/input-matrix.js";
import { fitLogistic } from "../../steps/train/logistic-regression.js";
import { jsonOf, repoRoot, strata } from "../support/cli.js";
import { makeTempDir, makeTempProject } from "../support/temp-project.js";

interface Golden {
  features: string[];
  l2: number;
  cases: { name: string; sites: string[]; n: number; positives: number; mean: number[]; coef: number[]; intercept: number }[];
}
interface RunJson {
  nodes: { id: string; outputs: Record<string, string> }[];
}

const golden = JSON.parse(fs.readFileSync(path.join(repoRoot, "test/fixtures/heart-sites/golden.json"), "utf8")) as Golden;
const stores: string[] = [];
afterAll(() => {
  for (const s of stores) fs.rmSync(s, { recursive: true, force: true });
});

const fail = (field: string, problem: string): never => {
  throw new Error(`${field}: ${problem}`);
};

describe("pipelines/heart-sites-common.ts (FLamby Fed-Heart-Disease)", () => {
  it("builds 740 rows with the published site counts, splits each centre 66:34 by class, and its logistic regressions match scikit-learn's within 1e-6", async () => {
    const dir = makeTempDir("strata-heart-sites-");
    stores.push(dir);
    const run = jsonOf<RunJson>(await strata(["run", "test/pipelines/heart-sites-table.pipeline.ts", "--store", dir, "--out", path.join(dir, "out"), "--no-lock", "--json"]));
    const store = new ContentStore(dir);
    const digest = (id: string, output: string) => run.nodes.find((n) => n.id === id)!.outputs[output]!;
    const table = decodeParquet(store.get(digest("target", "table")));
    expect(golden.features).toEqual([...SITE_FEATURES]);
    const rows = readSiteRows(table, { features: SITE_FEATURES, target: "target", siteColumn: "site" }, fail);
    expect(rows.n).toBe(740);

    const rowsOf = (sites: readonly string[]) => Int32Array.from(rows.site.flatMap((s, r) => (sites.includes(s) ? [r] : [])));
    const counts = Object.fromEntries(SITE_NAMES.map((site) => {
      const r = rowsOf([site]);
      return [site, { n: r.length, positive: Math.round((100 * Array.from(r).reduce((a, i) => a + rows.y[i]!, 0)) / r.length) }];
    }));
    expect(counts).toEqual({ Cleveland: { n: 303, positive: 46 }, Hungary: { n: 261, positive: 38 }, Switzerland: { n: 46, positive: 98 }, VA: { n: 130, positive: 78 } });

    // Per centre and class, round(0.34 n) rows are test.
    const [holdout] = decodeSplit(decodeParquet(store.get(digest("split", "split"))), rows.n, (problem) => fail("split", problem));
    const roles = holdout!.roles;
    for (const site of SITE_NAMES) {
      for (const label of [0, 1]) {
        const stratum = Array.from(rowsOf([site])).filter((r) => rows.y[r] === label);
        expect(stratum.filter((r) => roles[r] === ROLE_CODE.test).length, `${site} ${label}`).toBe(Math.round(0.34 * stratum.length));
      }
    }

    for (const c of golden.cases) {
      const part = takeRows(rows, rowsOf(c.sites));
      expect([part.n, part.y.reduce((a, v) => a + v, 0)], c.name).toEqual([c.n, c.positives]);
      const s = fitStandardizer(SITE_FEATURES, inputMatrix(part.n, part.d, part.x));
      s.mean.forEach((m, j) => expect(Math.abs(m - c.mean[j]!), `${c.name} mean ${j}`).toBeLessThan(1e-9));
      const fit = fitLogistic(inputMatrix(part.n, part.d, standardized(part.x, part.n, part.d, s)), part.y, golden.l2, 100);
      expect(fit.converged, c.name).toBe(true);
      const worst = Math.max(Math.abs(fit.intercept - c.intercept), ...fit.coef.map((w, j) => Math.abs(w - c.coef[j]!)));
      expect(worst, c.name).toBeLessThan(1e-6);
    }
  }, 60_000);

  it("ends with one message naming the node when a cell's site is not in the table", async () => {
    const project = makeTempProject("strata-heart-sites-bad-");
    stores.push(project);
    fs.writeFileSync(
      path.join(project, "pipelines/bad-site.ts"),
      `import { study } from "../dsl/study.js";
import { fewShotCells } from "../steps/evaluate/few-shot/cell.js";
import { SITE_FEATURES, heartSites } from "./heart-sites-common.js";
export default study("bad-site", (s) => {
  const { table, split } = heartSites(s);
  fewShotCells(table, split, { siteColumn: "site", features: SITE_FEATURES, target: "target", adapt: { steps: 1, lr: 0.1, batchSize: 4, optimizer: "sgd", l2: 0 } }, { sites: ["Basel"], shots: [5], seeds: [1] });
});
`,
    );
    const r = await strata(["run", "pipelines/bad-site.ts", "--no-lock"], { cwd: project });
    expect([1, 2]).toContain(r.code);
    expect(r.stderr).toMatch(/cell-basel-k5-s1/);
    expect(r.stderr).toMatch(/no row has site = "Basel"; the sites are Cleveland, Hungary, Switzerland, VA/);
    expect(r.stderr).not.toMatch(/internal error/i);
  }, 60_000);
});
