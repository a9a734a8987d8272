/**
 * Webhook intake: a validated TradingView alert whose time is plausible (plausibility.ts, the
 * live window against the injected clock) becomes a RAW envelope; the HTTP answer is given only
 * after JetStream acknowledged it (POLICY: 2xx means durably stored; an implausible time is
 * refused before anything is published).
 */
import type { Clock } from '../../adapters/time/index.ts';
import { closedBuckets, type ClosedBucket } from '../bars/bucket.ts';
import { FakeoutError, isFakeoutError } from '../domain/errors.ts';
import type { Timeframe } from '../domain/messages.ts';
import type { Bus } from '../stage/ports.ts';
import { parseAlert } from './alert.ts';
import { rawSubject, webhookEnvelope } from './envelope.ts';
import { liveTimeProblem, type TimeLimits } from './plausibility.ts';

export interface AlertIntakeDeps {
  bus: Bus;
  clock: Clock;
  zone: string;
  /** the event-time window (timeLimitsFromConfig) */
  timeLimits: TimeLimits;
  /** the configured bar timeframes, to say which of their bars the alert closes */
  timeframes: readonly Timeframe[];
}

/** `closes`: the bars the alert completes by itself (actors/bars/bucket.ts), finest first. */
export type AcceptAlert = (
  body: Record<string, unknown>,
  meta: { remote: string },
) => Promise<{ id: string; duplicate: boolean; closes: ClosedBucket[] }>;

export function createAlertIntake(deps: AlertIntakeDeps): AcceptAlert {
  return async (body, meta) => {
    const { event, alertId } = parseAlert(body, { zone: deps.zone });
    const now = deps.clock.now();
    const implausible = liveTimeProblem(event, now, deps.timeLimits);
    if (implausible) throw new FakeoutError('FAKEOUT_ERR_WEBHOOK_INVALID', `time: ${implausible.reason}`, { details: { field: implausible.field } });
    const envelope = webhookEnvelope(event, alertId, now, meta.remote);
    try {
      const [ack] = await deps.bus.publishMany([{ subject: rawSubject(envelope), id: envelope.id, value: envelope }]);
      return { id: envelope.id, duplicate: ack?.duplicate ?? false, closes: closedBuckets(event, deps.timeframes) };
    } catch (err) {
      if (isFakeoutError(err, 'FAKEOUT_ERR_INGEST_UNAVAILABLE')) throw err;
      throw new FakeoutError('FAKEOUT_ERR_INGEST_UNAVAILABLE', 'the RAW stream did not acknowledge the alert; nothing was stored, retry', { cause: err });
    }
  };
}
