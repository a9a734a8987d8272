/**
 * Prometheus conformance, with Prometheus's own linter (`promtool`, Debian's `prometheus`
 * package, installed by ops/setup.sh):
 * - a running app (embedded nats-server, Postgres) that has replayed real bars, taken a webhook
 *   alert and a refused one, seen a fill and a clock trip, and run its integrity auditor serves a
 *   /metrics that `promtool check metrics` accepts with nothing to say, and that holds every
 *   series the alert rules use, with the values those events produce;
 * - `promtool check config ops/prometheus.yml`, `check rules ops/alerts.yml` and
 *   `test rules ops/alerts.test.yml` pass;
 * - the alert thresholds are fakeout's configured defaults.
 * POLICY: a machine without promtool fails here (with what to run), it does not skip.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../actors/domain/config.ts';
import { fillSubject, tripMsgId, tripSubject, type FillMessage } from '../../actors/execution/order-messages.ts';
import { REPO, startTestApp, writeFtxSlice, type TestApp } from '../helpers/app.ts';
import { families, promtool } from '../helpers/prometheus.ts';

const s = suite('promtool: /metrics, prometheus.yml, alerts.yml');
const OPS = join(REPO, 'ops');

/** The value of one exact series line (`name{labels} value`), or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestApp;
let dir: string;
let live = '';

s.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fakeout-prom-'));
  const slice = writeFtxSlice(dir, 400);
  t = await startTestApp({
    replay: [{ path: slice.path, symbol: 'BTC-PERP' }],
    // a slippage window of one fill, so one fill sets the ratio; the auditor every second
    env: { FAKEOUT_BREAKER_SLIPPAGE_WINDOW: '1', FAKEOUT_INTEGRITY_EVERY: '1' },
  });
});

s.after(async () => {
  await t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

s('a live /metrics with real values passes promtool check metrics with no output', async () => {
  await t.app.waitForIdle({ timeoutMs: 120_000 });
  const url = t.app.httpUrl()!;
  const post = (body: unknown) => fetch(`${url}/webhook/tradingview`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const alert = { symbol: 'BINANCE:ETHUSDT', price: 2000, time: new Date(Date.now() - 120_000).toISOString() };
  assert.is((await post({ ...alert, secret: t.env.FAKEOUT_WEBHOOK_SECRET })).status, 202);
  assert.is((await post({ ...alert, secret: 'wrong' })).status, 401);
  const gateway = t.app.messaging.bus('gateway');
  // one entry fill: realised 3 bps against a modelled 2 → the slippage monitor's ratio 1.5
  const f: FillMessage = {
    kind: 'fill', fillId: 'PROM:fill:1', clientOrderId: 'PROM:1:entry', symbol: 'PROMSYM', side: 'buy', qty: 1, price: 100, fees: 0.1,
    time: 1_700_000_000_000, leg: 'entry', modelledBps: 2, realisedBps: 3,
  };
  const at = Date.now();
  await gateway.publishMany([
    { subject: fillSubject(f.symbol), id: f.fillId, value: f },
    // the drift monitor's trip, as it publishes it: the gateway opens the breaker and counts reason clock
    { subject: tripSubject('clock'), id: tripMsgId('clock', at), value: { at, reason: 'offset 1500 ms beyond 1000 ms', figures: { offsetMs: 1500 } } },
  ]);
  const want: Record<string, number> = {
    'fakeout_breaker_trips_total{reason="clock"}': 1,
    'fakeout_breaker_state{state="open"}': 1,
    'fakeout_slippage_ratio': 1.5,
    'fakeout_webhook_requests_total{outcome="accepted"}': 1,
    'fakeout_webhook_requests_total{outcome="unauthorized"}': 1,
    'fakeout_integrity_failed': 0,
  };
  const settled = () => Object.entries(want).every(([k, v]) => value(live, k) === v) && (value(live, 'fakeout_integrity_runs_total{result="ok"}') ?? 0) >= 1;
  for (let i = 0; i < 150 && !settled(); i++) {
    live = await (await fetch(`${url}/metrics`)).text();
    if (!settled()) await wait(100);
  }
  for (const [k, v] of Object.entries(want)) assert.is(value(live, k), v, k);
  assert.ok((value(live, 'fakeout_integrity_runs_total{result="ok"}') ?? 0) >= 1, 'the auditor ran and passed');
  assert.ok((value(live, 'fakeout_signals_total') ?? 0) + (value(live, 'fakeout_scores_total') ?? 0) > 0, 'the replay was scored');
  assert.match(live, /\nfakeout_stage_duration_seconds_count\{stage="bar-builder"\} [1-9]/);
  assert.match(live, /\nfakeout_fill_slippage_bps_count\{kind="realised"\} 1\n/);

  const lint = promtool(['check', 'metrics'], live, OPS);
  assert.is(lint.out, '', 'promtool says nothing');
  assert.is(lint.code, 0);
});

s('the live output has every series the issue names, and every metric an alert rule uses', () => {
  const have = families(live);
  for (const name of [
    'fakeout_breaker_state', 'fakeout_breaker_trips_total', 'fakeout_slippage_ratio', 'fakeout_fill_slippage_bps', 'fakeout_low_liquidity_signals_ratio',
    'fakeout_gate_state', 'fakeout_approvals_pending', 'fakeout_orders_total', 'fakeout_fills_total', 'fakeout_clock_offset_seconds', 'fakeout_integrity_failed',
    'fakeout_actor_restarts_total', 'fakeout_actor_state', 'fakeout_webhook_requests_total', 'fakeout_stage_duration_seconds', 'fakeout_consumer_pending',
    'process_cpu_seconds_total', 'nodejs_active_handles_all', 'nodejs_active_handles',
  ]) {
    assert.ok(have.has(name), name);
  }
  const rules = readFileSync(join(OPS, 'alerts.yml'), 'utf8');
  const used = new Set([...rules.matchAll(/^\s*expr:.*$/gm)].flatMap((m) => [...m[0].matchAll(/\b((?:fakeout|nodejs|process)_[a-z_]+)/g)].map((x) => x[1]!)));
  assert.ok(used.size >= 7, `alerts use ${[...used].join(', ')}`);
  for (const name of used) assert.ok(have.has(name), `alerts.yml uses ${name}, which /metrics exposes`);
});

s('promtool accepts ops/prometheus.yml and ops/alerts.yml, and the alert unit tests pass', () => {
  for (const args of [['check', 'config', 'prometheus.yml'], ['check', 'rules', 'alerts.yml'], ['test', 'rules', 'alerts.test.yml']]) {
    const r = promtool(args, undefined, OPS);
    assert.is(r.code, 0, `promtool ${args.join(' ')}:\n${r.out}`);
    assert.match(r.out, /SUCCESS/);
  }
});

s("the alert thresholds are fakeout's configured defaults", () => {
  const rules = readFileSync(join(OPS, 'alerts.yml'), 'utf8');
  const c = loadConfig({});
  assert.match(rules, `expr: fakeout_slippage_ratio > ${c.breakerSlippageRatio}\n`);
  assert.match(rules, `expr: fakeout_low_liquidity_signals_ratio > ${c.liquidityAlertShare}\n`);
  assert.match(rules, `expr: abs(fakeout_clock_offset_seconds) > ${c.clockWarnMs / 1000}\n`);
});

s.run();
