/**
 * drift-monitor: the time oracle's watch (docs/time.md). At start and every
 * FAKEOUT_NTP_POLL_SECONDS it measures the clock offset against FAKEOUT_NTP_SERVERS (SNTP, the best
 * sample by delay, adapters/time/sntp.ts) and judges it (`judgeDrift`, adapters/time/drift.ts):
 * beyond FAKEOUT_CLOCK_WARN_MS it logs a warning; beyond FAKEOUT_CLOCK_TRIP_MS, or with no accepted
 * answer for FAKEOUT_CLOCK_NO_ANSWER_SECONDS, it trips the breaker: `risk.trip.clock` on ORDERS,
 * reason `clock`, the figures of the judgment. POLICY: while the clock stays bad each measurement
 * trips again (the breaker, already open, restarts its cooldown): trading does not resume on a
 * clock that is still wrong. Runs only when FAKEOUT_NTP_SERVERS is set.
 *
 * Correction: when the clock it is given is correctable (the app's CorrectedClock, the clock every
 * actor of the process is given), every measurement judged usable (ok or warn) is accepted into
 * it, so "now" everywhere becomes corrected time. POLICY: an offset beyond the trip threshold is
 * never accepted (the clock keeps the last good offset while the breaker is open), nor is
 * anything accepted when no server answered. The judgment reads the system clock, as the
 * offsets it judges are measured against it.
 */
import { isCorrectableClock, type Clock } from '../../adapters/time/clock.ts';
import { judgeDrift, type DriftThresholds, type DriftVerdict } from '../../adapters/time/drift.ts';
import { measureOffset, type NtpServer } from '../../adapters/time/sntp.ts';
import { startTickerService } from '../app/ticker.service.ts';
import { tripMsgId, tripSubject } from '../execution/order-messages.ts';
import type { Bus, Logger } from '../stage/ports.ts';
import type { StageActor } from '../stage/stage.actor.ts';

/** The trip body of a verdict: figures as numbers only (null offset: none accepted yet → omitted). */
export function clockTripOf(v: Extract<DriftVerdict, { kind: 'trip' }>, at: number): { at: number; reason: string; figures: Record<string, number> } {
  const f = v.figures;
  const figures: Record<string, number> = { sinceLastGoodMs: f.sinceLastGoodMs, warnMs: f.warnMs, tripMs: f.tripMs, noAnswerMs: f.noAnswerMs };
  if (f.offsetMs !== null) figures.offsetMs = f.offsetMs;
  const reason = v.cause === 'offset' ? `offset ${Math.round(f.offsetMs!)} ms beyond ${f.tripMs} ms` : `no NTP answer for ${Math.round(f.sinceLastGoodMs / 1000)} s`;
  return { at, reason, figures };
}

export function startDriftMonitorActor(deps: {
  bus: Bus; clock: Clock; log: Logger; servers: readonly NtpServer[]; samples: number; timeoutMs: number; intervalMs: number; thresholds: DriftThresholds;
  onVerdict?: (v: DriftVerdict) => void;
}): StageActor {
  const correctable = isCorrectableClock(deps.clock) ? deps.clock : undefined;
  const systemNow = (): number => correctable?.systemNow() ?? deps.clock.now();
  let lastGoodAt = systemNow();
  let offsetMs: number | null = null;
  const tick = async () => {
    const m = await measureOffset(deps.servers, { samples: deps.samples, timeoutMs: deps.timeoutMs });
    const now = systemNow();
    if (m.best !== null) {
      lastGoodAt = now;
      offsetMs = m.best.offsetMs;
    } else {
      deps.log.warn({ failures: m.failures.map((f) => `${f.server}: ${String((f.error as Error)?.message ?? f.error)}`) }, 'time oracle: no NTP server answered');
    }
    const v = judgeDrift({ offsetMs, lastGoodAt, now }, deps.thresholds);
    if (correctable && m.best !== null && v.kind !== 'trip') {
      const first = !correctable.corrected;
      correctable.accept(m.best.offsetMs, now);
      if (first) deps.log.info({ offsetMs: m.best.offsetMs, server: m.best.server }, 'time oracle: first offset accepted, now is corrected time');
    }
    if (v.kind === 'warn') deps.log.warn({ ...v.figures }, 'clock offset beyond the warning threshold');
    if (v.kind === 'trip') {
      const at = deps.clock.now();
      const trip = clockTripOf(v, at);
      deps.log.error({ ...v.figures, cause: v.cause }, 'clock: tripping the breaker');
      await deps.bus.publishMany([{ subject: tripSubject('clock'), id: tripMsgId('clock', at), value: trip }]);
    }
    // observers hear a verdict once it has been acted on (a trip is on ORDERS by then)
    deps.onVerdict?.(v);
  };
  return startTickerService('drift-monitor', { intervalMs: deps.intervalMs, tick, immediate: true, connection: deps.bus.connection });
}
