/**
 * Signals where a person can see them, against a started app (its own nats-server, a fresh
 * Postgres database, real HTTP): real FTX 1m bars posted as TradingView bar alerts, the 202's
 * closed bars, the SSE stream, GET /api/signals, the signal log line and `fakeout signals`.
 * Expected signals come from the tests' own bar aggregation and the pure feature/score path
 * (spec/e2e/expected.ts), not from the pipeline.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Signal } from '../../actors/domain/messages.ts';
import { startTestApp, writeFtxSlice, type FtxRow, type TestApp } from '../helpers/app.ts';
import { expectedBars, expectedSignals } from './expected.ts';
import type { RefSignal } from '../helpers/reference-scoring.ts';
import { openSse, signalConsumers, until } from './sse-client.ts';

const SYMBOL = 'BTC-PERP';
const SECRET = 'test-secret-123';
const TFS = ['1m', '5m'] as const;
const ROWS = 170; // the first three 1m signals of the file are at rows 133, 160 and 168

interface Ctx {
  t: TestApp;
  url: string;
  dir: string;
  rows: FtxRow[];
  want: RefSignal[];
}
const s = suite<Ctx>('signals where a person can see them');

s.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'fakeout-signals-'));
  ctx.rows = writeFtxSlice(ctx.dir, 300).rows;
  // The alerts are real 2021–22 bars, so the webhook's age window is opened to its maximum (a backfill).
  ctx.t = await startTestApp({ env: { FAKEOUT_TIMEFRAMES: TFS.join(','), FAKEOUT_WEBHOOK_MAX_AGE_DAYS: '3650' } });
  ctx.url = ctx.t.app.httpUrl()!;
  ctx.want = expectedSignals(expectedBars(SYMBOL, ctx.rows.slice(0, ROWS), [...TFS]).values());
});
s.after(async (ctx) => {
  await ctx.t?.cleanup();
  rmSync(ctx.dir, { recursive: true, force: true });
});

async function postBar(url: string, r: FtxRow): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/webhook/tradingview`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ secret: SECRET, symbol: SYMBOL, interval: '1', time: new Date(r.ts).toISOString(), open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

s('bar alerts answer which bars they closed; their signals stream live, are stored, and logged', async (ctx) => {
  assert.ok(ctx.want.length >= 3, 'the slice holds signals');
  const live = await openSse(`${ctx.url}/api/signals/stream?symbol=${SYMBOL}`);
  const other = await openSse(`${ctx.url}/api/signals/stream?symbol=ETH-PERP`);
  try {
    for (const r of ctx.rows.slice(0, ROWS)) {
      const { status, body } = await postBar(ctx.url, r);
      assert.is(status, 202);
      // By hand: a 1m bar closes its minute, and the 5m bucket when it ends on a multiple of 5m.
      const closes = [{ timeframe: '1m', openTime: r.ts, closeTime: r.ts + 60_000 }];
      if ((r.ts + 60_000) % 300_000 === 0) closes.push({ timeframe: '5m', openTime: r.ts - 240_000, closeTime: r.ts + 60_000 });
      assert.equal(body['closes'], closes, `closes of ${new Date(r.ts).toISOString()}`);
      assert.is(body['closedBar'], true);
    }
    await ctx.t.app.waitForIdle({ timeoutMs: 120_000 });
    await until(() => live.events.length >= ctx.want.length, 10_000, 'every signal streamed');
    const streamed = live.events.map((e) => JSON.parse(e.data) as Signal);
    assert.equal(streamed.map((x) => x.id).sort(), ctx.want.map((x) => x.id).sort(), 'the expected signals, each once');
    assert.ok(live.events.every((e) => e.event === 'signal' && /^\d+$/.test(e.id ?? '')), 'event: signal, id: the stream sequence');
    assert.is(live.contentType, 'text/event-stream; charset=utf-8');
    assert.is(other.events.length, 0, 'the symbol filter holds');

    const api = (await (await fetch(`${ctx.url}/api/signals`)).json()) as { signals: Signal[] };
    assert.equal(api.signals.map((x) => x.id), [...ctx.want].sort((a, b) => b.openTime - a.openTime || (a.id < b.id ? 1 : -1)).map((x) => x.id), 'newest first');
    for (const w of ctx.want) {
      const got = api.signals.find((x) => x.id === w.id)!;
      assert.equal([got.direction, got.score, got.entry, got.stop, got.target], [w.direction, w.score, w.entry, w.stop, w.target], w.id);
    }

    const logged = readFileSync(join(ctx.t.dataDir, 'test.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"msg":"signal"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const w of ctx.want) {
      const line = logged.find((l) => l['signal'] === w.id);
      assert.ok(line, `signal ${w.id} logged`);
      assert.is(line!['level'], 30, 'info');
      assert.equal(
        [line!['symbol'], line!['timeframe'], line!['direction'], line!['score'], line!['entry'], line!['stop'], line!['target']],
        [w.symbol, w.timeframe, w.direction, w.score, w.entry, w.stop, w.target],
      );
    }
  } finally {
    await live.close();
    await other.close();
  }
  await until(async () => (await signalConsumers(ctx.t.app)).length === 0, 5_000, 'no consumer left on SIGNALS after the clients left');
});

s('GET /api/signals filters by symbol, since (ISO or epoch ms) and limit', async (ctx) => {
  const get = async (q: string) => ((await (await fetch(`${ctx.url}/api/signals${q}`)).json()) as { signals: Signal[] }).signals.map((x) => x.id);
  const newest = [...ctx.want].sort((a, b) => b.openTime - a.openTime);
  assert.equal(await get('?limit=2'), newest.slice(0, 2).map((x) => x.id));
  const cut = newest[1]!.openTime;
  const after = newest.filter((x) => x.openTime >= cut).map((x) => x.id);
  assert.equal(await get(`?since=${cut}`), after);
  assert.equal(await get(`?since=${encodeURIComponent(new Date(cut).toISOString())}`), after);
  assert.equal(await get(`?symbol=${SYMBOL}&since=${cut + 1}`), newest.filter((x) => x.openTime > cut).map((x) => x.id));
  assert.equal(await get('?symbol=ETH-PERP'), []);
});

s('bad query parameters get 400 naming the field, on both routes', async (ctx) => {
  const cases: [string, string][] = [
    ['/api/signals?limit=0', 'limit'],
    ['/api/signals?limit=1001', 'limit'],
    ['/api/signals?limit=ten', 'limit'],
    ['/api/signals?since=yesterday', 'since'],
    ['/api/signals?since=2024-13-45T00:00:00Z', 'since'],
    ['/api/signals?symbol=BTC%20PERP', 'symbol'],
    ['/api/signals?symbol=A&symbol=B', 'symbol'],
    ['/api/signals?limt=5', 'limt'],
    ['/api/signals/stream?symbol=%24%24', 'symbol'],
    ['/api/signals/stream?limit=5', 'limit'],
  ];
  for (const [path, field] of cases) {
    const res = await fetch(`${ctx.url}${path}`);
    assert.is(res.status, 400, path);
    const body = (await res.json()) as { error: { code: string; field: string; message: string } };
    assert.is(body.error.code, 'FAKEOUT_ERR_API_INVALID_QUERY', path);
    assert.is(body.error.field, field, path);
    assert.ok(body.error.message.startsWith(`${field}:`), body.error.message);
  }
  assert.equal(await signalConsumers(ctx.t.app), [], 'a refused stream opened no consumer');
});

const CLI = join(import.meta.dirname, '../../actors/app/cli.ts');
const TSX = join(import.meta.dirname, '../../node_modules/.bin/tsx');

function cli(args: string[], opts: { onStdout?: (text: string) => void } = {}) {
  let stdout = '';
  let stderr = '';
  const child = execFile(TSX, [CLI, ...args], { env: { ...process.env, LOG_LEVEL: 'silent' } });
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    opts.onStdout?.(stdout);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.on('exit', (code) => r({ code, stdout, stderr })));
  return { child, done, out: () => stdout };
}

s('fakeout signals prints one aligned line per signal, oldest first', async (ctx) => {
  const { code, stdout } = await cli(['signals', '--url', ctx.url, '--symbol', SYMBOL, '--limit', '3']).done;
  assert.is(code, 0);
  const lines = stdout.trimEnd().split('\n');
  const newest3 = [...ctx.want].sort((a, b) => b.openTime - a.openTime).slice(0, 3).reverse();
  assert.is(lines.length, 4, 'a header and three signals');
  assert.match(lines[0]!, /^bar open \(UTC\)\s+symbol\s+tf\s+dir\s+score\s+entry\s+stop\s+target$/);
  newest3.forEach((w, i) => {
    const cells = lines[i + 1]!.split(/\s{2,}/);
    // 2022-01-01T01:48:00.000Z → "2022-01-01 01:48Z"
    const iso = new Date(w.openTime).toISOString();
    assert.equal(cells.slice(0, 5), [`${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`, SYMBOL, w.timeframe, w.direction.toUpperCase(), w.score.toFixed(2)]);
    // BTC at ~46 000 has five whole digits: two decimals
    assert.equal(cells.slice(5).map(Number), [w.entry, w.stop, w.target].map((x) => Number(x.toFixed(2))));
  });
  const widths = lines.map((l) => l.length);
  assert.ok(widths.slice(1).every((w) => w === widths[1]), 'lines align');
});

s('fakeout signals --follow prints new signals as they come, and leaves no consumer after Ctrl-C', async (ctx) => {
  // Rows 170..218 hold the file's fourth 1m signal (row 218, 02:38).
  const more = expectedSignals(expectedBars(SYMBOL, ctx.rows.slice(0, 219), [...TFS]).values()).filter((x) => !ctx.want.some((w) => w.id === x.id));
  assert.ok(more.length >= 1);
  const run = cli(['signals', '--url', ctx.url, '--symbol', SYMBOL, '--limit', '1', '--follow']);
  await until(() => run.out().includes('bar open (UTC)'), 20_000, 'the listing printed');
  await until(async () => (await signalConsumers(ctx.t.app)).length === 1, 5_000, 'the follower is connected');
  for (const r of ctx.rows.slice(ROWS, 219)) assert.is((await postBar(ctx.url, r)).status, 202);
  await ctx.t.app.waitForIdle({ timeoutMs: 60_000 });
  const stamp = (x: RefSignal) => new Date(x.openTime).toISOString().slice(11, 16);
  await until(() => more.every((x) => run.out().includes(`${stamp(x)}Z`)), 10_000, 'the new signals printed');
  run.child.kill('SIGINT');
  const { code, stdout } = await run.done;
  assert.is(code, 0, 'Ctrl-C ends it normally');
  assert.is(stdout.trimEnd().split('\n').length, 2 + more.length, 'header, the latest stored signal, then each new one once');
  await until(async () => (await signalConsumers(ctx.t.app)).length === 0, 5_000, 'the consumer is gone');
});

s('fakeout signals with nothing running says so and exits non-zero', async () => {
  const { code, stderr } = await cli(['signals', '--url', 'http://127.0.0.1:9']).done;
  assert.is(code, 1);
  assert.match(stderr, 'no fakeout running at http://127.0.0.1:9');
});

s('an open stream ends when the server stops, and stop() does not wait for the client', async (ctx) => {
  const live = await openSse(`${ctx.url}/api/signals/stream`);
  const started = Date.now();
  await ctx.t.app.stop();
  assert.ok(Date.now() - started < 15_000, 'stopped promptly');
  await until(() => live.ended, 5_000, 'the client saw the end of the stream');
  await live.close();
});

s.run();
