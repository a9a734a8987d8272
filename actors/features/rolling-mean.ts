/**
 * Mean of the last N values: a running sum over a ring buffer, O(1) per update.
 *
 * A running sum that only adds and subtracts drifts by rounding error over millions of updates,
 * so the sum is recomputed from the ring each time the ring wraps (once every N updates: still
 * O(1) amortised, and deterministic, so a restored instance drifts exactly like the original).
 */
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
  private values: number[] = [];
  private next = 0;
  private seen = 0;
  private sum = 0;

  constructor(readonly size: number) {
    assertWindowSize(size, 'size');
  }

  update(value: number): void {
    if (this.seen < this.size) {
      this.values.push(value);
      this.sum += value;
    } else {
      this.sum += value - this.values[this.next]!;
      this.values[this.next] = value;
    }
    this.seen++;
    this.next = (this.next + 1) % this.size;
    if (this.next === 0) {
      let exact = 0;
      for (const x of this.values) exact += x;
      this.sum = exact;
    }
  }

  /** Mean of the values in the window (partial before {@link isReady}); null before any update. */
  get value(): number | null {
    const n = Math.min(this.seen, this.size);
    return n === 0 ? null : this.sum / n;
  }

  /** True once the window holds `size` values. */
  get isReady(): boolean {
    return this.seen >= this.size;
  }

  snapshot(): RollingMeanSnapshot {
    return { size: this.size, values: [...this.values], next: this.next, seen: this.seen, sum: this.sum };
  }

  static restore(s: RollingMeanSnapshot): RollingMean {
    const m = new RollingMean(s.size);
    m.values = [...s.values];
    m.next = s.next;
    m.seen = s.seen;
    m.sum = s.sum;
    return m;
  }
}
