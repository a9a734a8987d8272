/**
 * Webhook intake: a validated TradingView alert whose time is plausible (plausibility.ts, the
 * live window against corrected now) becomes a RAW envelope stamped with the system reading,
 * corrected time and the offset used (docs/time.md, "Stamps"); the HTTP answer is given only
 * after JetStream acknowledged it (POLICY: 2xx means durably stored; a refused alert is refused
 * before anything is published).
 *
 * Clock skew (docs/webhook.md, "Clock skew"): a `time` outside the skew/age window, or a
 * `timenow` further than the skew from now, is refused (FAKEOUT_WEBHOOK_SKEW_ACTION=refuse, 400
 * naming the field, `info.flag` = `time_skew`) or kept with `flags: ['time_skew']` (`flag`).
 * POLICY: a skewed alert is never accepted silently: refused or flagged, the caller counts it.
 * A time before the floor is not skew but not a time at all: always refused.
 */
import { stampOf, type Clock } from '../../adapters/time/index.ts';
import { closedBuckets, type ClosedBucket } from '../bars/bucket.ts';
import type { WebhookSkewAction } from '../domain/config.ts';
import { FakeoutError, isFakeoutError } from '../domain/errors.ts';
import type { RawFlag, Timeframe } from '../domain/messages.ts';
import type { Bus } from '../stage/ports.ts';
import { parseAlert } from './alert.ts';
import { rawSubject, webhookEnvelope } from './envelope.ts';
import { fireTimeProblem, liveTimeProblem, type TimeLimits, type TimeProblem } from './plausibility.ts';

export interface AlertIntakeDeps {
  bus: Bus;
  /** a StampingClock (the app's CorrectedClock) stamps all three times; a plain Clock stamps offset 0 */
  clock: Clock;
  zone: string;
  /** the event-time window (timeLimitsFromConfig) */
  timeLimits: TimeLimits;
  /** the configured bar timeframes, to say which of their bars the alert closes */
  timeframes: readonly Timeframe[];
  /** FAKEOUT_WEBHOOK_SKEW_ACTION; default `refuse` */
  skewAction?: WebhookSkewAction;
}

/**
 * `closes`: the bars the alert completes by itself (actors/bars/bucket.ts), finest first; none for
 * a flagged alert, which never becomes a bar. `flags`: present when the envelope was flagged.
 */
export type AcceptAlert = (
  body: Record<string, unknown>,
  meta: { remote: string },
) => Promise<{ id: string; duplicate: boolean; closes: ClosedBucket[]; flags?: RawFlag[] }>;

export function createAlertIntake(deps: AlertIntakeDeps): AcceptAlert {
  const skewAction = deps.skewAction ?? 'refuse';
  return async (body, meta) => {
    const { event, alertId, timenow } = parseAlert(body, { zone: deps.zone });
    const stamp = stampOf(deps.clock);
    // POLICY: plausibility is judged against corrected now, the same instant as the stamp
    const now = stamp.correctedAt;
    const problems: TimeProblem[] = [];
    const eventProblem = liveTimeProblem(event, now, deps.timeLimits);
    if (eventProblem?.bound === 'floor') throw refusal(eventProblem, false);
    if (eventProblem) problems.push(eventProblem);
    const fireProblem = timenow === undefined ? undefined : fireTimeProblem(timenow, now, deps.timeLimits);
    if (fireProblem) problems.push(fireProblem);
    if (problems.length > 0 && skewAction === 'refuse') throw refusal(problems[0]!, true);
    const flagged = problems.length > 0;
    const envelope = webhookEnvelope(event, alertId, stamp, {
      remote: meta.remote,
      timenow,
      ...(flagged ? { flags: ['time_skew'] as const, flagReason: problems.map((p) => `${p.field}: ${p.reason}`).join('; ') } : {}),
    });
    try {
      const [ack] = await deps.bus.publishMany([{ subject: rawSubject(envelope), id: envelope.id, value: envelope }]);
      const result = { id: envelope.id, duplicate: ack?.duplicate ?? false, closes: flagged ? [] : closedBuckets(event, deps.timeframes) };
      return flagged ? { ...result, flags: ['time_skew'] } : result;
    } catch (err) {
      if (isFakeoutError(err, 'FAKEOUT_ERR_INGEST_UNAVAILABLE')) throw err;
      throw new FakeoutError('FAKEOUT_ERR_INGEST_UNAVAILABLE', 'the RAW stream did not acknowledge the alert; nothing was stored, retry', { cause: err });
    }
  };
}

/** The 400 for a refused time; `info.flag` = `time_skew` tells the HTTP layer to count it as skew. */
function refusal(p: TimeProblem, skew: boolean): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_WEBHOOK_INVALID', `${p.field}: ${p.reason}`, { details: skew ? { field: p.field, flag: 'time_skew' } : { field: p.field } });
}
