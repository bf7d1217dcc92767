/**
 * Expected calibration error over 10 equal-width bins (calibration.ts has the bins and the curve behind it):
 *   ECE = Σ_b (n_b / n) · |mean(y)_b − mean(p)_b|.
 * null for no rows.
 */
import { calibration } from "../calibration.js";
import { BINS, defineMetric } from "./metric.js";

export const ece = defineMetric({
  name: "ece",
  label: "ECE (10 bins)",
  higherIsBetter: false,
  proportion: false,
  basis: "n",
  ratios: true,
  key: true,
  compute: (labels, probs) => (labels.length === 0 ? null : calibration(labels, probs, BINS).ece),
  fromStatistics: (s) => {
    let sum = 0;
    for (let b = 0; b < BINS; b++) {
      const c = s.binCount[b]!;
      if (c > 0) sum += (c / s.n) * Math.abs(s.binSumY[b]! / c - s.binSumP[b]! / c);
    }
    return sum;
  },
});
