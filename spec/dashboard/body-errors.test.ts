/**
 * A body fastify cannot read, on any route but the webhook, gets the generic HTTP codes
 * (adapters/http/errors.ts): 400 FAKEOUT_ERR_HTTP_NOT_JSON for broken or empty JSON, 413
 * FAKEOUT_ERR_HTTP_TOO_LARGE, 415 FAKEOUT_ERR_HTTP_MEDIA_TYPE, before any service call; the
 * webhook on the same server keeps its own codes (FAKEOUT_ERR_WEBHOOK_*), which its senders,
 * docs/webhook.md and its metrics know.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Agent, loggedIn, makeDashboard, type DashFixture } from './fixture.ts';

const s = suite<{ f: DashFixture }>('unreadable request bodies');
s.before(async (ctx) => {
  // a webhook route on the same server (it refuses every body below before acceptAlert is reached)
  ctx.f = await makeDashboard({ server: { acceptAlert: async () => ({ id: 'tv:1', duplicate: false, closes: [] }) } });
});
s.after(async (ctx) => {
  await ctx.f.cleanup();
});

const error = (res: { json(): unknown }) => (res.json() as { error: { code: string; message: string } }).error;
const JSON_TYPE = { 'content-type': 'application/json' };

s('broken or empty JSON to /ui/api is 400 FAKEOUT_ERR_HTTP_NOT_JSON, not the webhook code, and nothing is called', async ({ f }) => {
  const ada = await loggedIn(f.app, 'ada');
  for (const [url, payload] of [['/ui/api/breaker/trip', '{"reason": '], ['/ui/api/breaker/reset', ''], ['/ui/api/orders/o1/reject', 'reason=no']] as const) {
    const res = await ada.request('POST', url, payload, { headers: JSON_TYPE });
    assert.is(res.statusCode, 400, `${url} ${payload}`);
    assert.is(error(res).code, 'FAKEOUT_ERR_HTTP_NOT_JSON', url);
    assert.is(error(res).message, 'the request body is not valid JSON');
  }
  // before login too (the login route reads JSON as well)
  const anon = new Agent(f.app);
  await anon.fetchCsrf();
  assert.is(error(await anon.request('POST', '/ui/api/login', '{"user":"ada"', { headers: JSON_TYPE })).code, 'FAKEOUT_ERR_HTTP_NOT_JSON');
  assert.equal(f.calls, []);
});

s('an oversized body is 413 FAKEOUT_ERR_HTTP_TOO_LARGE and another Content-Type 415 FAKEOUT_ERR_HTTP_MEDIA_TYPE', async ({ f }) => {
  const ada = await loggedIn(f.app, 'ada');
  // fastify's default body limit is 1 MiB
  const big = await ada.request('POST', '/ui/api/breaker/trip', JSON.stringify({ reason: 'x'.repeat(1_100_000) }), { headers: JSON_TYPE });
  assert.is(big.statusCode, 413);
  assert.is(error(big).code, 'FAKEOUT_ERR_HTTP_TOO_LARGE');
  const xml = await ada.request('POST', '/ui/api/breaker/trip', '<reason>x</reason>', { headers: { 'content-type': 'application/xml' } });
  assert.is(xml.statusCode, 415);
  assert.is(error(xml).code, 'FAKEOUT_ERR_HTTP_MEDIA_TYPE');
  assert.equal(f.calls, []);
});

s('the webhook on the same server keeps its own codes for the same refusals', async ({ f }) => {
  const post = (payload: string, type: string) => f.app.inject({ method: 'POST', url: '/webhook/tradingview', headers: { 'content-type': type }, payload });
  const cases: [string, string, number, string][] = [
    ['{"secret": ', 'application/json', 400, 'FAKEOUT_ERR_WEBHOOK_NOT_JSON'],
    ['', 'application/json', 400, 'FAKEOUT_ERR_WEBHOOK_NOT_JSON'],
    ['<a/>', 'application/xml', 415, 'FAKEOUT_ERR_WEBHOOK_MEDIA_TYPE'],
    [JSON.stringify({ pad: 'x'.repeat(20_000) }), 'application/json', 413, 'FAKEOUT_ERR_WEBHOOK_TOO_LARGE'],
  ];
  for (const [payload, type, status, code] of cases) {
    const res = await post(payload, type);
    assert.is(res.statusCode, status, `${type} ${payload.slice(0, 20)}`);
    assert.is(error(res).code, code);
  }
});

s.run();
