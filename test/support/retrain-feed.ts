// Batches for the heart-retrain study's feed (data/heart-retrain/), written the way a clinic's export would land.
import * as fs from "node:fs";
import * as path from "node:path";
import { stableRole } from "../../steps/split/stable-holdout.js";
import { repoRoot } from "./cli.js";

const HEADER = "patient,age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal,num";
/** The study's seed (the salt of its split) and test fraction: pipelines/heart-retrain.ts. */
const SPLIT = { seed: 2026, testFraction: 0.3 };

/** The feed folder of a (temporary) project. */
export const batchesOf = (project: string) => path.join(project, "data", "heart-retrain", "batches");

/** Moves the second month into the feed, as the README says to. */
export const appendSecondMonth = (project: string): void =>
  fs.copyFileSync(path.join(project, "data", "heart-retrain", "incoming", "2026-02.csv"), path.join(batchesOf(project), "2026-02.csv"));

/**
 * A planted shift: `count` rows of older women (age ≥ 60, sex 0) from the Cleveland file with their diagnosis
 * flipped, under new patient ids chosen so that the study's split puts every one of them in training. A model
 * retrained on them learns the wrong thing about that subgroup, whose test patients are unchanged.
 */
export const plantedShiftBatch = (project: string, name: string, count: number): void => {
  const cleveland = fs.readFileSync(path.join(repoRoot, "data", "heart-cleveland", "processed.cleveland.data"), "utf8").trim().split("\n");
  const olderWomen = cleveland.map((l) => l.split(",")).filter((f) => !f.includes("?") && Number(f[0]) >= 60 && Number(f[1]) === 0);
  const lines: string[] = [];
  for (let i = 1; lines.length < count; i++) {
    const id = `S${String(i).padStart(5, "0")}`;
    if (stableRole(SPLIT.seed, [id], SPLIT) !== "train") continue;
    const f = olderWomen[lines.length % olderWomen.length]!;
    const flipped = Number(f[13]) > 0 ? "0" : "1";
    lines.push([id, ...f.slice(0, 13), flipped].join(","));
  }
  fs.writeFileSync(path.join(batchesOf(project), name), `${HEADER}\n${lines.join("\n")}\n`);
};
