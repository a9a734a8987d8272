/**
 * What the webhook tells the sender (the 202 body's closed bars) and the operator (a warn line
 * for every refusal), through fastify's real pino captured line by line.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { alertBody, makeFixture, SECRET } from './http-fixture.ts';

const s = suite('webhook answers');
const URL = '/webhook/tradingview';
const REMOTE = '203.0.113.7';

type Line = Record<string, unknown>;
const warnings = (logs: string[]): Line[] =>
  logs.map((l) => JSON.parse(l) as Line).filter((l) => l['level'] === 40 && l['msg'] === 'webhook refused');

s('the 202 body says which bars the alert closed', async () => {
  const closes = [
    { timeframe: '1m', openTime: 1_704_070_740_000, closeTime: 1_704_070_800_000 },
    { timeframe: '1h', openTime: 1_704_067_200_000, closeTime: 1_704_070_800_000 },
  ];
  const { app } = makeFixture({ respond: async () => ({ id: 'tv:a', duplicate: false, closes }) });
  const res = await app.inject({ method: 'POST', url: URL, payload: alertBody() });
  assert.is(res.statusCode, 202);
  assert.equal(res.json(), { id: 'tv:a', duplicate: false, closedBar: true, closes });
  await app.close();
});

s('an alert that closes nothing says closedBar false', async () => {
  const { app } = makeFixture({ respond: async () => ({ id: 'tv:b', duplicate: false, closes: [] }) });
  const res = await app.inject({ method: 'POST', url: URL, payload: alertBody() });
  assert.equal(res.json(), { id: 'tv:b', duplicate: false, closedBar: false, closes: [] });
  await app.close();
});

s('an invalid alert is logged at warn with its code, field and source address, never the secret', async () => {
  const { app, logs } = makeFixture({
    respond: async () => {
      throw new FakeoutError('FAKEOUT_ERR_WEBHOOK_INVALID', 'close: expected a number', { details: { field: 'close' } });
    },
  });
  const res = await app.inject({ method: 'POST', url: URL, remoteAddress: REMOTE, payload: alertBody({ close: 'abc' }) });
  assert.is(res.statusCode, 400);
  const warn = warnings(logs);
  assert.is(warn.length, 1);
  assert.is(warn[0]!['code'], 'FAKEOUT_ERR_WEBHOOK_INVALID');
  assert.is(warn[0]!['field'], 'close');
  assert.is(warn[0]!['remote'], REMOTE);
  assert.not.ok(logs.some((l) => l.includes(SECRET)), 'the secret is in no log line');
  await app.close();
});

s('a wrong secret is logged at warn with the code and address, and neither secret appears', async () => {
  const { app, logs } = makeFixture();
  const presented = 'guessed-secret-XYZ';
  const res = await app.inject({ method: 'POST', url: URL, remoteAddress: REMOTE, payload: alertBody({ secret: presented }) });
  assert.is(res.statusCode, 401);
  const warn = warnings(logs);
  assert.is(warn.length, 1);
  assert.equal({ code: warn[0]!['code'], remote: warn[0]!['remote'], field: warn[0]!['field'] }, {
    code: 'FAKEOUT_ERR_WEBHOOK_UNAUTHORIZED',
    remote: REMOTE,
    field: undefined,
  });
  assert.not.ok(logs.some((l) => l.includes(SECRET) || l.includes(presented)), 'no secret, configured or presented');
  await app.close();
});

s('a body that is not JSON is logged at warn too', async () => {
  const { app, logs } = makeFixture();
  await app.inject({ method: 'POST', url: URL, remoteAddress: REMOTE, headers: { 'content-type': 'text/plain' }, payload: `{"secret":"${SECRET}",` });
  const warn = warnings(logs);
  assert.is(warn.length, 1);
  assert.is(warn[0]!['code'], 'FAKEOUT_ERR_WEBHOOK_NOT_JSON');
  assert.is(warn[0]!['remote'], REMOTE);
  assert.not.ok(logs.some((l) => l.includes(SECRET)));
  await app.close();
});

s('an accepted alert logs no refusal', async () => {
  const { app, logs } = makeFixture();
  await app.inject({ method: 'POST', url: URL, payload: alertBody() });
  assert.is(warnings(logs).length, 0);
  await app.close();
});

s.run();
