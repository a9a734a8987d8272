/**
 * drift-monitor: the time oracle's watch (docs/time.md). At start and every
 * FAKEOUT_NTP_POLL_SECONDS it measures the clock offset against FAKEOUT_NTP_SERVERS (SNTP, the best
 * sample by delay, adapters/time/sntp.ts) and judges it (`judgeDrift`, adapters/time/drift.ts):
 * beyond FAKEOUT_CLOCK_WARN_MS it logs a warning; beyond FAKEOUT_CLOCK_TRIP_MS, or with no accepted
 * answer for FAKEOUT_CLOCK_NO_ANSWER_SECONDS, it trips the breaker: `risk.trip.clock` on ORDERS,
 * reason `clock`, the figures of the judgment. POLICY: while the clock stays bad each measurement
 * trips again (the breaker, already open, restarts its cooldown): trading does not resume on a
 * clock that is still wrong. Runs only when FAKEOUT_NTP_SERVERS is set.
 */
import type { Clock } from '../../adapters/time/clock.ts';
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
  let lastGoodAt = deps.clock.now();
  let offsetMs: number | null = null;
  const tick = async () => {
    const m = await measureOffset(deps.servers, { samples: deps.samples, timeoutMs: deps.timeoutMs });
    const now = deps.clock.now();
    if (m.best !== null) {
      lastGoodAt = now;
      offsetMs = m.best.offsetMs;
    } else {
      deps.log.warn({ failures: m.failures.map((f) => `${f.server}: ${String((f.error as Error)?.message ?? f.error)}`) }, 'time oracle: no NTP server answered');
    }
    const v = judgeDrift({ offsetMs, lastGoodAt, now }, deps.thresholds);
    deps.onVerdict?.(v);
    if (v.kind === 'warn') deps.log.warn({ ...v.figures }, 'clock offset beyond the warning threshold');
    if (v.kind === 'trip') {
      const trip = clockTripOf(v, now);
      deps.log.error({ ...v.figures, cause: v.cause }, 'clock: tripping the breaker');
      await deps.bus.publishMany([{ subject: tripSubject('clock'), id: tripMsgId('clock', now), value: trip }]);
    }
  };
  return startTickerService('drift-monitor', { intervalMs: deps.intervalMs, tick, immediate: true });
}
