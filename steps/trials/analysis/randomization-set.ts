/**
 * The randomization set of a design (steps/trials/design-document.ts says what each kind draws from): every
 * schedule the design could have given a patient, as the treatment code of each period. The exact randomization
 * test recomputes its statistic under each of them.
 *   alternating: the k! orders of the treatments, each repeated in every cycle;
 *   counterbalanced: the k! orders, reversed in every second cycle;
 *   randomized-cycles: an order per cycle, (k!)^c schedules;
 *   randomized: every sequence of c·k periods with each treatment c times and no run longer than maxRun.
 * Schedules are listed in lexicographic order of their codes, so the set (and any sum over it) is reproducible.
 */
import type { TrialDesign } from "../design-document.js";
import type { TrialDays } from "../trial-days.js";

/** The largest set enumerated: 2^16 schedules. */
export const MAX_RANDOMIZATION_SET = 1 << 16;

export interface RandomizationSet {
  /** Periods per schedule (cycles · treatments). */
  readonly periods: number;
  readonly count: number;
  /** Schedule s, period q (0-based) has treatment codes[s * periods + q]. */
  readonly codes: Int8Array;
}

/** The k! orders of 0..k−1 in lexicographic order. */
const permutations = (k: number): number[][] => {
  if (k === 1) return [[0]];
  const out: number[][] = [];
  for (let first = 0; first < k; first++) {
    for (const rest of permutations(k - 1)) out.push([first, ...rest.map((v) => (v >= first ? v + 1 : v))]);
  }
  return out;
};

const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));

const tooLarge = (design: TrialDesign, size: string): string =>
  `the ${design.design} design with ${design.treatments.length} treatments and ${design.cycles} cycles has ${size} possible schedules, more than the ${MAX_RANDOMIZATION_SET} the exact randomization test enumerates; use ${design.design === "randomized" ? "fewer cycles or a smaller maxRun" : "fewer cycles"} for this test`;

/** The design's randomization set, or why it is too large to enumerate. */
export const randomizationSet = (design: TrialDesign): RandomizationSet | { readonly problem: string } => {
  const k = design.treatments.length;
  const c = design.cycles;
  const periods = k * c;
  const rows: number[][] = [];
  if (design.design === "alternating" || design.design === "counterbalanced") {
    if (factorial(k) > MAX_RANDOMIZATION_SET) return { problem: tooLarge(design, String(factorial(k))) };
    for (const order of permutations(k)) {
      const reversed = [...order].reverse();
      const row: number[] = [];
      for (let j = 0; j < c; j++) row.push(...(design.design === "counterbalanced" && j % 2 === 1 ? reversed : order));
      rows.push(row);
    }
  } else if (design.design === "randomized-cycles") {
    const size = factorial(k) ** c;
    if (size > MAX_RANDOMIZATION_SET) return { problem: tooLarge(design, size.toPrecision(3)) };
    const orders = permutations(k);
    const pick = new Array<number>(c).fill(0);
    for (let s = 0; s < size; s++) {
      rows.push(pick.flatMap((o) => orders[o]!));
      for (let j = c - 1; j >= 0; j--) {
        if (++pick[j]! < orders.length) break;
        pick[j] = 0;
      }
    }
  } else {
    const maxRun = design.maxRun ?? c;
    const remaining = new Array<number>(k).fill(c);
    const row = new Array<number>(periods).fill(0);
    let overflow = false;
    const extend = (q: number, run: number): void => {
      if (overflow) return;
      if (q === periods) {
        if (rows.length === MAX_RANDOMIZATION_SET) overflow = true;
        else rows.push([...row]);
        return;
      }
      for (let t = 0; t < k; t++) {
        if (remaining[t] === 0) continue;
        const nextRun = q > 0 && row[q - 1] === t ? run + 1 : 1;
        if (nextRun > maxRun) continue;
        row[q] = t;
        remaining[t]!--;
        extend(q + 1, nextRun);
        remaining[t]!++;
      }
    };
    extend(0, 0);
    if (overflow) return { problem: tooLarge(design, `more than ${MAX_RANDOMIZATION_SET}`) };
  }
  const codes = new Int8Array(rows.length * periods);
  rows.forEach((r, s) => codes.set(r, s * periods));
  return { periods, count: rows.length, codes };
};

/**
 * The first patient (index) whose schedule the set does not hold, with that schedule as treatment codes, or
 * undefined when every patient's is in it. A patient with a period absent from the data is not checked (any
 * completion could be the drawn schedule).
 */
export const firstScheduleOutside = (days: TrialDays, set: RandomizationSet): { readonly patient: number; readonly codes: readonly number[] } | undefined => {
  const keys = new Set<string>();
  for (let s = 0; s < set.count; s++) keys.add(set.codes.subarray(s * set.periods, (s + 1) * set.periods).join(","));
  const own = new Int8Array(set.periods);
  for (let p = 0; p < days.patients.length; p++) {
    own.fill(-1);
    for (let r = days.start[p]!; r < days.start[p + 1]!; r++) {
      const q = days.period[r]! - 1;
      if (q >= 0 && q < set.periods) own[q] = days.treatment[r]!;
    }
    if (own.includes(-1)) continue;
    if (!keys.has(own.join(","))) return { patient: p, codes: Array.from(own) };
  }
  return undefined;
};
