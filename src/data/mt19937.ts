// numpy's *legacy* random generator (np.random.seed / RandomState), bit for bit, as far as P5's
// negative sampling needs it: MT19937 with the 32-bit `init_genrand` seeding, genrand_int32,
// `random_interval` (mask rejection) and `permutation` (Fisher-Yates from the last index down).
// Must not be "improved": any change breaks byte-identity with P5's published negatives.

const N = 624;
const M = 397;

export class LegacyMT19937 {
  private readonly mt = new Int32Array(N);
  /** Tempered outputs of the current block, as int32 bit patterns (keeps hot loops in small ints). */
  private readonly tempered = new Int32Array(N);
  private mti = N + 1;

  constructor(seed: number) {
    this.seed(seed);
  }

  /** numpy `np.random.seed(int)`: init_genrand (Knuth's multiplier 1812433253). */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be in [0, 2^32-1], got ${seed}`);
    const mt = this.mt;
    mt[0] = seed | 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) | 0;
    }
    this.mti = N;
  }

  private twist(): void {
    // State kept as int32 bit patterns so V8 stays on small-integer arithmetic (MATRIX_A = 0x9908b0df).
    const mt = this.mt;
    // Constants above 2^31 are pre-converted to int32 so the loops stay on 32-bit integer ops.
    const MATRIX_A = 0x9908b0df | 0;
    const UPPER = 0x80000000 | 0;
    let kk = 0;
    let y: number;
    for (; kk < N - M; kk++) {
      y = (mt[kk]! & UPPER) | (mt[kk + 1]! & 0x7fffffff);
      mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; kk < N - 1; kk++) {
      y = (mt[kk]! & UPPER) | (mt[kk + 1]! & 0x7fffffff);
      mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    y = (mt[N - 1]! & UPPER) | (mt[0]! & 0x7fffffff);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    const out = this.tempered;
    const B = 0x9d2c5680 | 0;
    const C = 0xefc60000 | 0;
    for (let i = 0; i < N; i++) {
      let t = mt[i]!;
      t ^= t >>> 11;
      t ^= (t << 7) & B;
      t ^= (t << 15) & C;
      t ^= t >>> 18;
      out[i] = t;
    }
    this.mti = 0;
  }

  /** genrand_int32: the next tempered uint32. */
  nextUint32(): number {
    if (this.mti >= N) this.twist();
    return this.tempered[this.mti++]! >>> 0;
  }

  /** numpy `random_interval(max)`: uniform in [0, max] by masking to the covering all-ones mask and rejecting. */
  randomInterval(max: number): number {
    if (max === 0) return 0;
    if (max > 0xffffffff) throw new RangeError('randomInterval: only 32-bit bounds are implemented');
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    while ((v = (this.nextUint32() & mask) >>> 0) > max);
    return v;
  }

  /**
   * numpy legacy `permutation(n)` = shuffle(arange(n)), written into `out` (length >= n) so hot loops
   * can reuse one buffer. Returns `out`.
   */
  permutationInto(n: number, out: Int32Array): Int32Array {
    for (let i = 0; i < n; i++) out[i] = i;
    this.shuffleInto(n, out);
    return out;
  }

  /** numpy legacy 1-d `shuffle`: for i = n-1 .. 1, swap x[i] with x[random_interval(i)]. */
  shuffleInto(n: number, x: Int32Array): void {
    // The loop inlines nextUint32/randomInterval: this runs ~10^8 times for one dataset's negatives.
    const tempered = this.tempered;
    let mti = this.mti;
    for (let i = n - 1; i > 0; i--) {
      let mask = i;
      mask |= mask >>> 1;
      mask |= mask >>> 2;
      mask |= mask >>> 4;
      mask |= mask >>> 8;
      mask |= mask >>> 16;
      let v: number;
      do {
        if (mti >= N) {
          this.twist();
          mti = 0;
        }
        // mask < 2^31, so the int32 AND is already the non-negative masked value.
        v = tempered[mti++]! & mask;
      } while (v > i);
      const t = x[i]!;
      x[i] = x[v]!;
      x[v] = t;
    }
    this.mti = mti;
  }
}
