// Small seeded PRNGs for everything in the project that must be reproducible (samplers, splits,
// shuffles, id re-mapping). mulberry32 is the workhorse; splitmix32 derives independent sub-seeds.
// Not for cryptography, and not numpy-compatible (see mt19937.ts for that).

export interface Rng {
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform integer in [0, n) (n >= 1, n <= 2^32), unbiased (rejection). */
  int(n: number): number;
  /** Raw uint32. */
  uint32(): number;
}

/** splitmix32 step: a good scrambler to turn (seed, stream) into well-spread 32-bit seeds. */
export function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Derives the seed of an independent stream (e.g. one per epoch or per worker) from a base seed. */
export function deriveSeed(seed: number, stream: number): number {
  return splitmix32((splitmix32(seed >>> 0) ^ Math.imul(stream + 1, 0x27d4eb2d)) >>> 0);
}

/** mulberry32 (Tommy Ettinger): 32-bit state, passes PractRand to 2^32 outputs, tiny and fast. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const uint32 = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    uint32,
    next: () => uint32() / 4294967296,
    int(n: number): number {
      if (!(n >= 1 && n <= 4294967296) || !Number.isInteger(n)) throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
      // Rejection keeps the result unbiased when n does not divide 2^32.
      const limit = 4294967296 - (4294967296 % n);
      let x = uint32();
      while (x >= limit) x = uint32();
      return x % n;
    },
  };
}

/** In-place Fisher-Yates shuffle of a typed or plain array. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(arr: T, rng: Rng): T {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
  return arr;
}

/** A random permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(p, rng);
}
