/** The monitors' records: `signal_liquidity` (one tag per signal) and `monitor_states` (one row per monitor). */
import { sql } from 'kysely';
import type { MonitorState } from '../../actors/monitors/monitor-logic.ts';
import { withDbErrors } from './db-errors.ts';
import type { Db } from './schema.ts';

export interface SignalLiquidityRecord {
  signalId: string;
  symbol: string;
  timeframe: string;
  openTime: number;
  low: boolean;
  reasons: string[];
  volume: number | null;
  threshold: number | null;
}

export type MonitorStateRecord = MonitorState;

/** Stores tags; a signal already tagged keeps its first tag (ids are the signals' ids). */
export async function insertSignalLiquidity(db: Db, tags: readonly SignalLiquidityRecord[]): Promise<void> {
  if (tags.length === 0) return;
  await withDbErrors('insert signal_liquidity', async () => {
    await db
      .insertInto('signal_liquidity')
      .values(tags.map((t) => ({
        signal_id: t.signalId, symbol: t.symbol, timeframe: t.timeframe, open_time: t.openTime, low: t.low,
        reasons: JSON.stringify(t.reasons), volume: t.volume, threshold: t.threshold,
      })))
      .onConflict((oc) => oc.column('signal_id').doNothing())
      .execute();
  });
}

/** Inserts or replaces a monitor's current state. */
export async function saveMonitorState(db: Db, s: MonitorStateRecord): Promise<void> {
  await withDbErrors(`save monitor state ${s.monitor}`, async () => {
    const row = { state: s.state, value: s.value, threshold: s.threshold, since: s.since, figures: JSON.stringify(s.figures) };
    await db
      .insertInto('monitor_states')
      .values({ monitor: s.monitor, ...row })
      .onConflict((oc) => oc.column('monitor').doUpdateSet({ ...row, updated_at: sql<Date>`now()` }))
      .execute();
  });
}

export async function listMonitorStates(db: Db): Promise<MonitorStateRecord[]> {
  return withDbErrors('list monitor states', async () => {
    const rows = await db.selectFrom('monitor_states').selectAll().orderBy('monitor').execute();
    return rows.map((r) => ({
      monitor: r.monitor, state: r.state as 'normal' | 'alert', value: r.value, threshold: r.threshold, since: r.since,
      figures: r.figures as Record<string, number>,
    }));
  });
}

export async function listSignalLiquidity(db: Db): Promise<SignalLiquidityRecord[]> {
  return withDbErrors('list signal_liquidity', async () => {
    const rows = await db.selectFrom('signal_liquidity').selectAll().orderBy('open_time').orderBy('signal_id').execute();
    return rows.map((r) => ({
      signalId: r.signal_id, symbol: r.symbol, timeframe: r.timeframe, openTime: r.open_time, low: r.low,
      reasons: r.reasons as string[], volume: r.volume, threshold: r.threshold,
    }));
  });
}
