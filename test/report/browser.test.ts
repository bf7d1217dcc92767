/**
 * The HTML reports in a real browser: Debian's chromium driven by playwright-core (no browser download).
 * - The reports of the heart bias-modulation study's small variant (the same nodes as the full study, smaller
 *   trainings; STRATA_REPORT_PIPELINE runs another variant, e.g. the full pipelines/heart-bias-modulation.ts) load
 *   from a file with no console error and no network request; every chart is an SVG with rendered marks; the depth
 *   report's screenshot is not blank, its footer carries the run's manifest digest, and it shows DCP's envy-freeness.
 * - A report whose subgroup is named like an XSS payload shows the name as text (no element, no dialog), and a
 *   7-person subgroup shows "< 10".
 * Needs /usr/bin/chromium (apt-get install -y chromium); without it these tests fail, they do not skip.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Browser, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluationReport } from "../../steps/report/evaluation-report.js";
import { jsonOf, strata } from "../support/cli.js";
import { runStep } from "../support/step-harness.js";
import { EVIL, SMALL, syntheticEvaluation, syntheticPlan } from "../steps/evaluate-fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** The full study trains for ~20 minutes; its small variant has the same depth evaluation and report in about one. */
const pipeline = process.env.STRATA_REPORT_PIPELINE ?? "test/pipelines/heart-bias-modulation-small.pipeline.ts";

let browser: Browser;
let work: string;

const launch = async (): Promise<Browser> => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}; the browser tests need Debian's package: apt-get update && apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
};

interface Loaded {
  readonly page: Page;
  readonly consoleErrors: string[];
  readonly external: string[];
  readonly dialogs: string[];
}

/** Opens a report file, recording console errors, page errors, dialogs and any request that is not the file itself. */
const open = async (file: string): Promise<Loaded> => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const consoleErrors: string[] = [];
  const external: string[] = [];
  const dialogs: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && consoleErrors.push(m.text())));
  page.on("pageerror", (e) => void consoleErrors.push(String(e)));
  page.on("request", (r) => void (r.url().startsWith("file:") || r.url().startsWith("data:") ? 0 : external.push(r.url())));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`file://${file}`, { waitUntil: "load" });
  return { page, consoleErrors, external, dialogs };
};

/** Share of non-white pixels of a PNG, decoded by the browser itself on a blank page. */
const inkShare = async (png: Buffer): Promise<number> => {
  const page = await browser.newPage();
  try {
    // A string: the test is compiled without DOM types.
    return (await page.evaluate(`(async () => {
      const img = new Image();
      img.src = "data:image/png;base64,${png.toString("base64")}";
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext("2d");
      g.drawImage(img, 0, 0);
      const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] < 245 || data[i + 1] < 245 || data[i + 2] < 245) ink++;
      return ink / (data.length / 4);
    })()`)) as number;
  } finally {
    await page.close();
  }
};

beforeAll(async () => {
  browser = await launch();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "strata-report-"));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe(`the HTML report of ${pipeline} in headless Chromium`, () => {
  let reports: string[] = [];
  let manifest = "";
  /** The HTML of the first report.evaluation node. */
  let depthReport = "";

  beforeAll(async () => {
    const store = path.join(work, "store");
    const run = jsonOf<{ manifest: string; reports: string[]; nodes: { id: string; step: string }[] }>(
      await strata(["run", pipeline, "--store", store, "--out", path.join(work, "reports"), "--no-lock", "--json"]),
    );
    reports = run.reports.filter((r) => r.endsWith(".html"));
    manifest = run.manifest;
    const ids = run.nodes.filter((n) => n.step === "report.evaluation").map((n) => n.id);
    if (ids.length === 0) throw new Error(`${pipeline} has no report.evaluation node; wire reportEvaluation into it`);
    depthReport = reports.find((r) => path.basename(r) === `${ids[0]}.html`)!;
  }, 40 * 60_000);

  it("loads every HTML report with no console error and no network request, and draws its charts", async () => {
    expect(reports.length).toBeGreaterThan(0);
    let charts = 0;
    for (const file of reports) {
      const { page, consoleErrors, external } = await open(file);
      expect(consoleErrors, file).toEqual([]);
      expect(external, file).toEqual([]);
      // Every chart is an inline SVG holding rendered marks (vega's role-mark groups with paths, lines or rects).
      const marks = await page.$$eval("svg", (svgs) => svgs.map((svg) => svg.querySelectorAll("g.role-mark path, g.role-mark line, g.role-mark rect, g.role-mark text").length));
      for (const [i, n] of marks.entries()) expect(n, `${path.basename(file)}: chart ${i} has no marks`).toBeGreaterThan(0);
      charts += marks.length;
      await page.close();
    }
    expect(charts).toBeGreaterThanOrEqual(5); // plan, sizes, forest plots, calibration curves
    expect(fs.readFileSync(depthReport, "utf8")).toContain('<section id="calibration">');
  });

  it("renders a non-blank page, and its footer names the run's manifest digest", async () => {
    const { page } = await open(depthReport);
    const shot = await page.screenshot({ fullPage: true });
    fs.writeFileSync(path.join(work, "report.png"), shot);
    const share = await inkShare(shot);
    expect(share).toBeGreaterThan(0.02);
    const footer = await page.locator("footer").innerText();
    expect(footer).toContain(manifest);
    expect(footer).not.toContain("@@strata:");
    // The plots really have area: the biggest SVG is drawn at a visible size.
    const sizes = await page.$$eval("svg", (svgs) => svgs.map((s) => s.getBoundingClientRect().width * s.getBoundingClientRect().height));
    expect(Math.max(...sizes)).toBeGreaterThan(50_000);
    await page.close();
  });

  it("shows DCP's envy-freeness, from the evaluate.personalization metrics passed to the depth report", async () => {
    const { page } = await open(depthReport);
    const envy = page.locator("section#envy");
    expect(await envy.count()).toBe(1);
    expect(await envy.locator("h2").innerText()).toBe("Envy-freeness");
    // Each of the 4 subgroups scored by each other subgroup's DCP model, with a verdict.
    const rows = await envy.locator("tbody tr").all();
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      const [group, method, other, , , , flag] = await row.locator("th, td").allInnerTexts();
      expect(method).toBe("dcp");
      expect(other).not.toBe(group);
      expect(["envy-free", "ENVIES"]).toContain(flag);
    }
    await page.close();
  });
});

describe("escaping and suppression in the browser", () => {
  let file = "";

  beforeAll(async () => {
    const doc = await syntheticEvaluation();
    const out = await runStep(evaluationReport, { sources: [], evaluations: [doc] }, { title: `Report ${EVIL}`, plan: syntheticPlan, highlight: ["evaluate", "report"] });
    file = path.join(work, "synthetic.html");
    fs.writeFileSync(file, out.html as string);
  }, 120_000);

  it(`shows a subgroup named ${EVIL} as text: no element, no script run`, async () => {
    const { page, consoleErrors, dialogs, external } = await open(file);
    expect(await page.locator("img").count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(external).toEqual([]);
    // In table cells, in the title, and in the charts' SVG text.
    expect(await page.locator("th", { hasText: EVIL }).count()).toBeGreaterThan(0);
    expect(await page.title()).toBe(`Report ${EVIL}`);
    const svgTexts = await page.$$eval("svg text", (els) => els.map((e) => e.textContent ?? ""));
    expect(svgTexts.some((t) => t.startsWith("<img"))).toBe(true);
    await page.close();
  });

  it('shows the 7-person subgroup as "< 10"', async () => {
    const { page } = await open(file);
    const rows = page.locator("tr", { has: page.locator(`th:text-is("${SMALL}")`) });
    expect(await rows.count()).toBeGreaterThan(2);
    const cells = await rows.first().locator("td").allInnerTexts();
    expect(cells.slice(0, 2)).toEqual(["< 10", "< 10"]); // cohort n and positives
    const svgTexts = await page.$$eval("svg text", (els) => els.map((e) => e.textContent ?? ""));
    expect(svgTexts).toContain("< 10");
    await page.close();
  });
});
