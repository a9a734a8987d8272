/**
 * One aligned line per signal, for `fakeout signals` and the summary: pure string work.
 */
import type { Signal } from '../domain/messages.ts';

/** A price with as many decimals as its size needs: 2 from 1000 up, 5 for 1.2345x, 6 below 1. */
export function formatPrice(x: number): string {
  const whole = Math.abs(x) >= 1 ? Math.floor(Math.log10(Math.abs(x))) + 1 : 0;
  return x.toFixed(Math.min(6, Math.max(2, 6 - whole)));
}

/** `2022-01-01 01:13Z`: minutes are the finest timeframe, so seconds would be noise. */
export function formatUtcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** The columns of a signal line; widths grow with the longest value seen. */
export class SignalColumns {
  private readonly widths = { symbol: 6, timeframe: 3, score: 5, entry: 5, stop: 4, target: 6 };

  constructor(signals: readonly Signal[] = []) {
    for (const s of signals) this.fit(s);
  }

  header(): string {
    const w = this.widths;
    return [
      'bar open (UTC)'.padEnd(17),
      'symbol'.padEnd(w.symbol),
      'tf'.padEnd(w.timeframe),
      'dir  ',
      'score'.padStart(w.score),
      'entry'.padStart(w.entry),
      'stop'.padStart(w.stop),
      'target'.padStart(w.target),
    ].join('  ');
  }

  /** One line; widens the columns first if this signal needs it (later lines then align to it). */
  line(s: Signal): string {
    this.fit(s);
    const w = this.widths;
    return [
      formatUtcMinute(s.openTime).padEnd(17),
      s.symbol.padEnd(w.symbol),
      s.timeframe.padEnd(w.timeframe),
      s.direction.toUpperCase().padEnd(5),
      s.score.toFixed(2).padStart(w.score),
      formatPrice(s.entry).padStart(w.entry),
      formatPrice(s.stop).padStart(w.stop),
      formatPrice(s.target).padStart(w.target),
    ].join('  ');
  }

  private fit(s: Signal): void {
    const w = this.widths;
    w.symbol = Math.max(w.symbol, s.symbol.length);
    w.timeframe = Math.max(w.timeframe, s.timeframe.length);
    w.score = Math.max(w.score, s.score.toFixed(2).length);
    w.entry = Math.max(w.entry, formatPrice(s.entry).length);
    w.stop = Math.max(w.stop, formatPrice(s.stop).length);
    w.target = Math.max(w.target, formatPrice(s.target).length);
  }
}
