/** The stamped RAW envelope: what webhook and replay envelopes carry, what decodeRawEnvelope accepts. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { barBuilderStage } from '../../actors/bars/bar-builder.actor.ts';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import type { RawEnvelope } from '../../actors/domain/messages.ts';
import { clockEnvelope, decodeRawEnvelope, replayEnvelope, webhookEnvelope } from '../../actors/ingest/envelope.ts';
import { CorrectedClock, stampOf } from '../../adapters/time/clock.ts';

const s = suite('RAW envelope stamps');
// 2023-11-14T22:13:20Z
const SYS = 1_700_000_000_000;
const TICK = { kind: 'tick', symbol: 'BTCUSDT', ts: SYS - 1_000, price: 100, size: 1 } as const;

function refusedField(v: unknown): unknown {
  try {
    decodeRawEnvelope(v);
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_INGEST_BAD_ROW'), String(err));
    assert.ok((err as Error).message.includes(String(err.info.field)), 'the message names the field');
    return err.info.field;
  }
  return 'accepted';
}

s('stampOf: a CorrectedClock gives system, system + offset and the offset; a plain clock offset 0', () => {
  const clock = new CorrectedClock({ now: () => SYS });
  assert.equal(stampOf(clock), { receivedAt: SYS, correctedAt: SYS, offsetMs: 0 });
  clock.accept(-250.4, SYS);
  // corrected time is a whole ms: SYS − 250.4 = …999_749.6 rounds to …999_750 = SYS − 250
  assert.equal(stampOf(clock), { receivedAt: SYS, correctedAt: SYS - 250, offsetMs: -250.4 });
  assert.equal(stampOf({ now: () => SYS + 7 }), { receivedAt: SYS + 7, correctedAt: SYS + 7, offsetMs: 0 });
});

s('webhook and replay envelopes carry the three stamps; their ids do not depend on them', () => {
  const a = webhookEnvelope(TICK, 'a1', { receivedAt: SYS, correctedAt: SYS + 1500, offsetMs: 1500 }, { remote: '10.0.0.1', timenow: SYS + 1400 });
  const b = webhookEnvelope(TICK, 'a1', { receivedAt: SYS + 9, correctedAt: SYS + 9, offsetMs: 0 }, { remote: '10.0.0.2' });
  assert.equal([a.receivedAt, a.correctedAt, a.clockOffsetMs, a.origin], [SYS, SYS + 1500, 1500, { remote: '10.0.0.1', timenow: SYS + 1400 }]);
  assert.is(a.id, b.id);
  const r = replayEnvelope('0123456789abcdef0123', 'f.csv', 3, TICK, { receivedAt: SYS, correctedAt: SYS + 20, offsetMs: 20 });
  assert.equal([r.id, r.receivedAt, r.correctedAt, r.clockOffsetMs], ['replay:0123456789abcdef:3', SYS, SYS + 20, 20]);
  assert.equal(decodeRawEnvelope(JSON.parse(JSON.stringify(a))), a);
  assert.equal(decodeRawEnvelope(JSON.parse(JSON.stringify(r))), r);
});

s('an envelope stored before stamping (no correctedAt, clockOffsetMs, timenow, flags) still decodes', () => {
  const old = { id: 'tv:x', source: 'tradingview', receivedAt: SYS, event: TICK, origin: { remote: '10.0.0.1' } };
  assert.equal(decodeRawEnvelope(old), old);
});

s('decodeRawEnvelope refuses a non-numeric correctedAt, clockOffsetMs or origin.timenow, and unknown flags, naming the field', () => {
  const good = webhookEnvelope(TICK, undefined, { receivedAt: SYS, correctedAt: SYS + 1500, offsetMs: 1500 }, { remote: '10.0.0.1', timenow: SYS });
  assert.is(refusedField({ ...good, correctedAt: '1700000001500' }), 'correctedAt');
  assert.is(refusedField({ ...good, correctedAt: null }), 'correctedAt');
  assert.is(refusedField(JSON.parse(JSON.stringify({ ...good, correctedAt: Number.NaN }))), 'correctedAt'); // NaN is null in JSON
  assert.is(refusedField({ ...good, clockOffsetMs: '1500' }), 'clockOffsetMs');
  assert.is(refusedField({ ...good, origin: { remote: 'x', timenow: 'now' } }), 'origin.timenow');
  assert.is(refusedField({ ...good, flags: ['late'] }), 'flags');
  assert.is(refusedField({ ...good, flags: 'time_skew' }), 'flags');
  assert.is(refusedField({ ...good, flags: ['time_skew'], flagReason: 3 }), 'flagReason');
  assert.is(refusedField({ ...good, flags: ['time_skew'], flagReason: 'time: …' }), 'accepted');
});

s('a clock tick stamped by the corrected clock keeps id and ts at corrected time, receivedAt at the system reading', () => {
  const e = clockEnvelope(SYS + 1500, { receivedAt: SYS, correctedAt: SYS + 1500, offsetMs: 1500 });
  assert.equal([e.id, e.event.ts, e.receivedAt, e.correctedAt, e.clockOffsetMs], [`clock:${SYS + 1500}`, SYS + 1500, SYS, SYS + 1500, 1500]);
  assert.equal(decodeRawEnvelope(JSON.parse(JSON.stringify(e))), e);
});

s('the bar builder makes no bar from a time_skew-flagged envelope, and the same bar unflagged is built', () => {
  const open = Date.parse('2023-11-14T22:00:00Z');
  const bar = { kind: 'bar', symbol: 'BTCUSDT', ts: open, timeframe: '1m', open: 10, high: 11, low: 9, close: 10.5, volume: 1 } as const;
  const next = { ...bar, ts: open + 60_000 };
  const stamp = { receivedAt: SYS, correctedAt: SYS, offsetMs: 0 };
  const flagged = (e: RawEnvelope): RawEnvelope => ({ ...e, flags: ['time_skew'], flagReason: 'time: test' });
  const run = (envs: RawEnvelope[]) => {
    const p = barBuilderStage(['1m']).create(undefined);
    return envs.flatMap((e, i) => [...p.apply(e, i + 1)]);
  };
  // a 1m input bar is complete by itself: each one is emitted as the 1m bar of its bucket
  const plain = run([webhookEnvelope(bar, undefined, stamp, { remote: 'x' }), webhookEnvelope(next, undefined, stamp, { remote: 'x' })]);
  assert.equal(plain.map((b) => b.openTime), [open, open + 60_000]);
  const withFlag = run([flagged(webhookEnvelope(bar, undefined, stamp, { remote: 'x' })), webhookEnvelope(next, undefined, stamp, { remote: 'x' })]);
  assert.equal(withFlag.map((b) => b.openTime), [open + 60_000]);
});

s.run();
