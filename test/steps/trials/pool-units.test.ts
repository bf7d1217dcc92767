/**
 * poolEffects on its own: which patients it pools, the τ² = 0 boundary, the Gibbs sampler's reproducibility and
 * its agreement with REML on a large series with known truth, and the split R̂ against numpy.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../../engine/random.js";
import { splitRhat } from "../../../steps/trials/analysis/gibbs.js";
import { normalQuantile } from "../../../steps/trials/analysis/distributions.js";
import { poolEffects } from "../../../steps/trials/analysis/pool-effects.js";

const options = { mcid: 0.5, better: "higher" as const, level: 0.95 };
const gibbs = (seed: number) => ({ draws: 2000, burnIn: 500, chains: 2, random: (stream: string) => seededRandom(seed, stream) });

/** k effects δ̂_i = δ_i + s_i·z with δ_i ~ N(mu, tau²), s_i in [0.2, 0.6]. */
const series = (k: number, mu: number, tau: number, seed: number) => {
  const random = seededRandom(seed, "series");
  const normal = () => normalQuantile(random() * (1 - 2 ** -30) + 2 ** -31);
  const se = Float64Array.from({ length: k }, () => 0.2 + 0.4 * random());
  const effect = Float64Array.from(se, (s) => mu + tau * normal() + s * normal());
  return { effect, se };
};

describe("poolEffects", () => {
  it("pools only patients with an effect and a positive se, keeping every row (NaN where left out)", () => {
    const effect = Float64Array.from([1, Number.NaN, 2, 1.5, 0.8]);
    const se = Float64Array.from([0.3, 0.3, 0, 0.4, Number.NaN]);
    const pooled = poolEffects(effect, se, options);
    expect(pooled.patients).toBe(2);
    expect(pooled.shrunken).toHaveLength(5);
    expect([1, 2, 4].map((i) => Number.isNaN(pooled.shrunken[i]!))).toEqual([true, true, true]);
    expect(() => poolEffects(Float64Array.from([1, 2]), Float64Array.from([0.3, Number.NaN]), options)).toThrow(/1 patient has an effect with a positive standard error; pooling needs at least two/);
  });

  it("identical effects: tau^2 = 0, every shrunken effect is mu, and mu's interval is the fixed-effect one (q < 1)", () => {
    const pooled = poolEffects(Float64Array.from([1, 1, 1, 1]), Float64Array.from([0.2, 0.3, 0.4, 0.5]), options);
    expect(pooled.tau2).toBe(0);
    expect(pooled.mu).toBeCloseTo(1, 12);
    for (const v of pooled.shrunken) expect(v).toBeCloseTo(1, 12);
    expect(pooled.muSe).toBe(pooled.muSeModel);
  });

  it("the Gibbs sampler: the same streams give the same bits, other seeds other draws; posterior mean of mu within 0.1 SE of REML on 1,000 patients", () => {
    const { effect, se } = series(1000, 1, 0.5, 1);
    const a = poolEffects(effect, se, { ...options, gibbs: gibbs(7) });
    const b = poolEffects(effect, se, { ...options, gibbs: gibbs(7) });
    const c = poolEffects(effect, se, { ...options, gibbs: gibbs(8) });
    expect(Array.from(a.gibbs!.mean)).toEqual(Array.from(b.gibbs!.mean));
    expect(a.gibbs!.mu).toBe(b.gibbs!.mu);
    expect(c.gibbs!.mu).not.toBe(a.gibbs!.mu);
    expect(Math.abs(a.gibbs!.mu - a.mu)).toBeLessThan(0.1 * a.muSeModel);
    expect(Math.abs(a.gibbs!.tau - a.tau)).toBeLessThan(0.05 * a.tau);
    expect(a.gibbs!.rhatMu).toBeLessThan(1.01);
    expect(a.gibbs!.rhatTau).toBeLessThan(1.01);
    // Truth mu = 1, tau = 0.5.
    expect(a.muLower).toBeLessThan(1);
    expect(a.muUpper).toBeGreaterThan(1);
    expect(Math.abs(a.tau - 0.5)).toBeLessThan(0.06);
    // Shrunken posterior probabilities agree with the sampler's shares within Monte Carlo error.
    let worst = 0;
    for (let i = 0; i < 1000; i++) worst = Math.max(worst, Math.abs(a.pMcid[i]! - a.gibbs!.pMcid[i]!));
    expect(worst).toBeLessThan(0.05);
  });

  it("split R-hat matches numpy on a fixed sequence (1.0420755507615502)", () => {
    const x = Float64Array.from({ length: 200 }, (_, i) => Math.sin(i * 1.7) + (i >= 100 ? 0.4 : 0) + 0.1 * Math.cos(i * 0.37));
    expect(splitRhat(x, 2, 100)).toBeCloseTo(1.0420755507615502, 12);
  });
});
