/**
 * Counting distinct numbers without a JS Set: the Parquet writer's dictionary rule (table.ts) asks, for every long
 * numeric column it writes, whether it holds more distinct values than a dictionary page can take, and a Set's
 * per-value cost was a sizeable share of writing a million-row table. Values are equal as a Set would count them
 * (SameValueZero: -0 is 0, every NaN is one value), so the answer is the same.
 */

/** The low and high 32 bits of a float64, through one shared buffer. */
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** A 32-bit hash of a float64's bit pattern (murmur3's finaliser over both words). */
const hash = (v: number): number => {
  bits[0] = v;
  let h = words[0]! ^ Math.imul(words[1]!, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/**
 * Integers in [-SMALL_INTEGERS, SMALL_INTEGERS) are counted in a bitmap instead of the hash table: most numeric
 * columns of a cohort (ages, codes, counts, measurements in whole units) hold only such values, and a bit test costs
 * a fraction of a hash and probe.
 */
const SMALL_INTEGERS = 1 << 20;

/** Whether `values` hold more than `limit` distinct numbers; stops reading as soon as they do. */
export const moreDistinctThan = (values: ArrayLike<number>, limit: number): boolean => {
  const small = new Uint32Array((2 * SMALL_INTEGERS) >>> 5);
  let capacity = 16;
  while (capacity < 2 * (limit + 1)) capacity *= 2;
  const mask = capacity - 1;
  const keys = new Float64Array(capacity);
  const used = new Uint8Array(capacity);
  let count = 0;
  let sawNaN = false;
  for (let r = 0; r < values.length; r++) {
    const raw = values[r]!;
    if (raw !== raw) {
      if (!sawNaN && ++count > limit) return true;
      sawNaN = true;
      continue;
    }
    // -0 | 0 is 0, so -0 and 0 share a bit, as SameValueZero has it.
    if ((raw | 0) === raw && raw >= -SMALL_INTEGERS && raw < SMALL_INTEGERS) {
      const bit = raw + SMALL_INTEGERS;
      const word = small[bit >>> 5]!;
      const flag = 1 << (bit & 31);
      if ((word & flag) !== 0) continue;
      small[bit >>> 5] = word | flag;
      if (++count > limit) return true;
      continue;
    }
    const v = raw === 0 ? 0 : raw;
    let slot = hash(v) & mask;
    while (used[slot] === 1 && keys[slot] !== v) slot = (slot + 1) & mask;
    if (used[slot] === 1) continue;
    used[slot] = 1;
    keys[slot] = v;
    if (++count > limit) return true;
  }
  return false;
};
