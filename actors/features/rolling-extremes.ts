/**
 * Highest high and lowest low of the last N updates, O(1) amortised per update.
 *
 * Each side is a monotonic deque: an entry that can never be the extreme again (an older value
 * beaten by a newer one) is discarded at once, so the front is always the extreme of the window
 * and every value is pushed and popped at most once. The deques live in fixed rings of N slots
 * because, after expiry, a deque can never hold more than N entries. Both sides are one kind of
 * deque, a maximum: the minimum side holds the lows negated (negation is exact, so the minimum is
 * the negated maximum, bit for bit), which keeps the per-bar push free of a which-side test.
 */
import { FakeoutError } from '../domain/errors.ts';

/** Plain-JSON state of {@link RollingExtremes}; entries are `[sequence, value]`, front first. */
export interface RollingExtremesSnapshot {
  size: number;
  /** updates seen so far */
  seen: number;
  maxEntries: [number, number][];
  minEntries: [number, number][];
}

/** Throws the config error used for every window length in this folder. */
export function assertWindowSize(size: number, field: string): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `${field} must be a positive integer, got ${String(size)}`, { details: { field } });
  }
}

/** The maximum of the last `size` values pushed. */
class MaxRing {
  private readonly seqs: Float64Array;
  private readonly values: Float64Array;
  private head = 0;
  private length = 0;

  constructor(private readonly size: number) {
    this.seqs = new Float64Array(size);
    this.values = new Float64Array(size);
  }

  push(seq: number, value: number): void {
    const size = this.size;
    // Expire the front: the window holds sequences seq-size+1 .. seq.
    while (this.length > 0 && this.seqs[this.head]! <= seq - size) {
      this.head = this.head + 1 === size ? 0 : this.head + 1;
      this.length--;
    }
    // Drop the back while the new value is at least as large; equal values are dropped too (the newer lives longer).
    while (this.length > 0) {
      let last = this.head + this.length - 1;
      if (last >= size) last -= size;
      if (this.values[last]! > value) break;
      this.length--;
    }
    let at = this.head + this.length;
    if (at >= size) at -= size;
    this.seqs[at] = seq;
    this.values[at] = value;
    this.length++;
  }

  get front(): number | null {
    return this.length === 0 ? null : this.values[this.head]!;
  }

  /** {@link front} with NaN for none. */
  get frontOrNaN(): number {
    return this.length === 0 ? NaN : this.values[this.head]!;
  }

  /** `sign` 1 gives the values as pushed, -1 negated back (the minimum side). */
  entries(sign: 1 | -1): [number, number][] {
    const out: [number, number][] = [];
    for (let k = 0; k < this.length; k++) {
      const at = (this.head + k) % this.size;
      out.push([this.seqs[at]!, sign * this.values[at]!]);
    }
    return out;
  }

  load(entries: readonly (readonly [number, number])[], sign: 1 | -1): void {
    this.head = 0;
    this.length = 0;
    for (const [seq, value] of entries) {
      this.seqs[this.length] = seq;
      this.values[this.length] = sign * value;
      this.length++;
    }
  }
}

/**
 * Rolling maximum of highs and minimum of lows over the last `size` updates.
 *
 * @example
 * const x = new RollingExtremes(20);
 * x.update(bar.high, bar.low);
 * if (x.isReady) use(x.max, x.min);
 */
export class RollingExtremes {
  private readonly maxRing: MaxRing;
  /** the lows negated: its maximum is the negated minimum */
  private readonly minRing: MaxRing;
  private seen = 0;

  constructor(readonly size: number) {
    assertWindowSize(size, 'size');
    this.maxRing = new MaxRing(size);
    this.minRing = new MaxRing(size);
  }

  /** Adds one observation; `low` defaults to `high` for a single series. */
  update(high: number, low: number = high): void {
    const seq = this.seen++;
    this.maxRing.push(seq, high);
    this.minRing.push(seq, -low);
  }

  /**
   * {@link update} with a bar's high and low, taking the bar rather than its two numbers: the
   * feature engine's per-bar call, where a double argument to a call V8 does not inline is boxed.
   */
  take(bar: { readonly high: number; readonly low: number }): void {
    const seq = this.seen++;
    this.maxRing.push(seq, bar.high);
    this.minRing.push(seq, -bar.low);
  }

  /** Highest high in the window (partial before {@link isReady}); null before any update. */
  get max(): number | null {
    return this.maxRing.front;
  }

  /** Lowest low in the window (partial before {@link isReady}); null before any update. */
  get min(): number | null {
    const front = this.minRing.front;
    return front === null ? null : -front;
  }

  /** {@link max} with NaN for none: the feature engine's per-bar read (no `number | null` box). */
  get maxOrNaN(): number {
    return this.maxRing.frontOrNaN;
  }

  /** {@link min} with NaN for none. */
  get minOrNaN(): number {
    return -this.minRing.frontOrNaN;
  }

  /** Updates seen, capped at the window size. */
  get count(): number {
    return Math.min(this.seen, this.size);
  }

  /** True once the window holds `size` values. */
  get isReady(): boolean {
    return this.seen >= this.size;
  }

  snapshot(): RollingExtremesSnapshot {
    return { size: this.size, seen: this.seen, maxEntries: this.maxRing.entries(1), minEntries: this.minRing.entries(-1) };
  }

  static restore(s: RollingExtremesSnapshot): RollingExtremes {
    const x = new RollingExtremes(s.size);
    x.seen = s.seen;
    x.maxRing.load(s.maxEntries, 1);
    x.minRing.load(s.minEntries, -1);
    return x;
  }
}
