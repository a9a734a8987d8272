/**
 * The RAW envelope: built once at ingest, decoded (defensively) by every RAW consumer.
 * Ids are deterministic so that the same input published twice is one message (Nats-Msg-Id)
 * and one row (raw_events.id).
 */
import { createHash } from 'node:crypto';
import type { ClockStamp } from '../../adapters/time/clock.ts';
import { FakeoutError } from '../domain/errors.ts';
import { partitionToken } from '../domain/partition.ts';
import { RAW_FLAGS, isTimeframe, symbolToken, type MarketEvent, type RawEnvelope, type RawFlag, type RawSource } from '../domain/messages.ts';

/** The three time fields of an envelope from one stamp (docs/time.md, "Stamps"). */
function stamped(stamp: ClockStamp): Pick<RawEnvelope, 'receivedAt' | 'correctedAt' | 'clockOffsetMs'> {
  return { receivedAt: stamp.receivedAt, correctedAt: stamp.correctedAt, clockOffsetMs: stamp.offsetMs };
}

/**
 * `replay:<16 hex of the replay key>:<line>`: a line is unique within one file's bytes, and the
 * replay key (`ReplayFile.replayKey`) differs when the same bytes are read under another symbol or
 * format, so each such replay has its own ids.
 */
export function replayEnvelope(
  replayKey: string,
  fileName: string,
  line: number,
  event: MarketEvent,
  stamp: ClockStamp,
): RawEnvelope {
  return { id: `replay:${replayKey.slice(0, 16)}:${line}`, source: 'replay', ...stamped(stamp), event, origin: { file: fileName, line } };
}

/** What a webhook envelope carries besides the event: where it came from, and any flags. */
export interface WebhookOrigin {
  remote: string;
  /** TradingView's `{{timenow}}`, epoch ms, when the alert sent it */
  timenow?: number | undefined;
  flags?: readonly RawFlag[] | undefined;
  flagReason?: string | undefined;
}

/**
 * `tv:<alert id>:<16 hex of the event's sha256>` when the alert names itself, else
 * `tv:<32 hex of the event's sha256>`. TradingView retries a webhook it thinks failed with the
 * same body, and the retry must not count twice: same event, same id, a JetStream duplicate.
 * POLICY: the id always covers the content, so a re-send with *different* content (a corrected
 * bar under the same alert id) is never swallowed by the duplicate window: it is a new event,
 * kept in RAW, and the bar builder decides by its time whether it still counts (docs/bars.md).
 */
export function webhookEnvelope(event: MarketEvent, alertId: string | undefined, stamp: ClockStamp, from: WebhookOrigin): RawEnvelope {
  // POLICY: the id hashes the event only; stamps, timenow and flags differ between retries.
  const hash = createHash('sha256').update(JSON.stringify(event)).digest('hex');
  const id = alertId !== undefined ? `tv:${alertId}:${hash.slice(0, 16)}` : `tv:${hash.slice(0, 32)}`;
  const envelope: RawEnvelope = {
    id, source: 'tradingview', ...stamped(stamp), event,
    origin: from.timenow === undefined ? { remote: from.remote } : { remote: from.remote, timenow: from.timenow },
  };
  if (from.flags !== undefined && from.flags.length > 0) {
    envelope.flags = [...from.flags];
    if (from.flagReason !== undefined) envelope.flagReason = from.flagReason;
  }
  return envelope;
}

/**
 * One tick of the live-intake clock at `at` (corrected time): `raw.clock.clock`, id `clock:<at>`.
 * It closes live bars whose time is over (docs/bars.md, "Bars closed by the clock").
 */
export function clockEnvelope(at: number, stamp?: ClockStamp): RawEnvelope {
  const times = stamp === undefined ? { receivedAt: at } : stamped(stamp);
  return { id: `clock:${at}`, source: 'clock', ...times, event: { kind: 'clock', symbol: 'clock', ts: at }, origin: {} };
}

/**
 * The clock's tick for a pipeline in `count` partitions (FAKEOUT_PARTITION): one copy per
 * partition, since every partition's bar builder closes its own live bars. Each copy is its own
 * RAW event (id `clock:<at>:p<i>of<n>`, archived once each) on `raw.clock.clock.p<i>of<n>`.
 * Undefined `count`: the one tick of {@link clockEnvelope} on `raw.clock.clock`.
 */
export function clockTicks(at: number, stamp: ClockStamp | undefined, count: number | undefined): { subject: string; id: string; value: RawEnvelope }[] {
  const tick = clockEnvelope(at, stamp);
  if (count === undefined) return [{ subject: rawSubject(tick), id: tick.id, value: tick }];
  return Array.from({ length: count }, (_, i) => {
    const token = partitionToken(i, count);
    const copy = { ...tick, id: `${tick.id}:${token}` };
    return { subject: `${rawSubject(copy)}.${token}`, id: copy.id, value: copy };
  });
}

/** True for an envelope kept with a time_skew flag: stored in RAW, never made into a bar. */
export function isTimeSkewed(envelope: Pick<RawEnvelope, 'flags'>): boolean {
  return envelope.flags?.includes('time_skew') ?? false;
}

/** Sources whose events are live: the bars they feed may be closed by the clock. */
export const LIVE_SOURCES: ReadonlySet<RawSource> = new Set<RawSource>(['tradingview']);

/** RAW subjects of live data, for the clock to ask when live data last arrived. */
export const LIVE_RAW_SUBJECT = 'raw.tradingview.>';

export function rawSubject(envelope: RawEnvelope): string {
  return `raw.${envelope.source}.${symbolToken(envelope.event.symbol)}`;
}

function bad(field: string, why: string): never {
  throw new FakeoutError('FAKEOUT_ERR_INGEST_BAD_ROW', `RAW envelope ${field}: ${why}`, { details: { field } });
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Checks a RAW message body; anything malformed is reported by the consumer and never applied. */
export function decodeRawEnvelope(value: unknown): RawEnvelope {
  if (typeof value !== 'object' || value === null) bad('body', 'not an object');
  const v = value as Partial<RawEnvelope>;
  if (typeof v.id !== 'string' || v.id === '') bad('id', 'missing');
  if (v.source !== 'replay' && v.source !== 'tradingview' && v.source !== 'clock') bad('source', 'unknown');
  if (!finite(v.receivedAt)) bad('receivedAt', 'not a number');
  // stamped fields are optional (envelopes stored before stamping), but a present one must be sound
  if (v.correctedAt !== undefined && !finite(v.correctedAt)) bad('correctedAt', 'not a number');
  if (v.clockOffsetMs !== undefined && !finite(v.clockOffsetMs)) bad('clockOffsetMs', 'not a number');
  const timenow: unknown = typeof v.origin === 'object' && v.origin !== null ? v.origin.timenow : undefined;
  if (timenow !== undefined && !finite(timenow)) bad('origin.timenow', 'not a number');
  if (v.flags !== undefined) {
    if (!Array.isArray(v.flags) || v.flags.some((f) => !(RAW_FLAGS as readonly unknown[]).includes(f))) bad('flags', `expected a list of ${RAW_FLAGS.join(', ')}`);
  }
  if (v.flagReason !== undefined && typeof v.flagReason !== 'string') bad('flagReason', 'not a string');
  const e = v.event as Partial<MarketEvent> | undefined;
  if (typeof e !== 'object' || e === null) bad('event', 'missing');
  // the clock's tick, and only from the clock
  const kind: unknown = e.kind;
  if (v.source === 'clock' || kind === 'clock') {
    if (v.source !== 'clock' || kind !== 'clock') bad('event.kind', 'a clock event comes from source clock only');
    if (!finite(e.ts)) bad('event.ts', 'not a number');
    return v as RawEnvelope;
  }
  if (typeof e.symbol !== 'string' || e.symbol === '') bad('event.symbol', 'missing');
  if (!finite(e.ts)) bad('event.ts', 'not a number');
  if (e.kind === 'tick') {
    if (!finite(e.price) || !finite(e.size)) bad('event.price', 'tick needs price and size');
  } else if (e.kind === 'bar') {
    if (!isTimeframe(e.timeframe)) bad('event.timeframe', 'unknown');
    for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) if (!finite(e[k])) bad(`event.${k}`, 'not a number');
  } else {
    bad('event.kind', 'expected tick or bar');
  }
  return v as RawEnvelope;
}
