/**
 * The random numbers tfjs draws, reproduced without loading tfjs: its seeded uniform generator is Johannes Baagøe's
 * Alea (as packaged by seedrandom), seeded with the seed's decimal string. The fast engine draws its Glorot-uniform
 * initial weights and its dropout masks this way, so with the same ctx streams it starts from the weights and drops
 * the units tfjs would (test/steps/fast-mlp-agreement.test.ts).
 */

/** Baagøe's Mash hash, with its running state across calls. */
const mash = () => {
  let n = 0xefc8249d;
  return (data: string): number => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
};

/** Alea seeded with String(seed): uniform doubles in [0, 1), the same sequence as seedrandom.alea(String(seed)). */
export const alea = (seed: number | string): (() => number) => {
  const m = mash();
  const key = String(seed);
  let c = 1;
  let s0 = m(" ");
  let s1 = m(" ");
  let s2 = m(" ");
  s0 -= m(key);
  if (s0 < 0) s0 += 1;
  s1 -= m(key);
  if (s1 < 0) s1 += 1;
  s2 -= m(key);
  if (s2 < 0) s2 += 1;
  return () => {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10;
    s0 = s1;
    s1 = s2;
    c = t | 0;
    s2 = t - c;
    return s2;
  };
};

/**
 * A [fanIn, fanOut] kernel drawn as tfjs.initializers.glorotUniform({ seed }) draws it: uniform on ±√(3/fanAvg),
 * fanAvg = (fanIn + fanOut)/2, row-major.
 */
export const glorotUniform = (fanIn: number, fanOut: number, seed: number): Float32Array => {
  const limit = Math.sqrt(3 * (1 / Math.max(1, (fanIn + fanOut) / 2)));
  const min = -limit;
  const range = limit - min;
  const next = alea(seed);
  const out = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < out.length; i++) out[i] = min + range * next();
  return out;
};

/**
 * Writes a dropout multiplier as tfjs.dropout computes it: for u uniform (float32) from an Alea seeded with one draw
 * of `mathRandom`, floor(u + keep)/keep in float32, i.e. 1/keep with probability keep, else 0.
 */
export const fillDropoutMask = (mask: Float32Array, rate: number, mathRandom: () => number): void => {
  const next = alea(mathRandom());
  const keep = Math.fround(1 - rate);
  const scale = Math.fround(1 / keep);
  for (let i = 0; i < mask.length; i++) mask[i] = Math.fround(Math.fround(next()) + keep) >= 1 ? scale : 0;
};
