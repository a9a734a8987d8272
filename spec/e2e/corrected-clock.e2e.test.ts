/**
 * The corrected clock through a whole running app (real nats-server, Postgres): the time oracle
 * asks a TEST SNTP RESPONDER on loopback configured +250 ms (beyond the 100 ms warning, within the
 * 1000 ms trip), the drift monitor accepts the offset into the app's one CorrectedClock, and a
 * webhook alert posted afterwards is stamped with it (receivedAt system, correctedAt = system +
 * offset, clockOffsetMs ≈ 250). With FAKEOUT_WEBHOOK_SKEW_ACTION=flag a bar from the future is
 * accepted flagged, archived in raw_events with a chain that verifies, counted, and builds no bar.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RawEnvelope } from '../../actors/domain/messages.ts';
import { listBars, verifyRawChain } from '../../adapters/db/index.ts';
import { startTestApp } from '../helpers/app.ts';
import { startTestResponder } from '../helpers/sntp-responder.ts';

const SECRET = 'test-secret-123';
const iso = (ms: number) => new Date(ms).toISOString();

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const s = suite('corrected clock e2e');

s('the offset the drift monitor accepts stamps webhook envelopes; a skewed bar is flagged, archived, counted and builds no bar', async () => {
  const responder = await startTestResponder({ offsetMs: 250 });
  const t = await startTestApp({
    env: {
      FAKEOUT_NTP_SERVERS: `127.0.0.1:${responder.port}`, FAKEOUT_NTP_SAMPLES: '2', FAKEOUT_CLOCK_WARN_MS: '100', FAKEOUT_CLOCK_TRIP_MS: '1000',
      FAKEOUT_WEBHOOK_SKEW_ACTION: 'flag',
    },
  });
  try {
    const url = t.app.httpUrl()!;
    const logFile = join(t.dataDir, 'test.log');
    await until('the first accepted offset in the log', () => (readFileSync(logFile, 'utf8').includes('time oracle: first offset accepted') ? true : undefined));
    const post = async (alert: Record<string, unknown>) => {
      const res = await fetch(`${url}/webhook/tradingview`, { method: 'POST', body: JSON.stringify({ secret: SECRET, ...alert }), headers: { 'content-type': 'application/json' } });
      return { status: res.status, json: (await res.json()) as { id?: string; flags?: string[]; closes?: unknown[] } };
    };

    const before = Date.now();
    const tick = await post({ symbol: 'CLKE', price: 10, time: iso(before - 60_000), timenow: iso(before) });
    const after = Date.now();
    assert.is(tick.status, 202);
    const env = await until('the tick on RAW', async () => (await t.app.messaging.bus('pipeline').lastMessage('RAW', 'raw.tradingview.CLKE'))?.value as RawEnvelope | undefined);
    assert.ok(env.receivedAt >= before && env.receivedAt <= after, 'receivedAt is the system reading');
    assert.ok(Math.abs((env.clockOffsetMs ?? 0) - 250) < 20, `clockOffsetMs ${env.clockOffsetMs} within 20 ms of 250`);
    assert.is(env.correctedAt, Math.round(env.receivedAt + env.clockOffsetMs!));
    assert.is(env.origin.timenow, Date.parse(iso(before)));

    // the 1m bar two minutes on ends at least two minutes after now: beyond 60 s of skew even with
    // the +250 ms offset (the next minute's bar was within it when posted in a minute's last 250 ms)
    const open = Math.floor(Date.now() / 60_000) * 60_000 + 120_000;
    const skewed = await post({ symbol: 'CLKF', interval: '1', time: iso(open), open: 10, high: 11, low: 9, close: 10.5 });
    assert.is(skewed.status, 202);
    assert.equal(skewed.json.flags, ['time_skew']);
    assert.equal(skewed.json.closes, []);
    const row = await until('the flagged envelope in raw_events', async () =>
      t.app.database.db.selectFrom('raw_events').select(['envelope']).where('symbol', '=', 'CLKF').executeTakeFirst());
    const stored = row.envelope as RawEnvelope;
    assert.equal(stored.flags, ['time_skew']);
    assert.match(stored.flagReason ?? '', /^time: the 1m bar .* ends after now/);
    assert.equal((await verifyRawChain(t.app.database.db)).ok, true);
    await t.app.waitForIdle({ timeoutMs: 30_000 });
    assert.equal(await listBars(t.app.database.db, { symbol: 'CLKF' }), []);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /fakeout_webhook_time_skew_total\{action="flagged"\} 1\n/);
    assert.match(metrics, /fakeout_webhook_time_skew_total\{action="refused"\} 0\n/);
  } finally {
    await t.cleanup();
    await responder.close();
  }
});

s.run();
