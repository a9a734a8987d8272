/**
 * The integrity auditor on a schedule: every FAKEOUT_INTEGRITY_EVERY seconds one incremental run
 * (integrity.service.ts) as actor `integrity-auditor`. A failed run is logged with each problem
 * and trips the breaker (`risk.trip.integrity`, reason `integrity`, trip.ts); the run's audit
 * entry is written either way. A run that cannot run (NATS or the database away) is a crash for
 * the supervisor to restart, as for every ticker service (actors/app/ticker.service.ts).
 */
import type { Clock } from '../../adapters/time/clock.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { startTickerService } from '../app/ticker.service.ts';
import type { Bus, Logger } from '../stage/ports.ts';
import type { StageActor } from '../stage/stage.actor.ts';
import { formatIntegrityResult, runIntegrityCheck, type IntegrityResult, type RawReader } from './integrity.service.ts';
import { integrityTripOf, publishIntegrityTrip } from './trip.ts';

export const INTEGRITY_ACTOR = 'integrity-auditor';

export interface IntegrityActorDeps {
  db: Db;
  bus: Bus;
  clock: Clock;
  log: Logger;
  intervalMs: number;
  onRun?: (r: IntegrityResult) => void;
}

/** One scheduled run: the check, then on failure the trip. Exported for tests. */
export async function integrityTick(deps: Omit<IntegrityActorDeps, 'intervalMs'>): Promise<IntegrityResult> {
  const { bus } = deps;
  if (bus.messageAt === undefined || bus.lastSeq === undefined) throw new Error('integrity-auditor: this bus cannot read RAW by seq');
  const raw: RawReader = { messageAt: (s, q) => bus.messageAt!(s, q), lastSeq: (s) => bus.lastSeq!(s) };
  const r = await runIntegrityCheck({ db: deps.db, raw, clock: deps.clock, actor: INTEGRITY_ACTOR });
  const lines = formatIntegrityResult(r);
  if (r.ok) deps.log.info({ actor: INTEGRITY_ACTOR, from: r.from, to: r.to, rows: r.rows, pending: r.pending }, lines[0]!);
  else {
    deps.log.error({ actor: INTEGRITY_ACTOR, problems: lines.slice(1, 51) }, lines[0]!);
    await publishIntegrityTrip(bus, integrityTripOf(r));
  }
  deps.onRun?.(r);
  return r;
}

export function startIntegrityActor(deps: IntegrityActorDeps): StageActor {
  return startTickerService(INTEGRITY_ACTOR, { intervalMs: deps.intervalMs, connection: deps.bus.connection, tick: async () => void (await integrityTick(deps)) });
}
