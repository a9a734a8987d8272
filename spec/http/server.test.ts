import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildHttpServer } from '../../adapters/http/index.ts';
import { createLogger } from '../../adapters/log/index.ts';
import { createMetrics } from '../../adapters/metrics/index.ts';
import { alertBody, makeFixture, SECRET } from './http-fixture.ts';

const s = suite('http-server');

/** Every family the brief names, with its Prometheus type. */
const FAMILIES = [
  ['fakeout_actor_restarts_total', 'counter'],
  ['fakeout_actor_state', 'gauge'],
  ['fakeout_stage_duration_seconds', 'histogram'],
  ['fakeout_stage_messages_total', 'counter'],
  ['fakeout_consumer_pending', 'gauge'],
  ['fakeout_ingested_total', 'counter'],
  ['fakeout_supervision_events_total', 'counter'],
  ['fakeout_signals_total', 'counter'],
  ['fakeout_scores_total', 'counter'],
] as const;

s('GET /actors returns the tree actorsTree() gives, read on each request', async () => {
  let restarts = 0;
  const { app } = makeFixture({ actorsTree: () => ({ id: 'root', state: 'running', restarts }) });
  const first = await app.inject({ method: 'GET', url: '/actors' });
  assert.is(first.statusCode, 200);
  assert.match(String(first.headers['content-type']), /^application\/json/);
  assert.equal(first.json(), { id: 'root', state: 'running', restarts: 0 });
  restarts = 2;
  const second = await app.inject({ method: 'GET', url: '/actors' });
  assert.equal(second.json(), { id: 'root', state: 'running', restarts: 2 });
  await app.close();
});

s('GET /metrics serves every fakeout family and the default process metrics as Prometheus text', async () => {
  const { app, metrics } = makeFixture();
  await app.inject({ method: 'POST', url: '/webhook/tradingview', payload: alertBody() });
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.is(res.statusCode, 200);
  assert.is(res.headers['content-type'], metrics.contentType);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  for (const [name, type] of FAMILIES) assert.ok(res.body.includes(`# TYPE ${name} ${type}\n`), `${name} ${type}`);
  assert.ok(res.body.includes('# TYPE process_cpu_user_seconds_total counter'));
  assert.ok(res.body.includes('# TYPE nodejs_heap_size_total_bytes gauge'));
  // the accepted alert above, counted by the webhook
  assert.ok(res.body.includes('fakeout_ingested_total{source="tradingview",outcome="accepted"} 1\n'));
  await app.close();
});

s('beforeMetrics runs on each scrape, before the render', async () => {
  let scrapes = 0;
  const { app, metrics } = makeFixture({
    beforeMetrics: () => {
      scrapes += 1;
      metrics.setActorState('bar-builder', scrapes === 1 ? 'starting' : 'running');
    },
  });
  const first = await app.inject({ method: 'GET', url: '/metrics' });
  assert.ok(first.body.includes('fakeout_actor_state{actor="bar-builder",state="starting"} 1\n'));
  const second = await app.inject({ method: 'GET', url: '/metrics' });
  assert.ok(second.body.includes('fakeout_actor_state{actor="bar-builder",state="starting"} 0\n'));
  assert.ok(second.body.includes('fakeout_actor_state{actor="bar-builder",state="running"} 1\n'));
  assert.is(scrapes, 2);
  await app.close();
});

s('GET /healthz is 200 with the report when healthy', async () => {
  const { app } = makeFixture({ health: async () => ({ ok: true, details: { nats: 'connected' } }) });
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  assert.is(res.statusCode, 200);
  assert.equal(res.json(), { ok: true, details: { nats: 'connected' } });
  await app.close();
});

s('GET /healthz is 503 when the probe says not ok', async () => {
  const { app } = makeFixture({ health: async () => ({ ok: false, details: { nats: 'disconnected' } }) });
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  assert.is(res.statusCode, 503);
  assert.equal(res.json(), { ok: false, details: { nats: 'disconnected' } });
  await app.close();
});

s('GET /healthz is 503 when the probe throws, without the error text', async () => {
  const { app } = makeFixture({
    health: async () => {
      throw new Error('pg: password authentication failed');
    },
  });
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  assert.is(res.statusCode, 503);
  assert.equal(res.json(), { ok: false, details: { error: 'health probe failed' } });
  await app.close();
});

s('GET /healthz is 200 when no probe is given', async () => {
  const { app } = makeFixture();
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  assert.is(res.statusCode, 200);
  assert.equal(res.json(), { ok: true });
  await app.close();
});

s('an unknown route gets 404 in the shared error shape, without the query string', async () => {
  const { app } = makeFixture();
  const res = await app.inject({ method: 'GET', url: '/nope?token=abc' });
  assert.is(res.statusCode, 404);
  assert.equal(res.json(), { error: { code: 'FAKEOUT_ERR_HTTP_NOT_FOUND', message: 'no route for GET /nope' } });
  await app.close();
});

s('every log line is one JSON object', async () => {
  const { app, logs } = makeFixture();
  await app.inject({ method: 'POST', url: '/webhook/tradingview', payload: alertBody({ secret: 'bad' }) });
  await app.inject({ method: 'GET', url: '/actors' });
  assert.ok(logs.length >= 4, `got ${logs.length} lines`); // at least request + response per call
  for (const line of logs) {
    const parsed: unknown = JSON.parse(line);
    assert.type(parsed, 'object');
    assert.type((parsed as { level: unknown }).level, 'number');
  }
  assert.ok(logs.some((l) => l.includes('"code":"FAKEOUT_ERR_WEBHOOK_UNAUTHORIZED"')), 'the refusal is logged by code');
  await app.close();
});

s('a pino logger passed in is used, with fastify request serializers (no headers logged)', async () => {
  const lines: string[] = [];
  const parent = Fastify({ logger: { level: 'info', stream: { write: (l: string) => void lines.push(l) } } });
  const app = buildHttpServer({
    logger: parent.log,
    webhookSecret: SECRET,
    acceptAlert: async () => ({ id: 'x', duplicate: false, closes: [] }),
    actorsTree: () => ({}),
    metrics: createMetrics(),
  });
  const res = await app.inject({
    method: 'POST',
    url: '/webhook/tradingview',
    headers: { 'x-fakeout-secret': SECRET },
    payload: { a: 1 },
  });
  assert.is(res.statusCode, 202);
  assert.ok(lines.some((l) => l.includes('"url":"/webhook/tradingview"')), 'request logged through the given logger');
  assert.not.ok(lines.some((l) => l.includes(SECRET)));
  await app.close();
  await parent.close();
});

/** The app's own logger (adapters/log) at info, as app.ts hands it to the HTTP server. */
function serverWithAppLogger(overrides: Partial<Parameters<typeof buildHttpServer>[0]> = {}) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
      done();
    },
  });
  const log = createLogger('info', sink).child({ actor: 'http' });
  const app = buildHttpServer({
    logger: log,
    webhookSecret: SECRET,
    acceptAlert: async () => ({ id: 'x', duplicate: false, closes: [] }),
    actorsTree: () => ({ id: 'root' }),
    metrics: createMetrics(),
    ...overrides,
  });
  const urls = () => lines.map((l) => JSON.parse(l) as { level: number; req?: { url?: string }; msg: string });
  return { app, lines, urls };
}

s('scrapes of /metrics and /healthz probes are not logged at info; other requests are', async () => {
  const { app, urls } = serverWithAppLogger();
  for (let i = 0; i < 3; i++) {
    assert.is((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
    assert.is((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  }
  // the control: the same logger does log an ordinary request (incoming request + request completed)
  await app.inject({ method: 'GET', url: '/actors' });
  const logged = urls();
  assert.is(logged.filter((l) => l.msg === 'incoming request' && l.req?.url === '/actors').length, 1);
  assert.ok(logged.some((l) => l.msg === 'request completed'), 'the completion of /actors is logged');
  // every request line that was written belongs to /actors: 6 polls, 2 lines
  assert.is(logged.filter((l) => l.level === 30).length, 2, JSON.stringify(logged));
  assert.not.ok(logged.some((l) => l.req?.url === '/metrics' || l.req?.url === '/healthz'));
  await app.close();
});

s('a failing scrape or probe is still logged (at error)', async () => {
  const { app, urls } = serverWithAppLogger({
    beforeMetrics: () => {
      throw new Error('tree unavailable');
    },
    health: async () => {
      throw new Error('nats client gone');
    },
  });
  assert.is((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 500);
  assert.is((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 503);
  const errors = urls().filter((l) => l.level >= 50);
  assert.ok(errors.some((l) => l.msg === 'health probe threw'), JSON.stringify(errors));
  assert.ok(JSON.stringify(errors).includes('tree unavailable'), JSON.stringify(errors));
  await app.close();
});

s.run();
