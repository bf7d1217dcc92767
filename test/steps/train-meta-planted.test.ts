/**
 * The planted test of issue 19: synthetic tasks that share a weight vector, each with its own shift of two
 * coefficients and of the intercept (σ = 1.5), and the same tasks without a shift (σ = 0). On each seed: eight
 * meta-training tasks of 100 rows, a held-out task with a support set of k = 10 rows and a query set of 400.
 *   pooled:  L2 logistic regression (IRLS, l2 = 1, sklearn's C = 1) on all training rows, not adapted;
 *   local:   the same fitted on the 10 support rows alone;
 *   meta:    metaTrain (train.meta's defaults but 300 iterations) on the training tasks, the number of
 *            adaptation steps chosen on those tasks (select-steps.ts), then adapt() on the support rows with the
 *            inner loop's rule (full-batch gradient steps at innerLr): what train.meta and a few-shot cell do.
 * The issue asks this of Reptile; first-order and exact MAML are held to the same. With a shift the meta method
 * must beat both on the query set's mean log loss and accuracy, averaged over 20 seeds. With no shift it must not
 * harm: on no seed is it flagged against pooled by the one-sided exact McNemar test (Holm-adjusted across the seeds,
 * α = 0.05, the harm test of evaluate.personalization), and its mean accuracy over seeds is within 0.03 of pooled's
 * (ours: the tolerance for the variance that adapting on 10 rows adds when there is nothing to adapt to).
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../engine/random.js";
import { discordantPairs, exactMcNemar } from "../../steps/evaluate/harm.js";
import { adjustPValues } from "../../steps/evaluate/harm-multiplicity.js";
import { inputMatrix } from "../../steps/train/input-matrix.js";
import { fitLogistic } from "../../steps/train/logistic-regression.js";
import { adapt } from "../../steps/train/meta/adapt.js";
import { logisticLoss, predictLogistic } from "../../steps/train/meta/logistic.js";
import { type MetaMethod, metaTrain } from "../../steps/train/meta/meta-train.js";
import { selectAdaptSteps } from "../../steps/train/meta/select-steps.js";
import { type Task, allRows } from "../../steps/train/meta/task.js";
import { META_DEFAULTS } from "../../steps/train/meta/train-meta.js";
import { gaussian, logisticTask, poolTasks, sliceTask } from "./train-meta.fixtures.js";

const SEEDS = 20;
const TRAIN_TASKS = 8;
const TRAIN_ROWS = 100;
const K = 10;
const QUERY = 400;
const SHARED_WEIGHTS = [1, -1, 0.5, 0.5, 0, 0];
const SHIFTED = 2;
const META = { ...META_DEFAULTS, iterations: 300, supportSize: K, querySize: K };

type Method = "pooled" | "local" | "meta";

const fitIrls = (task: Task): Float64Array => {
  const fit = fitLogistic(inputMatrix(task.n, task.d, task.x), task.y, 1, 100);
  return Float64Array.from([...fit.coef, fit.intercept]);
};

const correctness = (params: Float64Array, query: Task): boolean[] =>
  Array.from(predictLogistic(params, query.x, query.n, query.d), (p, i) => (p >= 0.5 ? 1 : 0) === query.y[i]);

/** Each seed's query-set log loss and per-row correctness for every method. */
const plantedStudy = (sigma: number, method: MetaMethod) =>
  Array.from({ length: SEEDS }, (_, seed) => {
    const random = seededRandom(seed, `planted-${sigma}`);
    const normal = gaussian(random);
    const task = (n: number) => {
      const weights = SHARED_WEIGHTS.map((w, j) => (j < SHIFTED ? w + sigma * normal() : w));
      return logisticTask(weights, sigma * normal(), n, random);
    };
    const training = Array.from({ length: TRAIN_TASKS }, () => task(TRAIN_ROWS));
    const heldOut = task(K + QUERY);
    const support = sliceTask(heldOut, 0, K);
    const query = sliceTask(heldOut, K, K + QUERY);
    const init = metaTrain(training, { ...META, method }, seededRandom(seed, "meta-train"));
    const selection = { candidates: META_DEFAULTS.adaptStepCandidates, draws: META_DEFAULTS.selectionDraws, supportSize: K, querySize: K, innerLr: META.innerLr, l2: META.l2 };
    const { steps } = selectAdaptSteps(init, training, selection, seededRandom(seed, "adapt-steps"));
    const params: Record<Method, Float64Array> = {
      pooled: fitIrls(poolTasks(training)),
      local: fitIrls(support),
      meta: adapt(init, support, { steps, lr: META.innerLr, batchSize: K, optimizer: "sgd", l2: META.l2 }, seededRandom(seed, "adapt")),
    };
    const of = (m: Method) => ({ loss: logisticLoss(params[m], query, allRows(QUERY), 0), correct: correctness(params[m], query) });
    return { pooled: of("pooled"), local: of("local"), meta: of("meta"), steps };
  });

type Study = ReturnType<typeof plantedStudy>;
const meanLoss = (study: Study, m: Method) => study.reduce((s, r) => s + r[m].loss, 0) / study.length;
const meanAccuracy = (study: Study, m: Method) => study.reduce((s, r) => s + r[m].correct.filter(Boolean).length / QUERY, 0) / study.length;

describe.each(["reptile", "fomaml", "maml"] as const)("planted test: %s on tasks with shared structure", (method) => {
  it("with site-specific shifts, adapted from k = 10 it beats pooled and local-only on the held-out query sets", () => {
    const study = plantedStudy(1.5, method);
    const loss = { pooled: meanLoss(study, "pooled"), local: meanLoss(study, "local"), meta: meanLoss(study, "meta") };
    const accuracy = { pooled: meanAccuracy(study, "pooled"), local: meanAccuracy(study, "local"), meta: meanAccuracy(study, "meta") };
    expect(loss.meta).toBeLessThan(loss.pooled);
    expect(loss.meta).toBeLessThan(loss.local);
    expect(accuracy.meta).toBeGreaterThan(accuracy.pooled);
    expect(accuracy.meta).toBeGreaterThan(accuracy.local);
    // The shifts are worth adapting to: the selection never keeps the init as it is.
    expect(Math.min(...study.map((r) => r.steps))).toBeGreaterThan(0);
  }, 30_000);

  it("with no shift, it does not harm: no seed flagged against pooled, mean accuracy within 0.03", () => {
    const study = plantedStudy(0, method);
    const pHarm = study.map((r) => {
      const { b, c } = discordantPairs(r.meta.correct, r.pooled.correct);
      return exactMcNemar(b, c).pHarm;
    });
    const adjusted = adjustPValues(pHarm, "holm");
    expect(adjusted.filter((p) => p < 0.05)).toEqual([]);
    expect(meanAccuracy(study, "meta")).toBeGreaterThan(meanAccuracy(study, "pooled") - 0.03);
    // With nothing to adapt to, the selection mostly leaves the init as it is.
    expect(study.filter((r) => r.steps === 0).length).toBeGreaterThan(SEEDS / 2);
  }, 30_000);
});
