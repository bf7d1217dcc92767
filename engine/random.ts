import { createHash } from "node:crypto";

/**
 * A seeded uniform [0, 1) stream (sfc32, Doornik's small fast counter generator). Its state is seeded from
 * sha256(seed/stream), so named streams are independent and depend only on what is in the cache key.
 */
export const seededRandom = (seed: number, stream: string): (() => number) => {
  const h = createHash("sha256").update(`${seed}/${stream}`).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
};
