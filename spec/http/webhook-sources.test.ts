/**
 * Who may send data (adapters/http/webhook.routes.ts `onRequest`): the address allowlist, then the
 * per-address rate, then the secret; real fastify through `inject()` (with `remoteAddress`) and
 * over a real socket from 127.0.0.1.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import { alertBody, ingestedCount, makeFixture, SECRET } from './http-fixture.ts';

const s = suite('webhook sources');
const URL = '/webhook/tradingview';
const TRADINGVIEW = ['52.89.214.238', '34.212.75.30', '54.218.53.128', '52.32.178.7'];

function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const lines = (logs: string[]) => logs.map((l) => JSON.parse(l) as Record<string, unknown>);

s('an allowed address goes on to the secret check: a wrong secret is still 401, the right one 202', async () => {
  const { app, calls, metrics } = makeFixture({ webhookAllowIps: TRADINGVIEW });
  const wrong = await app.inject({ method: 'POST', url: URL, remoteAddress: '34.212.75.30', payload: alertBody({ secret: 'nope' }) });
  assert.is(wrong.statusCode, 401);
  assert.is(wrong.json().error.code, 'FAKEOUT_ERR_WEBHOOK_UNAUTHORIZED');
  assert.is(calls.length, 0);
  const right = await app.inject({ method: 'POST', url: URL, remoteAddress: '34.212.75.30', payload: alertBody() });
  assert.is(right.statusCode, 202);
  assert.is(calls.length, 1);
  assert.is(calls[0]?.meta.remote, '34.212.75.30');
  assert.is(await ingestedCount(metrics, 'rejected'), 1);
  assert.is(await ingestedCount(metrics, 'forbidden'), 0);
  await app.close();
});

s('a refused address gets 403 with a generic body: no list, no address, no word about the secret', async () => {
  const { app, calls, metrics, logs } = makeFixture({ webhookAllowIps: TRADINGVIEW });
  const res = await app.inject({ method: 'POST', url: URL, remoteAddress: '203.0.113.9', payload: alertBody() });
  assert.is(res.statusCode, 403);
  assert.equal(res.json(), { error: { code: 'FAKEOUT_ERR_WEBHOOK_FORBIDDEN', message: 'this address may not post to this webhook' } });
  for (const leak of [...TRADINGVIEW, '203.0.113.9', SECRET]) assert.not.ok(res.body.includes(leak), `body leaks ${leak}`);
  assert.not.ok(/secret/i.test(res.body), 'body mentions the secret');
  assert.not.ok(/allow/i.test(res.body), 'body mentions an allowlist');
  assert.is(calls.length, 0);
  assert.is(await ingestedCount(metrics, 'forbidden'), 1);
  assert.is(await ingestedCount(metrics, 'rejected'), 0);
  const warn = lines(logs).find((l) => l['msg'] === 'webhook refused');
  assert.ok(warn, 'a "webhook refused" line');
  assert.is(warn['level'], 40); // pino's warn
  assert.is(warn['code'], 'FAKEOUT_ERR_WEBHOOK_FORBIDDEN');
  assert.is(warn['remote'], '203.0.113.9');
  assert.not.ok(logs.some((l) => l.includes(SECRET) || l.includes('BINANCE:BTCUSDT')), 'the body is never logged');
  await app.close();
});

s('the address is judged before the body is read: garbage or a wrong media type from it is still 403', async () => {
  const { app, metrics } = makeFixture({ webhookAllowIps: TRADINGVIEW });
  const notJson = await app.inject({ method: 'POST', url: URL, remoteAddress: '198.51.100.1', headers: { 'content-type': 'application/json' }, payload: '{not json' });
  assert.is(notJson.statusCode, 403);
  const form = await app.inject({ method: 'POST', url: URL, remoteAddress: '198.51.100.1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=b' });
  assert.is(form.statusCode, 403);
  const huge = await app.inject({ method: 'POST', url: URL, remoteAddress: '198.51.100.1', payload: alertBody({ pad: 'x'.repeat(20_000) }) });
  assert.is(huge.statusCode, 403);
  assert.is(await ingestedCount(metrics, 'forbidden'), 3);
  assert.is(await ingestedCount(metrics, 'bad_row'), 0);
  assert.is(await ingestedCount(metrics, 'rejected'), 0);
  await app.close();
});

s('CIDR ranges and IPv4-mapped IPv6 peers are judged by the IPv4 rules', async () => {
  const { app, calls } = makeFixture({ webhookAllowIps: ['10.0.0.0/8', '2001:db8::/32'] });
  const codes: number[] = [];
  for (const remoteAddress of ['10.20.30.40', '::ffff:10.1.1.1', '2001:db8::7', '11.0.0.1', '::ffff:11.0.0.1', '2001:db9::1']) {
    codes.push((await app.inject({ method: 'POST', url: URL, remoteAddress, payload: alertBody() })).statusCode);
  }
  assert.equal(codes, [202, 202, 202, 403, 403, 403]);
  assert.is(calls.length, 3);
  await app.close();
});

s('X-Forwarded-For is ignored without FAKEOUT_TRUST_PROXY', async () => {
  const { app, calls } = makeFixture({ webhookAllowIps: TRADINGVIEW });
  // A direct sender claiming to be TradingView is judged by its own address.
  const res = await app.inject({ method: 'POST', url: URL, remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': '52.89.214.238' }, payload: alertBody() });
  assert.is(res.statusCode, 403);
  assert.is(calls.length, 0);
  await app.close();
});

s('with a trusted proxy list, X-Forwarded-For from that proxy is the client address; from anyone else it is ignored', async () => {
  const { app, calls } = makeFixture({ webhookAllowIps: TRADINGVIEW, trustProxy: ['127.0.0.1'] });
  const viaProxy = await app.inject({ method: 'POST', url: URL, remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '52.89.214.238' }, payload: alertBody() });
  assert.is(viaProxy.statusCode, 202);
  assert.is(calls[0]?.meta.remote, '52.89.214.238');
  const unlistedClient = await app.inject({ method: 'POST', url: URL, remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' }, payload: alertBody() });
  assert.is(unlistedClient.statusCode, 403);
  const notTheProxy = await app.inject({ method: 'POST', url: URL, remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': '52.89.214.238' }, payload: alertBody() });
  assert.is(notTheProxy.statusCode, 403);
  assert.is(calls.length, 1);
  await app.close();
});

s('a hop count trusts that many proxies; true trusts them all', async () => {
  const hop = makeFixture({ webhookAllowIps: TRADINGVIEW, trustProxy: 1 });
  const one = await hop.app.inject({ method: 'POST', url: URL, remoteAddress: '10.9.9.9', headers: { 'x-forwarded-for': '203.0.113.9, 52.89.214.238' }, payload: alertBody() });
  assert.is(one.statusCode, 202); // one hop back from 10.9.9.9 is the last X-Forwarded-For entry
  assert.is(hop.calls[0]?.meta.remote, '52.89.214.238');
  await hop.app.close();
  const all = makeFixture({ webhookAllowIps: TRADINGVIEW, trustProxy: true });
  const first = await all.app.inject({ method: 'POST', url: URL, remoteAddress: '10.9.9.9', headers: { 'x-forwarded-for': '203.0.113.9, 52.89.214.238' }, payload: alertBody() });
  assert.is(first.statusCode, 403); // every hop trusted: the client is the first entry, 203.0.113.9
  await all.app.close();
});

s('over the rate: 429 with Retry-After, counted, and let in again once the clock has moved', async () => {
  const clock = manualClock();
  const { app, calls, metrics, logs } = makeFixture({ webhookRatePerMinute: 2, clock }); // a token every 30 s
  const send = (remoteAddress = '127.0.0.1') => app.inject({ method: 'POST', url: URL, remoteAddress, payload: alertBody() });
  assert.is((await send()).statusCode, 202);
  assert.is((await send()).statusCode, 202);
  const over = await send();
  assert.is(over.statusCode, 429);
  assert.is(over.headers['retry-after'], '30');
  assert.equal(over.json(), { error: { code: 'FAKEOUT_ERR_WEBHOOK_RATE_LIMITED', message: 'too many requests from this address; retry later' } });
  assert.is(calls.length, 2);
  assert.is(await ingestedCount(metrics, 'rate_limited'), 1);
  assert.ok(lines(logs).some((l) => l['msg'] === 'webhook refused' && l['code'] === 'FAKEOUT_ERR_WEBHOOK_RATE_LIMITED' && l['remote'] === '127.0.0.1'));
  assert.is((await send('127.0.0.2')).statusCode, 202, 'another address has its own bucket');
  clock.advance(10_000);
  const still = await send();
  assert.is(still.statusCode, 429);
  assert.is(still.headers['retry-after'], '20');
  clock.advance(20_000);
  assert.is((await send()).statusCode, 202);
  assert.is(calls.length, 4);
  await app.close();
});

s('the rate is checked before the secret: a flood of wrong secrets is cut off with 429, not answered 401', async () => {
  const { app, metrics } = makeFixture({ webhookRatePerMinute: 3, clock: manualClock() });
  const codes: number[] = [];
  for (let i = 0; i < 5; i += 1) codes.push((await app.inject({ method: 'POST', url: URL, payload: alertBody({ secret: `guess-${i}` }) })).statusCode);
  assert.equal(codes, [401, 401, 401, 429, 429]);
  assert.is(await ingestedCount(metrics, 'rejected'), 3);
  assert.is(await ingestedCount(metrics, 'rate_limited'), 2);
  await app.close();
});

s('a refused address takes nothing from the rate, and the default rate is 600 a minute; 0 turns it off', async () => {
  const clock = manualClock();
  const limited = makeFixture({ webhookAllowIps: ['127.0.0.1'], clock });
  for (let i = 0; i < 700; i += 1) await limited.app.inject({ method: 'POST', url: URL, remoteAddress: '203.0.113.9', payload: alertBody() });
  const codes = new Map<number, number>();
  for (let i = 0; i < 601; i += 1) {
    const c = (await limited.app.inject({ method: 'POST', url: URL, payload: alertBody() })).statusCode;
    codes.set(c, (codes.get(c) ?? 0) + 1);
  }
  assert.equal([...codes], [[202, 600], [429, 1]]);
  await limited.app.close();
  const off = makeFixture({ webhookRatePerMinute: 0, clock });
  let accepted = 0;
  for (let i = 0; i < 601; i += 1) if ((await off.app.inject({ method: 'POST', url: URL, payload: alertBody() })).statusCode === 202) accepted += 1;
  assert.is(accepted, 601);
  await off.app.close();
});

s('an empty allowlist is warned about once at start; a set one is not', async () => {
  const open = makeFixture();
  await open.app.ready();
  const warned = lines(open.logs).filter((l) => l['level'] === 40 && String(l['msg']).includes('FAKEOUT_WEBHOOK_ALLOW_IPS'));
  assert.is(warned.length, 1);
  await open.app.inject({ method: 'POST', url: URL, payload: alertBody() });
  assert.is(lines(open.logs).filter((l) => String(l['msg']).includes('FAKEOUT_WEBHOOK_ALLOW_IPS')).length, 1, 'not again per request');
  await open.app.close();
  const closed = makeFixture({ webhookAllowIps: TRADINGVIEW });
  await closed.app.ready();
  assert.not.ok(closed.logs.some((l) => l.includes('FAKEOUT_WEBHOOK_ALLOW_IPS')));
  await closed.app.close();
});

s('a malformed allowlist entry given to the server is refused at start with FAKEOUT_ERR_CONFIG_INVALID, naming the variable and the entry', async () => {
  const { app } = makeFixture({ webhookAllowIps: ['52.89.214.238', '52.89.214.238/40'] });
  try {
    await app.ready();
    assert.unreachable('started');
  } catch (err) {
    if (!isFakeoutError(err, 'FAKEOUT_ERR_CONFIG_INVALID')) throw err;
    assert.is(err.info.field, 'FAKEOUT_WEBHOOK_ALLOW_IPS');
    assert.ok(err.message.startsWith('FAKEOUT_WEBHOOK_ALLOW_IPS: '), err.message);
    assert.ok(err.message.includes('"52.89.214.238/40"'), err.message);
  } finally {
    await app.close().catch(() => undefined);
  }
});

s('over a real socket from 127.0.0.1: listed → 202, not listed → 403', async () => {
  for (const [allow, expected] of [[['127.0.0.1'], 202], [TRADINGVIEW, 403]] as const) {
    const { app, calls } = makeFixture({ webhookAllowIps: allow });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${base}${URL}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alertBody()) });
      assert.is(res.status, expected, String(allow));
      assert.is(calls.length, expected === 202 ? 1 : 0);
      if (expected === 202) assert.is(calls[0]?.meta.remote, '127.0.0.1');
      else assert.is((await res.json() as { error: { code: string } }).error.code, 'FAKEOUT_ERR_WEBHOOK_FORBIDDEN');
    } finally {
      await app.close();
    }
  }
});

s('over a real socket, X-Forwarded-For from 127.0.0.1 counts only when 127.0.0.1 is a trusted proxy', async () => {
  for (const [trustProxy, expected] of [[false, 403], [['127.0.0.1'], 202]] as const) {
    const { app } = makeFixture({ webhookAllowIps: TRADINGVIEW, trustProxy });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${base}${URL}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '52.89.214.238' },
        body: JSON.stringify(alertBody()),
      });
      assert.is(res.status, expected, `trustProxy ${JSON.stringify(trustProxy)}`);
    } finally {
      await app.close();
    }
  }
});

s.run();
