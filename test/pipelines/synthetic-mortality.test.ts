/**
 * The synthetic mortality stand-in (pipelines/synthetic-mortality*.ts). The full study is too heavy for CI; its
 * small variant runs the same builder through the real CLI and store, and the Table-2-format report must hold the
 * four subgroups with exactly the requested test counts, the three methods, the stand-in label and the paper's
 * claim. The full study's exact counts are checked on its settings (the arithmetic the holdout applies).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SYNTHETIC_MORTALITY } from "../../pipelines/synthetic-mortality.js";
import { GROUPS, PAPER_CLAIM, cohortCounts } from "../../pipelines/synthetic-mortality-common.js";
import { jsonOf, strata } from "../support/cli.js";
import { makeTempDir } from "../support/temp-project.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("pipelines/synthetic-mortality.ts", () => {
  it("sizes the full cohort so the holdout gives 14,681 training and exactly the paper's test patients per subgroup", () => {
    const { counts, testFraction } = cohortCounts(SYNTHETIC_MORTALITY);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(14_681 + 3_236);
    // split.holdout holds out Math.round(n × testFraction) of each subgroup's rows
    expect(counts.map((n) => Math.round(n * testFraction))).toEqual([898, 1016, 432, 616, 274]);
    expect(() => cohortCounts({ ...SYNTHETIC_MORTALITY, trainPatients: 14_672 })).toThrow(/change trainPatients by a few/);
  });

  it("writes the stand-in's table in the paper's format: four subgroups with their test n, three methods, the label and the claim", async () => {
    const dir = makeTempDir("strata-synthetic-mortality-");
    dirs.push(dir);
    const run = jsonOf<{ nodes: { id: string }[] }>(
      await strata(["run", "test/pipelines/synthetic-mortality-small.pipeline.ts", "--store", path.join(dir, "store"), "--out", path.join(dir, "out"), "--no-lock", "--json"]),
    );
    expect(run.nodes.map((n) => n.id)).toEqual(expect.arrayContaining(["cohort", "holdout", "train-generic", "train-dcp", "train-cond-bias", "evaluate", "report"]));
    const md = fs.readFileSync(path.join(dir, "out", "report.md"), "utf8");
    expect(md).toContain("| Group | Cohort n | Test n | Cond. bias (%) | DCP (%) | Generic (%) | Cond. bias gain (points) | DCP gain (points) |");
    const testN = { old_female: 112, old_male: 127, young_female: 54, young_male: 77, other: 34 };
    for (const group of GROUPS) {
      const row = md.split("\n").find((l) => l.startsWith(`| ${group.replace("_", "\\_")} |`));
      expect(row, group).toBeDefined();
      const cells = row!.split("|").map((c) => c.trim());
      expect(cells[3], `${group}: test n`).toBe(String(testN[group]));
      // accuracies of the three methods as mean ± sd, and the two gains
      for (const cell of cells.slice(4, 9)) expect(cell, group).toMatch(/^[+-]?\d+\.\d\d ± \d+\.\d\d$/);
    }
    expect(md).toContain("A SYNTHETIC STAND-IN, NOT A REPLICATION");
    expect(md).toContain("The paper's Table 2 numbers are not reproduced here");
    expect(md).toContain("## The paper's claim");
    expect(md).toContain(`"${PAPER_CLAIM.text}"`);
    expect(md).toMatch(/Here Cond\. bias has a positive mean gain over Generic with no significant harm in \d of 5 subgroups/);
    expect(md).toContain("60 features (50 continuous");
  }, 240_000);
});
