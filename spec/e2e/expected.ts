/**
 * What the pipeline must produce, computed by the tests themselves from the raw rows (not with
 * fakeout's bar builder, feature engine or score: spec/helpers/reference-scoring.ts implements
 * docs/scoring.md on its own), plus a dump of everything stored, for comparing two runs.
 */
import { sql } from 'kysely';
import type { App } from '../../actors/app/app.ts';
import type { Bar, Signal, Timeframe } from '../../actors/domain/messages.ts';
import { streamMessages } from '../../adapters/nats/index.ts';
import { listBars } from '../../adapters/db/index.ts';
import type { FtxRow } from '../helpers/app.ts';
import { referenceScoring, type RefScore, type RefSignal } from '../helpers/reference-scoring.ts';

const TF: Record<string, number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000 };

/**
 * 1-minute input bars → the closed bars of each timeframe. A higher bucket is closed when a
 * row completes it (row open + 1m = bucket end) or a row of a later bucket arrives; its OHLCV
 * is first open, max high, min low, last close, summed volume.
 */
export function expectedBars(symbol: string, rows: readonly FtxRow[], tfs: Timeframe[] = ['1m', '5m', '15m', '1h']): Map<string, Bar> {
  const out = new Map<string, Bar>();
  for (const tf of tfs) {
    const ms = TF[tf]!;
    const buckets = new Map<number, FtxRow[]>();
    for (const r of rows) {
      const b = Math.floor(r.ts / ms) * ms;
      (buckets.get(b) ?? buckets.set(b, []).get(b)!).push(r);
    }
    const starts = [...buckets.keys()].sort((a, b) => a - b);
    starts.forEach((start, i) => {
      const rs = buckets.get(start)!;
      const complete = rs.some((r) => r.ts + 60_000 === start + ms) || i < starts.length - 1;
      if (!complete) return;
      const id = `${symbol}:${tf}:${start}`;
      out.set(id, {
        id,
        symbol,
        timeframe: tf,
        openTime: start,
        closeTime: start + ms,
        open: rs[0]!.open,
        high: Math.max(...rs.map((r) => r.high)),
        low: Math.min(...rs.map((r) => r.low)),
        close: rs[rs.length - 1]!.close,
        volume: rs.reduce((s, r) => s + r.volume, 0),
        count: rs.length,
      });
    });
  }
  return out;
}

/**
 * The signals the documented rules give for `bars` (the reference, not the production scoring),
 * in time order (a tie: the shorter timeframe first), with the default parameters.
 */
export function expectedSignals(bars: Iterable<Bar>): RefSignal[] {
  return referenceScoring(bars).signals.sort((a, b) => a.openTime - b.openTime || TF[a.timeframe]! - TF[b.timeframe]!);
}

/** Every bar's score and direction by the documented rules (the reference), sorted by id like dumpState's. */
export function expectedScores(bars: Iterable<Bar>): RefScore[] {
  return referenceScoring(bars).scores;
}

export interface StoredState {
  bars: Bar[];
  scores: { id: string; score: number; direction: string | null }[];
  signals: { id: string; direction: string; score: number; entry: number; stop: number; target: number }[];
  signalMessages: string[];
  rawEvents: number;
}

/** Everything the pipeline stored, in a stable order. */
export async function dumpState(app: App): Promise<StoredState> {
  const db = app.database.db;
  const bars = (await listBars(db)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const scores = await db.selectFrom('scores').select(['id', 'score', 'direction']).orderBy('id').execute();
  const signals = await db.selectFrom('signals').select(['id', 'direction', 'score', 'entry', 'stop', 'target']).orderBy('id').execute();
  const raw = await sql<{ n: number }>`select count(*)::int as n from raw_events`.execute(db);
  const msgs = await streamMessages(app.messaging.bus('pipeline').js, 'SIGNALS');
  return {
    bars,
    scores,
    signals,
    signalMessages: msgs.map((m) => (m.value as Signal).id),
    rawEvents: raw.rows[0]!.n,
  };
}

/** Bars compared with a tolerance on volume only (summing floats in another order). */
export function sameBar(a: Bar, b: Bar): boolean {
  return (
    a.id === b.id && a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close &&
    a.count === b.count && Math.abs(a.volume - b.volume) <= 1e-6 * Math.max(1, Math.abs(b.volume))
  );
}
