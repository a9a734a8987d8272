/**
 * Wilder's Average True Range, streaming, O(1) per bar.
 *
 * True range = max(high - low, |high - previous close|, |low - previous close|); the very first
 * bar has no previous close, so its true range is high - low (Wilder's own convention, and the
 * one trading-signals uses). The first ATR is the plain mean of the first `period` true ranges,
 * then each bar smooths: atr = (previous atr * (period - 1) + tr) / period.
 */
import { assertWindowSize } from './rolling-extremes.ts';

/** The part of a bar ATR needs. */
export interface HighLowClose {
  high: number;
  low: number;
  close: number;
}

/** Plain-JSON state of {@link Atr}. */
export interface AtrSnapshot {
  period: number;
  prevClose: number | null;
  /** true ranges summed while seeding (before the first value) */
  seedSum: number;
  seedCount: number;
  value: number | null;
}

/** The true range of a bar against the previous close (null: no previous bar). {@link Atr.update} writes the same formula out. */
export function trueRange(bar: HighLowClose, prevClose: number | null): number {
  const hl = bar.high - bar.low;
  if (prevClose === null) return hl;
  return Math.max(hl, Math.abs(bar.high - prevClose), Math.abs(bar.low - prevClose));
}

/**
 * @example
 * const atr = new Atr(14);
 * atr.update(bar);
 * if (atr.isReady) use(atr.value);
 */
export class Atr {
  // NaN stands for "none yet" inside (a double field, never boxed per update); null outside
  private prevClose = NaN;
  private seedSum = 0;
  private seedCount = 0;
  private current = NaN;

  constructor(readonly period: number) {
    assertWindowSize(period, 'period');
  }

  update(bar: HighLowClose): void {
    // trueRange's formula, written out with NaN for no previous close: V8 did not inline a call
    // here, and a double returned from a call that is not inlined is boxed into a heap number
    const hl = bar.high - bar.low;
    const prev = this.prevClose;
    const tr = prev !== prev ? hl : Math.max(hl, Math.abs(bar.high - prev), Math.abs(bar.low - prev));
    this.prevClose = bar.close;
    if (this.current !== this.current) {
      this.seedSum += tr;
      this.seedCount++;
      if (this.seedCount === this.period) this.current = this.seedSum / this.period;
      return;
    }
    this.current = (this.current * (this.period - 1) + tr) / this.period;
  }

  /**
   * {@link value} with NaN for none: the feature engine's per-bar read, which then never boxes a
   * `number | null` into a fresh heap number (a NaN test is as cheap as a null test).
   */
  get valueOrNaN(): number {
    return this.current;
  }

  /** The ATR after the last update; null until `period` bars were seen. */
  get value(): number | null {
    return this.current !== this.current ? null : this.current;
  }

  get isReady(): boolean {
    return this.current === this.current;
  }

  snapshot(): AtrSnapshot {
    return { period: this.period, prevClose: this.prevClose !== this.prevClose ? null : this.prevClose, seedSum: this.seedSum, seedCount: this.seedCount, value: this.value };
  }

  static restore(s: AtrSnapshot): Atr {
    const a = new Atr(s.period);
    a.prevClose = s.prevClose ?? NaN;
    a.seedSum = s.seedSum;
    a.seedCount = s.seedCount;
    a.current = s.value ?? NaN;
    return a;
  }
}
