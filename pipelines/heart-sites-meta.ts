/**
 * A new hospital from a few patients (issue 19): does meta-learning let a model adapt to a new clinical site from a
 * handful of local patients, better than a model pooled from the other sites? The four UCI heart sites under FLamby's
 * Fed-Heart-Disease protocol (heart-sites-common.ts); each site in turn is the new hospital.
 *   meta-<site>-<method>   train.meta on the other sites (Reptile, first-order MAML, exact second-order MAML)
 *   cell-<site>-k<k>-s<s>  one few-shot cell per (site, k, seed): k labelled patients of the site's training part
 *                          as the support set, its test part as the query set; pooled, pooled+support, local and
 *                          fine-tuned baselines and the three meta-initializations adapted on the same support set
 *   few-shot               the summary over seeds (paired gains over pooled, harm tests with Holm)
 *   report                 verdicts per site, the table, the few-shot curves (HTML and Markdown)
 * Every adapted method gets the meta-training inner loop as its adaptation budget: 5 full-batch SGD steps at
 * learning rate 0.1 on the support set (what MAML's initialization is trained to adapt with), so the comparison
 * is at equal budget.
 */
import { study, type StudyGraph } from "../dsl/study.js";
import { type FewShotDesign, fewShotCells } from "../steps/evaluate/few-shot/cell.js";
import { summarizeFewShot } from "../steps/evaluate/few-shot/summary-step.js";
import { reportFewShot } from "../steps/report/few-shot-report.js";
import { trainMeta } from "../steps/train/meta/train-meta.js";
import { SITE_FEATURES, SITE_NAMES, heartSites } from "./heart-sites-common.js";

export interface HeartSitesMetaConfig {
  readonly shots: readonly number[];
  readonly seeds: readonly number[];
  readonly methods: readonly ("reptile" | "fomaml" | "maml")[];
  /** Meta-training iterations (outer updates). */
  readonly iterations: number;
}

export const HEART_SITES_META: HeartSitesMetaConfig = {
  shots: [0, 5, 10, 20, 40],
  seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  methods: ["reptile", "fomaml", "maml"],
  iterations: 1000,
};

/** The meta-training settings (train.meta's defaults but the iterations): 3 tasks per update, 5 inner SGD steps at 0.1. */
const META = { tasksPerIteration: 3, innerSteps: 5, innerLr: 0.1, outerLr: 0.5, supportSize: 10, querySize: 10, l2: 0 } as const;

const DESIGN: FewShotDesign = {
  siteColumn: "site",
  features: SITE_FEATURES,
  target: "target",
  adapt: { steps: META.innerSteps, lr: META.innerLr, batchSize: 40, optimizer: "sgd", l2: 0 },
};

/** The study's nodes for a config; the reduced variants under test/pipelines/ call it with fewer shots and seeds. */
export const heartSitesMeta = (s: StudyGraph, config: HeartSitesMetaConfig) => {
  const { table, split } = heartSites(s);
  const inits = new Map(
    SITE_NAMES.map((site) => [
      site,
      config.methods.map((method) =>
        trainMeta(
          table,
          { site: "site", heldOut: site, features: SITE_FEATURES, target: "target", method, iterations: config.iterations, ...META },
          { id: `meta-${site.toLowerCase()}-${method}` },
        ),
      ),
    ]),
  );
  const cells = fewShotCells(table, split, DESIGN, { sites: SITE_NAMES, shots: config.shots, seeds: config.seeds }, (site) => inits.get(site as never)!);
  const summary = summarizeFewShot(cells, {}, { id: "few-shot" });
  return reportFewShot(
    summary,
    {
      title: "A new hospital from a few patients: meta-learning across the four UCI heart sites",
      metaMethods: config.methods,
      notes: [
        "Data: UCI Heart Disease, Cleveland, Hungary, Switzerland and VA Long Beach, under FLamby's Fed-Heart-Disease protocol (slope, ca, thal dropped; rows with a missing value dropped: 740 remain; cp and restecg one-hot; target num > 0; a per-centre stratified 66:34 split drawn with Strata's own streams, so its rows differ from FLamby's).",
        `Methods: pooled = L2 logistic regression (λ = 1) on the other sites' rows; pooled+support adds the support rows; local-lr fits the support alone (undefined at k = 0 or with one class in the support); local-adapt, fine-tuned and the meta methods take ${META.innerSteps} full-batch SGD steps at learning rate ${META.innerLr} on the support from the zero model, the pooled model and each meta-initialization (meta-trained ${config.iterations} iterations on the other sites). Every model is scored on the site's whole test part.`,
        "Switzerland's rows are almost all positive, so its query set has no negative: AUROC is undefined there and Brier (the decision metric) says how well the models predict disease for these patients.",
      ],
    },
    { id: "report" },
  );
};

export default study("heart-sites-meta", (s) => {
  heartSitesMeta(s, HEART_SITES_META);
});
