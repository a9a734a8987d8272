/** Domain values for the storage tests. Instants are arbitrary fixed epoch ms (2023-11-14T22:13:20Z = 1_700_000_000_000). */
import { sql } from 'kysely';
import type { Bar, Features, RawEnvelope, Score, Signal } from '../../actors/domain/messages.ts';
import type { Db } from '../../adapters/db/schema.ts';

export const T0 = 1_700_000_000_000;

export function envelope(line: number, symbol = 'BTCUSDT'): RawEnvelope {
  return {
    id: `replay:0123456789abcdef:${line}`,
    source: 'replay',
    receivedAt: T0 + 5_000 + line,
    event: { kind: 'tick', symbol, ts: T0 + line * 1_000, price: 100 + line / 10, size: 1 },
    origin: { file: 'ticks.csv', line },
  };
}

/**
 * A webhook envelope as stamped ingest writes it: system reading, corrected time, a fractional
 * offset (as SNTP measures it), `origin.timenow`, and optionally the time_skew flag.
 */
export function stampedEnvelope(n: number, flagged = false): RawEnvelope {
  const receivedAt = T0 + 5_000 + n;
  return {
    id: `tv:stamped-${n}:0123456789abcdef`,
    source: 'tradingview',
    receivedAt,
    correctedAt: receivedAt + 1500,
    clockOffsetMs: 1500.25,
    event: { kind: 'tick', symbol: 'BTCUSDT', ts: T0 + n * 1_000, price: 100 + n / 10, size: 1 },
    origin: { remote: '203.0.113.7', timenow: T0 + n * 1_000 + 250 },
    ...(flagged ? { flags: ['time_skew' as const], flagReason: 'timenow: the alert fired 90 s behind now' } : {}),
  };
}

/** seqs `from..to` carrying envelopes for the lines of the same numbers. */
export function rawRows(from: number, to: number): { seq: number; envelope: RawEnvelope }[] {
  const out = [];
  for (let seq = from; seq <= to; seq++) out.push({ seq, envelope: envelope(seq) });
  return out;
}

export function bar(symbol: string, i: number, close = 100 + i): Bar {
  const openTime = T0 + i * 60_000;
  return {
    id: `${symbol}:1m:${openTime}`,
    symbol,
    timeframe: '1m',
    openTime,
    closeTime: openTime + 60_000,
    open: 100,
    high: close + 0.5,
    low: 99.25,
    close,
    volume: 12.5,
    count: 7,
  };
}

export function features(b: Bar): Features {
  return {
    id: b.id,
    symbol: b.symbol,
    timeframe: b.timeframe,
    openTime: b.openTime,
    close: b.close,
    high: b.high,
    low: b.low,
    rangeHigh: 101,
    rangeLow: 95,
    atr: 1.25,
    upperWickRatio: 0.4,
    lowerWickRatio: 0.1,
    breakoutUpAtr: 0.8,
    breakoutDownAtr: 0,
    closeBackInsideUpAtr: 0.3,
    closeBackInsideDownAtr: 0,
    volumeRatio: 1.7,
    volume: 170,
    lookback: 20,
    regime: { session: 'london', volatility: 'high', trend: 'down' },
    atrPercentile: 0.875,
    trendSlopeAtr: -0.25,
  };
}

export function score(b: Bar, value: number, direction: Score['direction'] = 'short'): Score {
  return { id: b.id, symbol: b.symbol, timeframe: b.timeframe, openTime: b.openTime, score: value, direction, components: { wick: value / 2, closeBack: value / 2 }, features: features(b) };
}

export function signal(b: Bar, value: number): Signal {
  return { id: b.id, symbol: b.symbol, timeframe: b.timeframe, openTime: b.openTime, direction: 'short', score: value, entry: b.close, stop: b.high + 0.25, target: 95, features: features(b) };
}

/**
 * Runs `fn` with the append-only trigger disabled, as a superuser could: how the tests simulate
 * tampering, and how they clear the table between cases.
 */
export async function withTriggersDisabled<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  await sql`ALTER TABLE raw_events DISABLE TRIGGER ALL`.execute(db);
  try {
    return await fn();
  } finally {
    await sql`ALTER TABLE raw_events ENABLE TRIGGER ALL`.execute(db);
  }
}

export async function wipeRawEvents(db: Db): Promise<void> {
  await withTriggersDisabled(db, () => db.deleteFrom('raw_events').execute());
}
