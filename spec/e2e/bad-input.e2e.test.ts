/**
 * Bad input over the real HTTP server and a real replay: every refusal is clear and names the
 * problem, nothing is stored for it, and what was stored before is intact.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { getIngestProgress, verifyRawChain } from '../../adapters/db/index.ts';
import { streamInfo } from '../../adapters/nats/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const s = suite('bad input');
let t: TestApp;
let dir = '';
let url = '';

const SECRET = 'test-secret-123';
// A closed 5m bar about two hours ago: inside the webhook's time window (docs/webhook.md) whenever the test runs.
const T = Math.floor((Date.now() - 2 * 3_600_000) / 300_000) * 300_000;
const at = (ms: number) => new Date(ms).toISOString();
const goodAlert = {
  secret: SECRET,
  symbol: 'BTCUSDT',
  exchange: 'BINANCE',
  interval: '5',
  time: at(T),
  open: 100,
  high: 110,
  low: 95,
  close: 101,
  volume: 12.5,
};

async function post(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await fetch(`${url}/webhook/tradingview`, { method: 'POST', body, headers });
  return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string; field?: string }; id?: string } };
}

async function stored(): Promise<{ raw: number; onStream: number; rows: unknown[] }> {
  const db = t.app.database.db;
  const raw = (await sql<{ n: number }>`select count(*)::int as n from raw_events`.execute(db)).rows[0]!.n;
  const rows = await db.selectFrom('raw_events').select(['seq', 'id', 'row_sha256']).orderBy('seq').execute();
  return { raw, onStream: (await streamInfo(t.app.messaging.bus('pipeline').jsm, 'RAW')).messages, rows };
}

s.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fakeout-bad-'));
  t = await startTestApp({});
  url = t.app.httpUrl()!;
  // Earlier data that must stay intact.
  const first = await post(JSON.stringify(goodAlert));
  assert.is(first.status, 202);
  await t.app.waitForIdle({ timeoutMs: 60_000 });
});

s.after(async () => {
  await t.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

s('refuses wrong secrets, wrong types, missing fields, oversized and non-JSON bodies, and stores nothing', async () => {
  const before = await stored();
  assert.is(before.raw, 1);
  const cases: [string, Promise<Awaited<ReturnType<typeof post>>>, number, string, string?][] = [
    ['wrong secret', post(JSON.stringify({ ...goodAlert, secret: 'nope', time: at(T + 300_000) })), 401, 'FAKEOUT_ERR_WEBHOOK_UNAUTHORIZED'],
    ['no secret', post(JSON.stringify({ ...goodAlert, secret: undefined, time: at(T + 300_000) })), 401, 'FAKEOUT_ERR_WEBHOOK_UNAUTHORIZED'],
    ['price as text', post(JSON.stringify({ ...goodAlert, high: 'lots', time: at(T + 300_000) })), 400, 'FAKEOUT_ERR_WEBHOOK_INVALID', 'high'],
    ['missing symbol', post(JSON.stringify({ ...goodAlert, symbol: undefined, time: at(T + 300_000) })), 400, 'FAKEOUT_ERR_WEBHOOK_INVALID', 'symbol'],
    ['missing time', post(JSON.stringify({ ...goodAlert, time: undefined })), 400, 'FAKEOUT_ERR_WEBHOOK_INVALID', 'time'],
    ['high below low', post(JSON.stringify({ ...goodAlert, high: 90, time: at(T + 300_000) })), 400, 'FAKEOUT_ERR_WEBHOOK_INVALID'],
    ['oversized', post(JSON.stringify({ ...goodAlert, pad: 'x'.repeat(20_000) })), 413, 'FAKEOUT_ERR_WEBHOOK_TOO_LARGE'],
    ['not JSON', post('{"secret": "test-secret-123", symbol', { 'content-type': 'text/plain' }), 400, 'FAKEOUT_ERR_WEBHOOK_NOT_JSON'],
  ];
  for (const [name, pending, status, code, field] of cases) {
    const res = await pending;
    assert.is(res.status, status, name);
    assert.is(res.json.error?.code, code, name);
    assert.ok((res.json.error?.message ?? '').length > 0, `${name} says why`);
    if (field) assert.is(res.json.error?.field, field, `${name} names the field`);
  }
  await t.app.waitForIdle({ timeoutMs: 60_000 });
  const after = await stored();
  assert.equal(after, before, 'nothing stored, earlier data unchanged');
  assert.equal(await verifyRawChain(t.app.database.db), { ok: true, rows: 1 });
});

s('accepts the same alert twice as one event (TradingView retries)', async () => {
  const again = await post(JSON.stringify(goodAlert));
  assert.is(again.status, 202);
  assert.is((again.json as { duplicate?: boolean }).duplicate, true);
  await t.app.waitForIdle({ timeoutMs: 60_000 });
  assert.is((await stored()).raw, 1);
});

s('reports malformed CSV rows by line and reason, replays the good ones, and leaves earlier data intact', async () => {
  const before = await stored();
  const file = join(dir, 'ticks.csv');
  writeFileSync(
    file,
    ['time,price,size', '2024-03-01T10:00:00Z,100.5,2', '2024-03-01T10:00:01Z,abc,1', 'not-a-time,101,1', '2024-03-01T10:00:02Z,-5,1', '2024-03-01T10:00:03Z,101.25,3', ''].join('\n'),
  );
  await t.restart([{ path: file, symbol: 'TEST' }]);
  await t.app.waitForIdle({ timeoutMs: 60_000 });
  const after = await stored();
  assert.is(after.raw, before.raw + 2, 'the two good rows, nothing for the three bad ones');
  assert.equal(after.rows.slice(0, before.rows.length), before.rows, 'earlier rows unchanged');
  assert.equal(await verifyRawChain(t.app.database.db), { ok: true, rows: before.raw + 2 });
  const db = t.app.database.db;
  const ids = (await db.selectFrom('raw_events').select('envelope').where('symbol', '=', 'TEST').execute()).map(
    (r) => (r.envelope as { origin: { line: number } }).origin.line,
  );
  assert.equal(ids.sort(), [2, 6], 'good rows kept with their line numbers');
  const progress = (await db.selectFrom('ingest_progress').selectAll().execute()).find((p) => p.file_name === 'ticks.csv')!;
  assert.is(Number(progress.bad_rows), 3);
  assert.ok(await getIngestProgress(db, progress.file_key));
  const metrics = await (await fetch(`${t.app.httpUrl()}/metrics`)).text();
  assert.match(metrics, /fakeout_ingested_total\{source="replay",outcome="bad_row"\} 3/);
});

s('skips a missing file and a file of no known format, reports them, and replays the good one', async () => {
  const before = await stored();
  const garbage = join(dir, 'notes.txt');
  writeFileSync(garbage, 'this is not market data\n');
  const good = join(dir, 'more-ticks.csv');
  writeFileSync(good, ['time,price,size', '2024-03-02T10:00:00Z,100,1', '2024-03-02T10:00:01Z,100.5,1', ''].join('\n'));
  await t.restart([{ path: join(dir, 'missing.csv') }, { path: garbage }, { path: good, symbol: 'TEST2' }]);
  await t.app.waitForIdle({ timeoutMs: 60_000 });
  assert.is((await stored()).raw, before.raw + 2, 'the good file replayed');
  const replay = (t.app.tree().children ?? []).flatMap((c) => c.children ?? []).find((n) => n.id === 'replay')!;
  assert.is(replay.status, 'stopped', 'the replay finished normally');
  assert.is(replay.restarts, 0, 'no crash loop');
  const metrics = await (await fetch(`${t.app.httpUrl()}/metrics`)).text();
  assert.match(metrics, /fakeout_ingested_total\{source="replay",outcome="rejected"\} 2/);
  const log = readFileSync(join(t.dataDir, 'test.log'), 'utf8');
  assert.match(log, /"code":"FAKEOUT_ERR_INGEST_FILE".*replay file skipped/);
  assert.match(log, /"code":"FAKEOUT_ERR_INGEST_UNKNOWN_FORMAT".*replay file skipped/);
});

s('GET /actors shows every actor with its state and restart count', async () => {
  const tree = (await (await fetch(`${t.app.httpUrl()}/actors`)).json()) as { id: string; children?: unknown[] };
  const flat: { id: string; status: string; state?: unknown; restarts: number }[] = [];
  const walk = (n: { id: string; status: string; state?: unknown; restarts: number; children?: unknown[] }) => {
    flat.push(n);
    for (const c of n.children ?? []) walk(c as typeof n);
  };
  walk(tree as never);
  const byId = new Map(flat.map((n) => [n.id, n]));
  for (const id of ['fakeout', 'nats-server', 'pipeline', 'raw-archiver', 'bar-builder', 'feature-engine', 'scoring-engine', 'intake', 'http']) {
    assert.ok(byId.has(id), `${id} in the tree`);
    assert.type(byId.get(id)!.restarts, 'number');
  }
  assert.is(byId.get('feature-engine')!.state, 'running');
  assert.is(byId.get('http')!.state, 'running');
});

s.run();
