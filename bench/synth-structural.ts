/**
 * synth.structural at scale (bench/README.md "Synthetic cohorts: planted truth"): SYNTH_N patients (default 10^6)
 * × 20 columns (patient, 15 covariates of every kind with copula correlations and missingness, two subgroups,
 * site, outcome). Measure in a fresh store:
 *   /usr/bin/time -f "%e s %M KB" node bin/strata.mjs run bench/synth-structural.ts --store "$(mktemp -d)" --no-lock
 */
import { study } from "../dsl/study.js";
import { synthStructural } from "../steps/synth/structural.js";

const n = Number(process.env["SYNTH_N"] ?? 1_000_000);

const normals = Array.from({ length: 8 }, (_, i) => ({ name: `x${i + 1}`, kind: "normal", mean: 0, sd: 1 }) as const);
const lognormals = Array.from({ length: 3 }, (_, i) => ({ name: `lab${i + 1}`, kind: "lognormal", meanlog: 0, sdlog: 0.5 }) as const);
const binaries = Array.from({ length: 3 }, (_, i) => ({ name: `flag${i + 1}`, kind: "binary", p: 0.2 + 0.1 * i }) as const);

export default study("synth-structural-bench", (s) => {
  synthStructural(
    s,
    {
      n,
      covariates: [...normals, ...lognormals, ...binaries, { name: "stage", kind: "categorical", levels: ["I", "II", "III"], probs: [0.5, 0.3, 0.2] }],
      correlation: [
        { a: "x1", b: "x2", rho: 0.5 },
        { a: "x1", b: "lab1", rho: 0.3 },
        { a: "x3", b: "flag1", rho: 0.4 },
        { a: "x4", b: "stage", rho: 0.3 },
      ],
      subgroups: [
        { name: "sex", levels: ["female", "male"], probs: [0.5, 0.5] },
        { name: "age_band", levels: ["young", "old"], probs: [0.6, 0.4] },
      ],
      site: { name: "site", levels: ["A", "B", "C", "D"], probs: [0.4, 0.3, 0.2, 0.1] },
      outcome: {
        intercept: -1,
        coefficients: { x1: 0.5, x2: -0.3, x3: 0.2, lab1: 0.4, flag1: 0.6, "stage=III": 0.8 },
        bySubgroup: [
          { subgroup: "sex", level: "male", intercept: 0.3, coefficients: { x1: 0.4 } },
          { subgroup: "age_band", level: "old", coefficients: { flag1: -0.5 } },
        ],
        interactions: [{ a: "x1", b: "flag1", coef: 0.3 }],
        labelNoise: 0.02,
      },
      missingness: [
        { column: "x5", mechanism: "MCAR", rate: 0.1 },
        { column: "lab2", mechanism: "MAR", rate: 0.2, dependsOn: "x1" },
        { column: "lab3", mechanism: "MNAR", rate: 0.15 },
      ],
    },
    { id: "cohort" },
  );
});
