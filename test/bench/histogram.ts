/**
 * A small log-bucketed latency histogram for benchmarks (HdrHistogram in spirit, far smaller):
 * values in nanoseconds, `SUB` buckets per power of two, so every recorded value lands in a bucket
 * whose width is at most 1/SUB of its value (about 3 % with SUB = 32). Percentiles return the upper
 * edge of the bucket holding the rank (never under-reports). Recording is O(1) and allocation-free.
 *
 *   const h = new Histogram();
 *   h.record(ns);                 // integer or fractional ns >= 0
 *   h.percentile(99);             // ns, 0..100
 *   h.count, h.min, h.max, h.mean
 */
const SUB_BITS = 5;
const SUB = 1 << SUB_BITS;
/** Powers of two covered: up to 2^48 ns (~3 days). */
const MAX_EXP = 48;

export class Histogram {
  private readonly counts = new Float64Array((MAX_EXP + 1) * SUB);
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;
  private sum = 0;

  record(ns: number): void {
    if (!(ns >= 0) || !Number.isFinite(ns)) return;
    this.counts[Histogram.index(ns)]! += 1;
    this.count++;
    this.sum += ns;
    if (ns < this.min) this.min = ns;
    if (ns > this.max) this.max = ns;
  }

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /** The value at percentile `p` (0..100): upper edge of its bucket, clamped to the largest value seen. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, Histogram.upper(i));
    }
    return this.max;
  }

  /** Adds another histogram's counts to this one. */
  merge(o: Histogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += o.counts[i]!;
    this.count += o.count;
    this.sum += o.sum;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
  }

  /** Bucket of a value: below SUB ns one bucket per ns, then SUB buckets per power of two. */
  private static index(ns: number): number {
    const v = Math.floor(ns);
    if (v < SUB) return v;
    let exp: number;
    if (v < 2 ** 31) exp = 31 - Math.clz32(v);
    else {
      exp = Math.floor(Math.log2(v));
      if (2 ** exp > v) exp--; // log2 rounding near powers of two
      else if (2 ** (exp + 1) <= v) exp++;
    }
    exp = Math.min(MAX_EXP, exp);
    const sub = Math.floor(v / 2 ** (exp - SUB_BITS)) - SUB;
    return (exp - SUB_BITS + 1) * SUB + Math.min(SUB - 1, Math.max(0, sub));
  }

  /** Largest value that falls into bucket `i`. */
  private static upper(i: number): number {
    if (i < SUB) return i + 1;
    const exp = Math.floor(i / SUB) - 1 + SUB_BITS;
    const sub = i % SUB;
    return (SUB + sub + 1) * 2 ** (exp - SUB_BITS);
  }
}
