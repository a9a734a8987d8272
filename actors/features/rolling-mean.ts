/**
 * Mean of the last N values: a running sum over a ring buffer, O(1) per update.
 *
 * A running sum that only adds and subtracts drifts by rounding error over millions of updates,
 * so the sum is recomputed from the ring each time the ring wraps (once every N updates: still
 * O(1) amortised, and deterministic, so a restored instance drifts exactly like the original).
 */
import { FakeoutError } from '../domain/errors.ts';
import { assertWindowSize } from './rolling-extremes.ts';

/** Plain-JSON state of {@link RollingMean}. */
export interface RollingMeanSnapshot {
  size: number;
  /** the ring, in slot order, `min(seen, size)` long */
  values: number[];
  /** next slot to write */
  next: number;
  seen: number;
  sum: number;
}

/**
 * @example
 * const m = new RollingMean(20);
 * m.update(bar.volume);
 * if (m.isReady) use(m.value);
 */
export class RollingMean {
  /** the ring; slots [0, min(seen, size)) are live */
  private readonly values: Float64Array;
  private next = 0;
  private seen = 0;
  private sum = 0;

  constructor(readonly size: number) {
    assertWindowSize(size, 'size');
    this.values = new Float64Array(size);
  }

  update(value: number): void {
    if (this.seen < this.size) this.sum += value;
    else this.sum += value - this.values[this.next]!;
    this.values[this.next] = value;
    this.seen++;
    this.next = this.next + 1 === this.size ? 0 : this.next + 1;
    if (this.next === 0) {
      let exact = 0;
      for (let i = 0; i < this.size; i++) exact += this.values[i]!;
      this.sum = exact;
    }
  }

  /** Mean of the values in the window (partial before {@link isReady}); null before any update. */
  get value(): number | null {
    const n = this.seen < this.size ? this.seen : this.size;
    return n === 0 ? null : this.sum / n;
  }

  /** {@link value} with NaN for none (no `number | null` box on the per-bar path). */
  get valueOrNaN(): number {
    const n = this.seen < this.size ? this.seen : this.size;
    return n === 0 ? NaN : this.sum / n;
  }

  /** True once the window holds `size` values. */
  get isReady(): boolean {
    return this.seen >= this.size;
  }

  snapshot(): RollingMeanSnapshot {
    return { size: this.size, values: Array.from(this.values.subarray(0, Math.min(this.seen, this.size))), next: this.next, seen: this.seen, sum: this.sum };
  }

  static restore(s: RollingMeanSnapshot): RollingMean {
    const m = new RollingMean(s.size);
    if (!Array.isArray(s.values) || s.values.length > s.size) {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', 'rolling mean snapshot holds more values than its window', { details: { field: 'values' } });
    }
    m.values.set(s.values);
    m.next = s.next;
    m.seen = s.seen;
    m.sum = s.sum;
    return m;
  }
}
