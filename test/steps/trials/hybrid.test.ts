import { readFileSync } from "node:fs";
import type * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { columnValues, makeTable } from "../../../artifacts/table.js";
import { predictionsTable } from "../../../steps/evaluate/predictions.js";
import { cohenKappa } from "../../../steps/trials/hybrid-agreement.js";
import { type HybridDoc, readHybridDoc } from "../../../steps/trials/hybrid-document.js";
import { hybridStep } from "../../../steps/trials/hybrid.js";
import { runStep } from "../../support/step-harness.js";

interface GoldenFigures {
  readonly n: number;
  readonly agree: number;
  readonly rate: number;
  readonly wilsonLower: number;
  readonly wilsonUpper: number;
  readonly kappa: number;
  readonly kappaSe: number;
  readonly kappaLower: number;
  readonly kappaUpper: number;
  readonly slope: number;
  readonly intercept: number;
  readonly slopeSe: number;
  readonly correlation: number;
}
interface GoldenCase {
  readonly patients: string[];
  readonly pReference: number[];
  readonly pTreatment: number[];
  readonly shrunken: number[];
  readonly halfWidth: number[];
  readonly group: string[];
  readonly expected: { readonly overall: GoldenFigures; readonly a: GoldenFigures; readonly b: GoldenFigures; readonly confidentWrong: string[] };
}
const golden = JSON.parse(readFileSync(new URL("../../fixtures/trials/hybrid_golden.json", import.meta.url), "utf8")) as { readonly cases: GoldenCase[] };

/** Two replicates with the same scores: their mean is the score itself, exactly. */
const predictions = (probs: readonly number[]): arrow.Table => {
  const rows = probs.map((_, r) => r);
  return predictionsTable([0, 1].map((replicate) => ({ replicate, seed: replicate, fold: 0, rows, probs })));
};

/** The step's inputs from a golden case; `flip` writes the effects on the "lower is better" scale. */
const inputsOf = (c: GoldenCase, flip = false) => {
  const sign = flip ? -1 : 1;
  const effect = c.shrunken.map((e) => sign * e);
  const lower = c.shrunken.map((e, i) => (flip ? -(e + c.halfWidth[i]!) : e - c.halfWidth[i]!));
  const upper = c.shrunken.map((e, i) => (flip ? -(e - c.halfWidth[i]!) : e + c.halfWidth[i]!));
  const patient = { name: "patient", type: "string", values: c.patients } as const;
  return {
    summary: { format: "strata-trial-analysis/1", reference: "usual", treatment: "new", better: flip ? "lower" : "higher", mcid: 0, level: 0.95, primary: "mean-diff", methods: { "mean-diff": "paired t over cycles" } },
    patients: makeTable([patient, { name: "group", type: "string", values: c.group }, { name: "x", type: "float", values: c.pReference }]),
    effects: makeTable([patient, { name: "effect", type: "float", values: effect }, { name: "lower", type: "float", values: lower }, { name: "upper", type: "float", values: upper }]),
    shrunken: makeTable([
      patient,
      { name: "effect", type: "float", values: effect },
      { name: "shrunken", type: "float", values: effect },
      { name: "shrunken_lower", type: "float", values: lower },
      { name: "shrunken_upper", type: "float", values: upper },
    ]),
    referencePredictions: predictions(c.pReference),
    treatmentPredictions: predictions(c.pTreatment),
  };
};

const run = async (c: GoldenCase, params: object, flip = false) => {
  const out = await runStep(hybridStep, inputsOf(c, flip), { subgroup: "group", ...params });
  return { doc: readHybridDoc(out.hybrid, (p) => expect.fail(p)), agreement: out.agreement as arrow.Table };
};

const close = (actual: number | null, expected: number) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThan(1e-9);
};

const expectGolden = (doc: HybridDoc, expected: GoldenCase["expected"]) => {
  for (const group of ["overall", "a", "b"] as const) {
    const g = doc.groups.find((x) => x.group === group)!;
    const e = expected[group];
    expect([g.n, g.confirmation.agree]).toEqual([e.n, e.agree]);
    close(g.confirmation.rate, e.rate);
    close(g.confirmation.lower, e.wilsonLower);
    close(g.confirmation.upper, e.wilsonUpper);
    close(g.kappa.kappa, e.kappa);
    close(g.kappa.se, e.kappaSe);
    close(g.kappa.lower, e.kappaLower);
    close(g.kappa.upper, e.kappaUpper);
    close(g.calibration.slope, e.slope);
    close(g.calibration.intercept, e.intercept);
    close(g.calibration.slopeSe, e.slopeSe);
    close(g.calibration.correlation, e.correlation);
  }
};

describe("trial.hybrid", () => {
  it("matches scikit-learn's kappa, statsmodels' kappa se and Wilson interval, and scipy's calibration line, overall and per subgroup", async () => {
    for (const c of golden.cases) {
      const { doc } = await run(c, { minCell: 1, listPatients: true });
      expect(doc.groups.map((g) => g.group)).toEqual(["overall", "a", "b"]);
      expectGolden(doc, c.expected);
      expect(doc.confidentWrongPatients).toEqual(c.expected.confidentWrong);
      expect(doc.groups[0]!.confidentWrong).toBe(c.expected.confidentWrong.length);
    }
  });

  it("gives the same figures when lower outcomes are better and the effects are written on that scale", async () => {
    const c = golden.cases[0]!;
    const { doc } = await run(c, { minCell: 1, listPatients: true }, true);
    expect([doc.reference, doc.treatment, doc.params.better]).toEqual(["usual", "new", "lower"]);
    expectGolden(doc, c.expected);
    expect(doc.confidentWrongPatients).toEqual(c.expected.confidentWrong);
  });

  it("counts the confident-and-wrong people without naming them unless the study asks", async () => {
    const { doc } = await run(golden.cases[0]!, { minCell: 1 });
    expect(doc.confidentWrongPatients).toBeNull();
    expect(doc.groups[0]!.confidentWrong).toBe(3);
  });

  it("marks small groups and their complement, bins and counts by the suppression rule", async () => {
    // case 2: subgroup b has 9 people, a 22; with minCell 10, b is small and a (the only other) hidden with it.
    const { doc } = await run(golden.cases[1]!, { minCell: 10, bins: 4 });
    const [overall, a, b] = doc.groups;
    expect([overall!.visibility, a!.visibility, b!.visibility]).toEqual(["shown", "complement", "small"]);
    // 3 confident-and-wrong people overall: a count under 10 is hidden.
    expect(overall!.confidentWrongVisibility).toBe("small");
    // overall's 31 people in 4 bins of 7 or 8: each bin is under 10 people.
    expect(overall!.bins.map((x) => x.n)).toEqual([8, 8, 8, 7]);
    expect(overall!.bins.every((x) => x.visibility === "small")).toBe(true);
    expect(b!.bins.every((x) => x.visibility === "small")).toBe(true);
  });

  it("writes a per-person agreement table the document's figures follow from", async () => {
    const c = golden.cases[0]!;
    const { doc, agreement } = await run(c, { minCell: 1 });
    const confirmed = columnValues(agreement, "confirmed") as number[];
    expect(confirmed.filter((v) => v === 1).length).toBe(doc.groups[0]!.confirmation.agree);
    const predicted = columnValues(agreement, "predicted_benefit") as number[];
    predicted.forEach((p, i) => expect(p).toBe(c.pTreatment[i]! - c.pReference[i]!));
    expect(columnValues(agreement, "group")).toEqual(c.group);
  });

  it("leaves people without an N-of-1 result out of every figure and counts them", async () => {
    const c = golden.cases[0]!;
    const inputs = inputsOf(c);
    const shrunken = makeTable([
      { name: "patient", type: "string", values: c.patients.slice(0, 50) },
      { name: "shrunken", type: "float", values: c.shrunken.slice(0, 50).map((e, i) => (i === 0 ? null : e)) },
      { name: "shrunken_lower", type: "float", values: c.shrunken.slice(0, 50) },
      { name: "shrunken_upper", type: "float", values: c.shrunken.slice(0, 50) },
    ]);
    const out = await runStep(hybridStep, { ...inputs, shrunken }, {});
    const doc = readHybridDoc(out.hybrid, (p) => expect.fail(p));
    expect([doc.patients, doc.analysed, doc.excluded]).toEqual([60, 49, 11]);
    expect(doc.groups.map((g) => g.group)).toEqual(["overall"]);
  });

  it("decides by trial.analyze's effect when asked", async () => {
    const c = golden.cases[0]!;
    const inputs = inputsOf(c);
    // shrunken says the opposite of the raw effect for everyone: deciding by raw must not read it.
    const shrunken = makeTable([
      { name: "patient", type: "string", values: c.patients },
      { name: "shrunken", type: "float", values: c.shrunken.map((e) => -e) },
      { name: "shrunken_lower", type: "float", values: c.shrunken.map((e) => -e - 1) },
      { name: "shrunken_upper", type: "float", values: c.shrunken.map((e) => -e + 1) },
    ]);
    const out = await runStep(hybridStep, { ...inputs, shrunken }, { subgroup: "group", decideBy: "raw", minCell: 1 });
    expectGolden(readHybridDoc(out.hybrid, (p) => expect.fail(p)), c.expected);
  });

  it("names the input and the row when the predictions miss a patient, a table is not keyed by patient or the summary is another document", async () => {
    const c = golden.cases[0]!;
    const inputs = inputsOf(c);
    const partial = predictionsTable([{ replicate: 0, seed: 0, fold: 0, rows: [0, 1, 2], probs: [0.1, 0.2, 0.3] }]);
    await expect(runStep(hybridStep, { ...inputs, treatmentPredictions: partial }, {})).rejects.toThrow(/treatmentPredictions.*no replicate predicts row 4 of the patients table/);
    const noPatient = makeTable([{ name: "id", type: "string", values: c.patients }]);
    await expect(runStep(hybridStep, { ...inputs, effects: noPatient }, {})).rejects.toThrow(/inputs\.effects.*string column "patient"; it is missing/);
    await expect(runStep(hybridStep, inputs, { subgroup: "x" })).rejects.toThrow(/params\.subgroup.*string column "x"; it is float/);
    await expect(runStep(hybridStep, { ...inputs, summary: { format: "strata-trial-pool/1" } }, {})).rejects.toThrow(/inputs\.summary.*not a strata-trial-analysis\/1 summary/);
  });

  it("gives no kappa when both raters recommend one treatment to everyone", () => {
    expect(cohenKappa([[0, 0], [0, 12]], 0.95)).toEqual({ kappa: null, se: null, lower: null, upper: null });
  });
});
