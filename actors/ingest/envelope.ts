/**
 * The RAW envelope: built once at ingest, decoded (defensively) by every RAW consumer.
 * Ids are deterministic so that the same input published twice is one message (Nats-Msg-Id)
 * and one row (raw_events.id).
 */
import { createHash } from 'node:crypto';
import { FakeoutError } from '../domain/errors.ts';
import { isTimeframe, symbolToken, type MarketEvent, type RawEnvelope, type RawSource } from '../domain/messages.ts';

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
  receivedAt: number,
): RawEnvelope {
  return { id: `replay:${replayKey.slice(0, 16)}:${line}`, source: 'replay', receivedAt, event, origin: { file: fileName, line } };
}

/**
 * `tv:<alert id>:<16 hex of the event's sha256>` when the alert names itself, else
 * `tv:<32 hex of the event's sha256>`. TradingView retries a webhook it thinks failed with the
 * same body, and the retry must not count twice: same event, same id, a JetStream duplicate.
 * POLICY: the id always covers the content, so a re-send with *different* content (a corrected
 * bar under the same alert id) is never swallowed by the duplicate window: it is a new event,
 * kept in RAW, and the bar builder decides by its time whether it still counts (docs/bars.md).
 */
export function webhookEnvelope(event: MarketEvent, alertId: string | undefined, receivedAt: number, remote: string): RawEnvelope {
  const hash = createHash('sha256').update(JSON.stringify(event)).digest('hex');
  const id = alertId !== undefined ? `tv:${alertId}:${hash.slice(0, 16)}` : `tv:${hash.slice(0, 32)}`;
  return { id, source: 'tradingview', receivedAt, event, origin: { remote } };
}

/**
 * One tick of the live-intake clock at `at` (corrected time): `raw.clock.clock`, id `clock:<at>`.
 * It closes live bars whose time is over (docs/bars.md, "Bars closed by the clock").
 */
export function clockEnvelope(at: number): RawEnvelope {
  return { id: `clock:${at}`, source: 'clock', receivedAt: at, event: { kind: 'clock', symbol: 'clock', ts: at }, origin: {} };
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
