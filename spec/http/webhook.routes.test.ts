import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { alertBody, ingestedCount, makeFixture, SECRET } from './http-fixture.ts';

const s = suite('webhook.routes');
const URL = '/webhook/tradingview';

s('a valid JSON alert gets 202 and reaches acceptAlert once, without the secret', async () => {
  const { app, calls, metrics } = makeFixture();
  const res = await app.inject({ method: 'POST', url: URL, payload: alertBody() });
  assert.is(res.statusCode, 202);
  assert.equal(res.json(), { id: 'alert-1', duplicate: false, closedBar: false, closes: [] });
  assert.is(calls.length, 1);
  assert.equal(calls[0]?.body, { symbol: 'BINANCE:BTCUSDT', price: 64000.5, time: '2024-05-01T12:00:00Z' });
  assert.is(calls[0]?.meta.remote, '127.0.0.1'); // inject's default remote address
  assert.is(await ingestedCount(metrics, 'accepted'), 1);
  await app.close();
});

s('a duplicate is still 202, says so, and is counted as duplicate', async () => {
  const { app, metrics } = makeFixture({ respond: async () => ({ id: 'alert-1', duplicate: true }) });
  const res = await app.inject({ method: 'POST', url: URL, payload: alertBody() });
  assert.is(res.statusCode, 202);
  assert.equal(res.json(), { id: 'alert-1', duplicate: true, closedBar: false, closes: [] });
  assert.is(await ingestedCount(metrics, 'duplicate'), 1);
  assert.is(await ingestedCount(metrics, 'accepted'), 0);
  await app.close();
});

s('a wrong secret gets 401 and acceptAlert is not called', async () => {
  const { app, calls, metrics } = makeFixture();
  const res = await app.inject({ method: 'POST', url: URL, payload: alertBody({ secret: `${SECRET}x` }) });
  assert.is(res.statusCode, 401);
  assert.is(res.json().error.code, 'FAKEOUT_ERR_WEBHOOK_UNAUTHORIZED');
  assert.is(calls.length, 0);
  assert.is(await ingestedCount(metrics, 'rejected'), 1);
  await app.close();
});

s('a missing secret gets 401 and acceptAlert is not called', async () => {
  const { app, calls } = makeFixture();
  const { secret: _s, ...noSecret } = alertBody();
  const res = await app.inject({ method: 'POST', url: URL, payload: noSecret });
  assert.is(res.statusCode, 401);
  assert.equal(res.json(), {
    error: { code: 'FAKEOUT_ERR_WEBHOOK_UNAUTHORIZED', message: 'the webhook secret is missing or wrong' },
  });
  assert.is(calls.length, 0);
  await app.close();
});

s('a non-string secret field is treated as missing', async () => {
  const { app, calls } = makeFixture();
  const res = await app.inject({ method: 'POST', url: URL, payload: alertBody({ secret: 12345 }) });
  assert.is(res.statusCode, 401);
  assert.is(calls.length, 0);
  await app.close();
});

s('JSON sent as text/plain (how TradingView posts it) is accepted', async () => {
  const { app, calls } = makeFixture();
  const res = await app.inject({
    method: 'POST',
    url: URL,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    payload: JSON.stringify(alertBody()),
  });
  assert.is(res.statusCode, 202);
  assert.is(calls.length, 1);
  assert.is(calls[0]?.body['symbol'], 'BINANCE:BTCUSDT');
  assert.not.ok('secret' in (calls[0]?.body ?? {}));
  await app.close();
});

s('the x-fakeout-secret header authenticates a body that carries no secret', async () => {
  const { app, calls } = makeFixture();
  const { secret: _s, ...noSecret } = alertBody();
  const res = await app.inject({ method: 'POST', url: URL, headers: { 'x-fakeout-secret': SECRET }, payload: noSecret });
  assert.is(res.statusCode, 202);
  assert.is(calls.length, 1);
  await app.close();
});

s('a wrong header secret gets 401', async () => {
  const { app, calls } = makeFixture();
  const { secret: _s, ...noSecret } = alertBody();
  const res = await app.inject({ method: 'POST', url: URL, headers: { 'x-fakeout-secret': 'nope' }, payload: noSecret });
  assert.is(res.statusCode, 401);
  assert.is(calls.length, 0);
  await app.close();
});

s('a secret in the body wins over the header, so a wrong body secret is refused', async () => {
  const { app, calls } = makeFixture();
  const res = await app.inject({
    method: 'POST',
    url: URL,
    headers: { 'x-fakeout-secret': SECRET },
    payload: alertBody({ secret: 'wrong' }),
  });
  assert.is(res.statusCode, 401);
  assert.is(calls.length, 0);
  await app.close();
});

s('a body that is not JSON gets 400 FAKEOUT_ERR_WEBHOOK_NOT_JSON and is counted as bad_row', async () => {
  const { app, calls, metrics } = makeFixture();
  const res = await app.inject({
    method: 'POST',
    url: URL,
    headers: { 'content-type': 'text/plain' },
    payload: `BTCUSDT crossed 64000 secret=${SECRET}`,
  });
  assert.is(res.statusCode, 400);
  assert.is(res.json().error.code, 'FAKEOUT_ERR_WEBHOOK_NOT_JSON');
  assert.is(calls.length, 0);
  assert.is(await ingestedCount(metrics, 'bad_row'), 1);
  await app.close();
});

s('an empty body gets 400 FAKEOUT_ERR_WEBHOOK_NOT_JSON', async () => {
  const { app, calls } = makeFixture();
  const res = await app.inject({ method: 'POST', url: URL, headers: { 'content-type': 'application/json' }, payload: '' });
  assert.is(res.statusCode, 400);
  assert.is(res.json().error.code, 'FAKEOUT_ERR_WEBHOOK_NOT_JSON');
  assert.is(calls.length, 0);
  await app.close();
});

s('a __proto__ key is refused as not JSON rather than parsed', async () => {
  const { app, calls } = makeFixture();
  const res = await app.inject({
    method: 'POST',
    url: URL,
    headers: { 'content-type': 'application/json' },
    payload: `{"secret":"${SECRET}","__proto__":{"admin":true}}`,
  });
  assert.is(res.statusCode, 400);
  assert.is(res.json().error.code, 'FAKEOUT_ERR_WEBHOOK_NOT_JSON');
  assert.is(calls.length, 0);
  await app.close();
});

s('a JSON body that is not an object gets 400 FAKEOUT_ERR_WEBHOOK_INVALID', async () => {
  const { app, calls } = makeFixture();
  const res = await app.inject({
    method: 'POST',
    url: URL,
    headers: { 'content-type': 'application/json', 'x-fakeout-secret': SECRET },
    payload: '[1,2,3]',
  });
  assert.is(res.statusCode, 400);
  assert.equal(res.json().error, {
    code: 'FAKEOUT_ERR_WEBHOOK_INVALID',
    message: 'the webhook body must be a JSON object',
    field: 'body',
  });
  assert.is(calls.length, 0);
  await app.close();
});

s('a body over the limit gets 413 FAKEOUT_ERR_WEBHOOK_TOO_LARGE; one at the limit passes', async () => {
  const { app, calls, metrics } = makeFixture({ bodyLimit: 256 });
  const base = JSON.stringify(alertBody({ note: '' }));
  // Pad the note so the payload is exactly 256 bytes, then one byte more (all ASCII: 1 char = 1 byte).
  const atLimit = JSON.stringify(alertBody({ note: 'x'.repeat(256 - base.length) }));
  const overLimit = JSON.stringify(alertBody({ note: 'x'.repeat(257 - base.length) }));
  assert.is(Buffer.byteLength(atLimit), 256);
  assert.is(Buffer.byteLength(overLimit), 257);

  const over = await app.inject({ method: 'POST', url: URL, headers: { 'content-type': 'text/plain' }, payload: overLimit });
  assert.is(over.statusCode, 413);
  assert.is(over.json().error.code, 'FAKEOUT_ERR_WEBHOOK_TOO_LARGE');
  assert.is(calls.length, 0);
  assert.is(await ingestedCount(metrics, 'rejected'), 1);

  const at = await app.inject({ method: 'POST', url: URL, headers: { 'content-type': 'text/plain' }, payload: atLimit });
  assert.is(at.statusCode, 202);
  assert.is(calls.length, 1);
  await app.close();
});

s('a Content-Type other than JSON or text gets 415 FAKEOUT_ERR_WEBHOOK_MEDIA_TYPE', async () => {
  const { app, calls } = makeFixture();
  const res = await app.inject({
    method: 'POST',
    url: URL,
    headers: { 'content-type': 'application/xml' },
    payload: '<alert/>',
  });
  assert.is(res.statusCode, 415);
  assert.is(res.json().error.code, 'FAKEOUT_ERR_WEBHOOK_MEDIA_TYPE');
  assert.is(calls.length, 0);
  await app.close();
});

s('a validation FakeoutError from acceptAlert becomes 400 naming the field', async () => {
  const { app, metrics } = makeFixture({
    respond: async () => {
      throw new FakeoutError('FAKEOUT_ERR_WEBHOOK_INVALID', 'high must be ≥ low', { details: { field: 'high' } });
    },
  });
  const res = await app.inject({ method: 'POST', url: URL, payload: alertBody() });
  assert.is(res.statusCode, 400);
  assert.equal(res.json(), {
    error: { code: 'FAKEOUT_ERR_WEBHOOK_INVALID', message: 'high must be ≥ low', field: 'high' },
  });
  assert.is(await ingestedCount(metrics, 'bad_row'), 1);
  await app.close();
});

s('FAKEOUT_ERR_INGEST_UNAVAILABLE from acceptAlert becomes 503 and is counted as failed', async () => {
  const { app, metrics } = makeFixture({
    respond: async () => {
      throw new FakeoutError('FAKEOUT_ERR_INGEST_UNAVAILABLE', 'RAW did not acknowledge; retry');
    },
  });
  const res = await app.inject({ method: 'POST', url: URL, payload: alertBody() });
  assert.is(res.statusCode, 503);
  assert.is(res.json().error.code, 'FAKEOUT_ERR_INGEST_UNAVAILABLE');
  assert.is(await ingestedCount(metrics, 'failed'), 1);
  assert.is(await ingestedCount(metrics, 'rejected'), 0);
  await app.close();
});

s('any other error becomes a generic 500, with the detail only in the log', async () => {
  const { app, logs } = makeFixture({
    respond: async () => {
      throw new TypeError('cannot read properties of undefined (reading "ack")');
    },
  });
  const res = await app.inject({ method: 'POST', url: URL, payload: alertBody() });
  assert.is(res.statusCode, 500);
  assert.equal(res.json(), { error: { code: 'FAKEOUT_ERR_HTTP_INTERNAL', message: 'internal error' } });
  assert.ok(logs.some((line) => line.includes('reading \\"ack\\"')), 'the cause is logged');
  await app.close();
});

s('the secret never reaches the log, from the body or the header', async () => {
  const { app, logs } = makeFixture();
  await app.inject({ method: 'POST', url: URL, payload: alertBody() });
  await app.inject({ method: 'POST', url: URL, headers: { 'x-fakeout-secret': SECRET }, payload: { a: 1 } });
  await app.inject({ method: 'POST', url: URL, headers: { 'content-type': 'text/plain' }, payload: `not json ${SECRET}` });
  assert.ok(logs.length > 0, 'something was logged');
  assert.not.ok(logs.some((line) => line.includes(SECRET)));
  await app.close();
});

s('an empty configured secret refuses to start', async () => {
  const { app } = makeFixture({ webhookSecret: '' });
  try {
    await app.ready();
    assert.unreachable('ready() should have failed');
  } catch (err) {
    assert.instance(err, FakeoutError);
    assert.is((err as FakeoutError).code, 'FAKEOUT_ERR_CONFIG_INVALID');
  }
});

s.run();
