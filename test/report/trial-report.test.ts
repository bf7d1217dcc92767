import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { makeTable } from "../../artifacts/table.js";
import { CODE_DIGEST_TOKEN, MANIFEST_DIGEST_TOKEN } from "../../dsl/report-provenance.js";
import { predictionsTable } from "../../steps/evaluate/predictions.js";
import { trialReport } from "../../steps/report/trial-report.js";
import type { TrialDesign } from "../../steps/trials/design-document.js";
import { hybridStep } from "../../steps/trials/hybrid.js";
import { trialPowerCellStep } from "../../steps/trials/power-cell.js";
import { trialPowerStep } from "../../steps/trials/power.js";
import { PHASES, type TrialDays, trialDaysTable } from "../../steps/trials/trial-days.js";
import { runStep } from "../support/step-harness.js";

const EVIL = "<img src=x onerror=alert(1)>";
const design: TrialDesign = { format: "strata-trial-design/1", treatments: ["usual", EVIL], design: "counterbalanced", cycles: 2, periodDays: 5, washoutDays: 2, baselineDays: 3, runInDays: 0 };
const PATIENTS = Array.from({ length: 14 }, (_, i) => `P${String(i + 1).padStart(2, "0")}`);

/** Each patient: 3 baseline days, then ABBA periods of 5 days (2 washout, 3 active); every 7th active day missing. */
const trialDays = (): TrialDays => {
  const perPatient = 3 + 4 * 5;
  const n = PATIENTS.length * perPatient;
  const [day, period, cycle, treatment] = [new Int32Array(n), new Int32Array(n), new Int32Array(n), new Int32Array(n)];
  const phase = new Uint8Array(n);
  const outcome = new Float64Array(n);
  const start = Int32Array.from({ length: PATIENTS.length + 1 }, (_, p) => p * perPatient);
  for (let p = 0; p < PATIENTS.length; p++) {
    for (let d = 0; d < perPatient; d++) {
      const r = p * perPatient + d;
      day[r] = d + 1;
      if (d < 3) {
        treatment[r] = -1;
        phase[r] = PHASES.indexOf("baseline");
      } else {
        const k = Math.floor((d - 3) / 5);
        period[r] = k + 1;
        cycle[r] = Math.floor(k / 2) + 1;
        treatment[r] = [0, 1, 1, 0][k]!;
        phase[r] = (d - 3) % 5 < 2 ? PHASES.indexOf("washout") : PHASES.indexOf("active");
      }
      outcome[r] = r % 7 === 0 && phase[r] === PHASES.indexOf("active") ? Number.NaN : 10 + treatment[r]! * (p % 3) + 0.01 * d;
    }
  }
  return { patients: PATIENTS, start, day, period, cycle, treatment, treatments: design.treatments, phase, outcome };
};

const effectOf = (i: number) => (i % 3) - 0.5;
const patient = { name: "patient", type: "string", values: PATIENTS } as const;
const floats = (name: string, f: (i: number) => number | null) => ({ name, type: "float", values: PATIENTS.map((_, i) => f(i)) }) as const;
const effects = makeTable([
  patient,
  { name: "cycles", type: "int", values: PATIENTS.map(() => 2) },
  { name: "days", type: "int", values: PATIENTS.map(() => 12) },
  floats("effect", (i) => (i === 13 ? null : effectOf(i))),
  floats("se", () => 0.3),
  floats("lower", (i) => (i === 13 ? null : effectOf(i) - 0.6)),
  floats("upper", (i) => (i === 13 ? null : effectOf(i) + 0.6)),
  floats("p_benefit", (i) => (i === 13 ? null : 0.5 + effectOf(i) / 4)),
  floats("p_mcid", (i) => (i === 13 ? null : 0.4 + effectOf(i) / 4)),
]);
const shrunken = makeTable([
  patient,
  floats("effect", effectOf),
  floats("se", () => 0.3),
  floats("shrunken", (i) => 0.8 * effectOf(i)),
  floats("shrunken_lower", (i) => 0.8 * effectOf(i) - 0.5),
  floats("shrunken_upper", (i) => 0.8 * effectOf(i) + 0.5),
  floats("p_positive", (i) => 0.5 + effectOf(i) / 5),
  floats("p_mcid", (i) => 0.4 + effectOf(i) / 5),
]);
const pooled = {
  format: "strata-trial-pool/1",
  mu: 0.4321,
  muSe: 0.11,
  muLower: 0.2166,
  muUpper: 0.6477,
  tau: 0.75,
  tau2: 0.5625,
  patients: 13,
  method: "REML",
  muInterval: "modified Knapp-Hartung",
  gibbs: { mu: 0.4288, muLower: 0.2, muUpper: 0.65, tau: 0.8, tauLower: 0.5, tauUpper: 1.2, draws: 2000, burnIn: 500, chains: 2, rhatMu: 1.0012, rhatTau: 1.004 },
};

const summary = {
  format: "strata-trial-analysis/1",
  reference: "usual",
  treatment: EVIL,
  mcid: 0.3,
  better: "higher",
  level: 0.95,
  primary: "mean-diff",
  design: "counterbalanced",
  patients: 14,
  methods: { meanDiff: "difference of the period means per cycle", ar1: "AR(1) regression" },
};

/** A hybrid document from trial.hybrid itself: two subgroups, "small" with 4 people. */
const hybridDoc = async (minCell: number) => {
  const group = PATIENTS.map((_, i) => (i < 4 ? "small" : "large"));
  const probs = (f: (i: number) => number) => predictionsTable([{ replicate: 0, seed: 1, fold: 0, rows: PATIENTS.map((_, i) => i), probs: PATIENTS.map((_, i) => f(i)) }]);
  const out = await runStep(
    hybridStep,
    {
      effects,
      summary,
      shrunken,
      patients: makeTable([patient, { name: "sex", type: "string", values: group }]),
      referencePredictions: probs(() => 0.4),
      treatmentPredictions: probs((i) => 0.4 + 0.1 * effectOf(i) + (i === 2 ? -0.5 : 0)),
    },
    { subgroup: "sex", minCell, listPatients: true, confidentAbove: 0.2 },
  );
  return out.hybrid as object;
};

const render = async (params: object, extra: object = {}) => {
  const out = await runStep(trialReport, { design, outcomes: trialDaysTable(trialDays()), effects, shrunken, pooled, summary, ...extra }, { title: `N-of-1 ${EVIL}`, ...params });
  return { html: out.html as string, md: out.md as string };
};

describe("report.trial", () => {
  it("reports the design, days analysed and missing, individual effects raw and shrunken, and μ and τ by REML and Gibbs", async () => {
    const { html, md } = await render({});
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/<script|<link/i);
    expect(html).not.toContain("<img");
    expect(html).not.toContain(EVIL);
    expect(md).not.toMatch(/(^|[^\\])<img/);
    expect(md).toContain("| Design | counterbalanced |");
    expect(md).toContain("| Washout (days at the start of each period; kept in the data, excluded from the analysis) | 2 |");
    expect(md).toContain("| Randomization | an order drawn per patient, then its reverse, alternating by cycle (ABBA…) |");
    expect(md).toContain("| Days per patient | 23 |");
    // 14 patients × (12 active + 8 washout + 3 baseline) days; active days with r % 7 == 0 are missing.
    const days = trialDays();
    const missing = Array.from(days.outcome!).filter((v, r) => Number.isNaN(v) && days.phase[r] === PHASES.indexOf("active")).length;
    expect(missing).toBeGreaterThan(0);
    expect(md).toContain("| Patient-days in the data | 322 |");
    expect(md).toContain("| Washout days (excluded from the analysis) | 112 |");
    expect(md).toContain(`| Active days analysed (outcome observed) | ${168 - missing} |`);
    expect(md).toContain(`| Active days with the outcome missing | ${missing} |`);
    expect(md).toContain("| Patients without one (too few cycles or days) | 1 |");
    expect(md).toContain("| P02 | 2 | 12 | 0.500 | -0.100 to 1.100 | 0.625 | 0.525 | 0.400 | -0.100 to 0.900 | 0.600 | 0.500 |");
    expect(md).toContain("| P14 | 2 | 12 | — | — | — | — |");
    expect(md).toContain("| REML | 0.432 | 0.217 to 0.648 | 0.750 | — | 0.563 |");
    expect(md).toContain("| Gibbs (2000 draws) | 0.429 | 0.200 to 0.650 | 0.800 | 0.500 to 1.200 | 0.640 |");
    expect(md).toContain("Deviations from the anchors. n1-simulator");
    expect(md).toContain("μ standard error (REML): 0.110; its interval: modified Knapp-Hartung.");
    expect(md).toContain("Gibbs convergence: split R-hat 1.001 for μ and 1.004 for τ over 2 chains");
    expect(md).toContain("| Primary method | mean-diff |");
    expect(md).toContain("| Minimal clinically important difference (outcome scale) | 0.3 |");
    expect(md).toContain("Analysis, ar1: AR(1) regression.");
    // the forest plot: one row per patient with an estimate, raw and shrunken
    const forest = html.slice(html.indexOf("<svg"), html.indexOf("</svg>"));
    for (const id of PATIENTS) expect(forest).toContain(`>${id}</text>`);
    expect(forest).toContain("N-of-1 (raw)");
    expect(forest).toContain("shrunken");
    // no patient series unless asked
    expect(html).not.toContain("own time series");
    expect(md).toContain(MANIFEST_DIGEST_TOKEN);
    expect(html).toContain(CODE_DIGEST_TOKEN);
  });

  it("shows the hybrid section with small cells suppressed, and the confident-and-wrong people when listed", async () => {
    const { md } = await render({}, { hybrid: await hybridDoc(5) });
    expect(md).toContain("Hybrid check: the population model against the N-of-1 results");
    // "small" (4 people) is under 5; "large" is then the only other subgroup, hidden as its complement.
    expect(md).toMatch(/\| small \| < 5 \| < 5 \|/);
    expect(md).toMatch(/\| large \| hidden \| hidden \|/);
    expect(md).toMatch(/\| overall \| 14 \| \d+\.\d% \(\d+\.\d% to /);
    expect(md).toContain("listed because the study set listPatients): P03.");
  });

  it("draws the patients' own series only when the study asks, and gives identical bytes on a rerun", async () => {
    const a = await render({ showPatientSeries: true }, { hybrid: await hybridDoc(3) });
    const b = await render({ showPatientSeries: true }, { hybrid: await hybridDoc(3) });
    expect(a.html).toContain("Patients&#39; own time series");
    expect(a.html.match(/<svg/g)!.length).toBe(2);
    expect(a.html).toBe(b.html);
    expect(a.md).toBe(b.md);
  });

  it("shows trial.power's table and the cheapest design per scenario", async () => {
    const cell = (label: string, cycles: number, mean: number) =>
      runStep(trialPowerCellStep, {}, { label, design: { treatments: ["A", "B"], design: "alternating", cycles, periodDays: 7 }, model: { effect: { mean }, measurementSd: 1 }, patients: 4, replicates: 10 });
    const cells = await Promise.all([cell("short", 2, 0.8), cell("long", 4, 0.8), cell("short", 2, 0)]);
    const power = await runStep(trialPowerStep, { cells: cells.map((c) => c.cell as object) }, { targetPower: 0.5 });
    const { md } = await render({}, { powerTable: power.table, powerSummary: power.summary });
    expect(md).toContain("## Design power");
    expect(md).toContain("| design | kind | cycles | period days | washout days | effect size |");
    expect(md.split("\n").filter((l) => /^\| (short|long) \| alternating \|/.test(l))).toHaveLength(3);
    // One scenario with an effect (0.8): its cheapest design as trial.power chose it.
    const [cheapest] = (power.summary as { cheapest: { design: string | null; patientDays: number | null }[] }).cheapest;
    expect(md).toContain(`| 0.800 | 0.0 / 0.0 | 0.000 | ${cheapest!.design ?? "none reaches it"} | ${cheapest!.patientDays ?? "—"} |`);
    await expect(render({}, { powerTable: power.table })).rejects.toThrow(/inputs\.powerTable.*both of trial\.power's outputs/);
  });

  it("names the input when a document is of another kind", async () => {
    await expect(render({}, { pooled: { format: "strata-trial-design/1" } })).rejects.toThrow(/inputs\.pooled.*not a strata-trial-pool\/1 document/);
    await expect(render({}, { summary: pooled })).rejects.toThrow(/inputs\.summary.*not a strata-trial-analysis\/1 summary/);
    await expect(render({}, { outcomes: trialDaysTable({ ...trialDays(), outcome: undefined }) })).rejects.toThrow(/inputs\.outcomes.*no "outcome" column/);
  });
});

describe("report.trial in headless Chromium", () => {
  // Debian's chromium (as test/report/browser.test.ts); without it this fails, it does not skip.
  it("loads with no console error, dialog or network request, draws the forest plot and series, and shows a treatment named like markup as text", async () => {
    const { html } = await render({ showPatientSeries: true }, { hybrid: await hybridDoc(3) });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-trial-report-"));
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
    try {
      const file = path.join(dir, "report.html");
      fs.writeFileSync(file, html);
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
      page.on("pageerror", (e) => void problems.push(String(e)));
      page.on("dialog", (d) => {
        problems.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      page.on("request", (r) => void (r.url().startsWith("file:") ? 0 : problems.push(`request: ${r.url()}`)));
      await page.goto(`file://${file}`, { waitUntil: "load" });
      expect(problems).toEqual([]);
      expect(await page.locator("img").count()).toBe(0);
      expect(await page.locator("#effects svg .role-mark path").count()).toBeGreaterThan(PATIENTS.length);
      expect(await page.locator("#series svg .role-mark path").count()).toBeGreaterThan(0);
      expect(await page.locator("h1").textContent()).toBe(`N-of-1 ${EVIL}`);
    } finally {
      await browser.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
