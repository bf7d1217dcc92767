/**
 * Random variates from a step's seeded uniform stream (ctx.random): one way to draw each, so every simulator and
 * sampler of the same distribution gives the same numbers from the same stream.
 */
import { normalQuantile } from "./evaluate/wilson.js";

/** A standard normal draw by inversion (one uniform per draw; u + 2^-33 keeps the argument inside (0, 1)). */
export const standardNormal = (random: () => number): number => normalQuantile(random() + 2 ** -33);
