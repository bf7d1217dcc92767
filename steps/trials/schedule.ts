/**
 * Builds N-of-1 schedules from a design document (steps/trials/design-document.ts says what each design kind
 * means): the order of treatment periods drawn per patient from that patient's own random stream, then one row
 * per day (baseline, run-in, then each period's washout and active days).
 */
import { shuffled } from "../split/split-table.js";
import { type DesignKind, type TrialDesign, scheduleDays } from "./design-document.js";
import { PHASES, type TrialDays } from "./trial-days.js";

/** The stream a patient's period order is drawn from (the contract shared by trial.design and the power grid). */
export const scheduleStream = (patient: string): string => `schedule:${patient}`;

/** Pseudonymous ids "P1".."P9", "P01".."P40", …: the width is the number of digits of the count. */
export const patientIds = (count: number, prefix = "P"): string[] => {
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(width, "0")}`);
};

const range = (k: number): number[] => Array.from({ length: k }, (_, i) => i);

/**
 * Counts the sequences that finish a randomized schedule: `left[t]` periods of treatment t still to place, the last
 * placed treatment `last` (-1 at the start) in a run of `run` periods, no run longer than `maxRun`. Memoised per
 * design, so drawing many patients costs one table.
 */
const completionCounter = (k: number, maxRun: number) => {
  const memo = new Map<string, number>();
  const count = (left: number[], last: number, run: number): number => {
    let remaining = 0;
    for (const l of left) remaining += l;
    if (remaining === 0) return 1;
    const key = `${left.join(",")}|${last}|${run}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let total = 0;
    for (let t = 0; t < k; t++) {
      if (left[t] === 0 || (t === last && run >= maxRun)) continue;
      left[t]!--;
      total += count(left, t, t === last ? run + 1 : 1);
      left[t]!++;
    }
    memo.set(key, total);
    return total;
  };
  return count;
};

/**
 * A uniform draw among the sequences of `cycles` periods of each of k treatments with no run longer than maxRun:
 * each period is chosen with probability proportional to the number of valid completions it leaves. Alternation
 * (ABAB…) is always valid, so a sequence exists for every maxRun >= 1.
 */
const randomizedOrder = (k: number, cycles: number, maxRun: number, count: ReturnType<typeof completionCounter>, random: () => number): number[] => {
  const left = Array.from({ length: k }, () => cycles);
  const order: number[] = [];
  let last = -1;
  let run = 0;
  for (let p = 0; p < k * cycles; p++) {
    const weights = range(k).map((t) => {
      if (left[t] === 0 || (t === last && run >= maxRun)) return 0;
      left[t]!--;
      const w = count(left, t, t === last ? run + 1 : 1);
      left[t]!++;
      return w;
    });
    let u = random() * weights.reduce((a, b) => a + b, 0);
    let pick = weights.findIndex((w) => w > 0);
    for (let t = 0; t < k; t++) {
      if (weights[t] === 0) continue;
      pick = t;
      if (u < weights[t]!) break;
      u -= weights[t]!;
    }
    order.push(pick);
    run = pick === last ? run + 1 : 1;
    last = pick;
    left[pick]!--;
  }
  return order;
};

/** Draws the treatment (index into design.treatments) of every period of one patient's schedule. */
export const periodOrderDrawer = (design: TrialDesign): ((random: () => number) => number[]) => {
  const k = design.treatments.length;
  const kind: DesignKind = design.design;
  switch (kind) {
    case "alternating":
      return (random) => {
        const order = shuffled(range(k), random);
        return Array.from({ length: design.cycles }, () => order).flat();
      };
    case "counterbalanced":
      return (random) => {
        const order = shuffled(range(k), random);
        const reverse = [...order].reverse();
        return Array.from({ length: design.cycles }, (_, c) => (c % 2 === 0 ? order : reverse)).flat();
      };
    case "randomized-cycles":
      return (random) => Array.from({ length: design.cycles }, () => shuffled(range(k), random)).flat();
    case "randomized": {
      const maxRun = design.maxRun ?? design.cycles;
      const count = completionCounter(k, maxRun);
      return (random) => randomizedOrder(k, design.cycles, maxRun, count, random);
    }
  }
};

const BASELINE = PHASES.indexOf("baseline");
const RUN_IN = PHASES.indexOf("run-in");
const WASHOUT = PHASES.indexOf("washout");
const ACTIVE = PHASES.indexOf("active");

/** Every patient's schedule (no outcome), each patient's period order drawn from `random(scheduleStream(id))`. */
export const buildSchedule = (design: TrialDesign, patients: readonly string[], random: (stream: string) => () => number): TrialDays => {
  const perPatient = scheduleDays(design);
  const n = perPatient * patients.length;
  const k = design.treatments.length;
  const day = new Int32Array(n);
  const period = new Int32Array(n);
  const cycle = new Int32Array(n);
  const treatment = new Int32Array(n);
  const phase = new Uint8Array(n);
  const start = new Int32Array(patients.length + 1);
  const drawOrder = periodOrderDrawer(design);
  let r = 0;
  patients.forEach((id, p) => {
    start[p] = r;
    const order = drawOrder(random(scheduleStream(id)));
    let d = 1;
    for (let i = 0; i < design.baselineDays + design.runInDays; i++, r++, d++) {
      day[r] = d;
      treatment[r] = -1;
      phase[r] = i < design.baselineDays ? BASELINE : RUN_IN;
    }
    order.forEach((t, i) => {
      for (let j = 0; j < design.periodDays; j++, r++, d++) {
        day[r] = d;
        period[r] = i + 1;
        cycle[r] = Math.floor(i / k) + 1;
        treatment[r] = t;
        phase[r] = j < design.washoutDays ? WASHOUT : ACTIVE;
      }
    });
  });
  start[patients.length] = r;
  return { patients, start, day, period, cycle, treatment, treatments: design.treatments, phase, outcome: undefined };
};
