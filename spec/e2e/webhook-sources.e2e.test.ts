/**
 * FAKEOUT_WEBHOOK_ALLOW_IPS and FAKEOUT_TRUST_PROXY reach the running app's HTTP server
 * (actors/app/app.ts → buildHttpServer): a real start, real sockets from 127.0.0.1, and the
 * address stored in RAW (`origin.remote`).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const s = suite('webhook sources (app)');
const SECRET = 'test-secret-123';
// A closed 5m bar about two hours ago: inside the webhook's time window whenever the test runs.
const T = Math.floor((Date.now() - 2 * 3_600_000) / 300_000) * 300_000;
const alert = (i: number) => ({
  secret: SECRET, symbol: 'BTCUSDT', interval: '5', time: new Date(T + i * 300_000).toISOString(),
  open: 100, high: 110, low: 95, close: 101, volume: 1,
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/webhook/tradingview`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, text: await res.text() };
}

s('an allowlist without 127.0.0.1 refuses a local sender with 403, before the secret; the start warns of nothing', async () => {
  let t: TestApp | undefined;
  try {
    t = await startTestApp({ env: { FAKEOUT_WEBHOOK_ALLOW_IPS: '52.89.214.238,34.212.75.30,54.218.53.128,52.32.178.7' } });
    const url = t.app.httpUrl()!;
    const res = await post(url, { ...alert(0), secret: 'wrong' });
    assert.is(res.status, 403);
    assert.not.ok(res.text.includes('52.89.214.238'));
    const log = readFileSync(join(t.dataDir, 'test.log'), 'utf8');
    assert.not.ok(log.includes('webhook open to any address'));
  } finally {
    await t?.cleanup();
  }
});

s('behind a trusted local proxy the client address comes from X-Forwarded-For and is what RAW records', async () => {
  let t: TestApp | undefined;
  try {
    t = await startTestApp({ env: { FAKEOUT_WEBHOOK_ALLOW_IPS: '52.89.214.238', FAKEOUT_TRUST_PROXY: '127.0.0.1', FAKEOUT_WEBHOOK_RATE: '1' } });
    const url = t.app.httpUrl()!;
    assert.is((await post(url, alert(0))).status, 403, 'no header: the proxy itself is not listed');
    assert.is((await post(url, alert(0), { 'x-forwarded-for': '203.0.113.9' })).status, 403);
    const ok = await post(url, alert(0), { 'x-forwarded-for': '52.89.214.238' });
    assert.is(ok.status, 202, ok.text);
    // FAKEOUT_WEBHOOK_RATE=1: the next one from the same client within the minute is 429.
    const res = await fetch(`${url}/webhook/tradingview`, { method: 'POST', body: JSON.stringify(alert(1)), headers: { 'content-type': 'application/json', 'x-forwarded-for': '52.89.214.238' } });
    assert.is(res.status, 429);
    assert.is(res.headers.get('retry-after'), '60');
    await t.app.waitForIdle({ timeoutMs: 60_000 });
    const rows = await t.app.database.db.selectFrom('raw_events').select(['envelope']).execute();
    assert.equal(rows.map((r) => (r.envelope as { origin: { remote?: string } }).origin.remote), ['52.89.214.238']);
  } finally {
    await t?.cleanup();
  }
});

s('with the allowlist empty the start warns, naming FAKEOUT_WEBHOOK_ALLOW_IPS', async () => {
  let t: TestApp | undefined;
  try {
    t = await startTestApp({});
    assert.is((await post(t.app.httpUrl()!, { ...alert(0), secret: 'wrong' })).status, 401);
    const warned = readFileSync(join(t.dataDir, 'test.log'), 'utf8').split('\n').filter((l) => l.includes('webhook open to any address'));
    assert.is(warned.length, 1);
    assert.ok(warned[0]!.includes('"level":40') || warned[0]!.includes('"level":"warn"'), warned[0]);
  } finally {
    await t?.cleanup();
  }
});

s.run();
