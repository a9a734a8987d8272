/**
 * The series issue #10 adds to GET /metrics, each fed from where its value is produced: breaker
 * trips by reason and approvals pending from the gateway's committed batch, the slippage ratio
 * and the low-liquidity share from the monitors' outputs, the integrity status from a run, the
 * webhook requests by outcome from the route; and prom-client's process metrics under names
 * promtool accepts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { collectProcessMetrics, conformingName, createMetrics, type Metrics } from '../../adapters/metrics/index.ts';
import { recordGatewayCommit, recordIntegrityRun, recordMonitorOutputs, tripReasonLabel } from '../../actors/app/app.ts';
import { GatewayProcessor, type GatewayOutput } from '../../actors/gateway/gateway-processor.ts';
import { approvalsPending, countOutputs } from '../../actors/gateway/gateway-state.ts';
import { parseBreakerTrip } from '../../actors/execution/order-messages.ts';
import { webhookOutcomeOf } from '../../adapters/http/webhook.routes.ts';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { approve, fill, intent, MIN, PARAMS, T0 } from '../gateway/fixtures.ts';
import { alertBody, makeFixture } from '../http/http-fixture.ts';

const s = suite('operator metrics series');

/** The value of one series in the text exposition (undefined: the series is not there). */
async function sample(m: Metrics, series: string): Promise<number | undefined> {
  const text = await m.render();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

s('prom-client gauges named *_total are exported as *_all with the values prom-client computes', async () => {
  const ours = new Registry();
  const renamed = collectProcessMetrics(ours);
  // the three prom-client 15 exports on Node 20 (processHandles, processRequests, processResources)
  assert.equal(renamed.map((r) => r.from).sort(), ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']);
  assert.equal(renamed.map((r) => r.to).sort(), ['nodejs_active_handles_all', 'nodejs_active_requests_all', 'nodejs_active_resources_all']);
  const text = await ours.metrics();
  assert.not.match(text, /^# TYPE \S+_total (gauge|histogram|summary)$/m);
  // the value against prom-client's own gauge on a registry left as it is, read at the same moment
  const raw = new Registry();
  collectDefaultMetrics({ register: raw });
  const [a, b] = await Promise.all([ours.getSingleMetric('nodejs_active_resources_all')!.get(), raw.getSingleMetric('nodejs_active_resources_total')!.get()]);
  assert.is(a.values[0]!.value, b.values[0]!.value);
  assert.is(a.values[0]!.value, process.getActiveResourcesInfo().length);
  assert.is(conformingName('process_cpu_seconds_total'), 'process_cpu_seconds_all');
  assert.is(conformingName('nodejs_heap_size_used_bytes'), 'nodejs_heap_size_used_bytes');
});

s('a counter named *_total is left alone (process_cpu_seconds_total stays)', async () => {
  const r = new Registry();
  collectProcessMetrics(r);
  assert.match(await r.metrics(), /\n# TYPE process_cpu_seconds_total counter\n/);
});

s('a slippage trip and a published clock trip are counted by reason; the batch reports pending approvals', () => {
  const p = new GatewayProcessor({ ...PARAMS, breaker: { ...PARAMS.breaker, slippageWindow: 1 } });
  const out: GatewayOutput[] = [];
  out.push(...p.apply(intent(0)));
  assert.is(approvalsPending(p.state), 1, 'gated: the intent waits for a person');
  out.push(...p.apply(approve(0)));
  assert.is(approvalsPending(p.state), 0);
  out.push(...p.apply(fill(0, 'entry', 100, T0 + MIN, { realised: 3, modelled: 1 }))); // 3 / 1 > 1.5: slippage trip
  out.push(...p.apply(parseBreakerTrip('risk.trip.clock', { at: T0 + 2 * MIN, reason: 'offset 1500 ms', figures: { offsetMs: 1500 } })));
  out.push(...p.apply(parseBreakerTrip('risk.trip.vendorx', { at: T0 + 2 * MIN, reason: 'feed stale', figures: {} })));
  assert.equal(countOutputs(out).trips, { slippage: 1, clock: 1, vendorx: 1 });
});

s('an intent still waiting when the batch commits is one pending approval', () => {
  const p = new GatewayProcessor(PARAMS);
  p.apply(intent(0));
  p.apply(intent(1, 'BTC-PERP'));
  assert.is(approvalsPending(p.state), 2);
});

s('recordGatewayCommit: trips by bounded reason, unknown sources as other, approvals pending as a gauge', async () => {
  const m = createMetrics();
  assert.is(await sample(m, 'fakeout_breaker_trips_total{reason="manual"}'), 0, 'every reason exists at 0');
  recordGatewayCommit(m, { orders: {}, fills: { entry: 0, exit: 0 }, trips: { slippage: 1, clock: 2, vendorx: 1, 'feed-b': 1 }, approvalsPending: 3, gate: 'gated', breaker: 'open' });
  recordGatewayCommit(m, { orders: {}, fills: { entry: 0, exit: 0 }, trips: { clock: 1 }, approvalsPending: 1, gate: 'gated', breaker: 'open' });
  assert.is(await sample(m, 'fakeout_breaker_trips_total{reason="slippage"}'), 1);
  assert.is(await sample(m, 'fakeout_breaker_trips_total{reason="clock"}'), 3);
  assert.is(await sample(m, 'fakeout_breaker_trips_total{reason="other"}'), 2);
  assert.is(await sample(m, 'fakeout_breaker_trips_total{reason="vendorx"}'), undefined, 'no label value from a publisher');
  assert.is(await sample(m, 'fakeout_approvals_pending'), 1, 'a gauge: the latest batch, not a sum');
  assert.is(tripReasonLabel('orderErrors'), 'orderErrors');
  assert.is(tripReasonLabel('monitor'), 'other');
});

s('the monitors set the slippage ratio and the low-liquidity share under their own names', async () => {
  const m = createMetrics();
  const state = (monitor: string, value: number | null) => ({ kind: 'state' as const, monitor, state: 'normal' as const, value, threshold: 1, since: null, figures: {} });
  recordMonitorOutputs(m, [state('slippage', 1.75), state('liquidity', 0.4)]);
  recordMonitorOutputs(m, [state('liquidity', null)]); // a window not full yet leaves the last figure
  assert.is(await sample(m, 'fakeout_slippage_ratio'), 1.75);
  assert.is(await sample(m, 'fakeout_low_liquidity_signals_ratio'), 0.4);
  assert.is(await sample(m, 'fakeout_monitor_value{monitor="slippage"}'), 1.75);
});

s('an integrity run sets failed, problems and the time of the run, and counts the result', async () => {
  const m = createMetrics();
  assert.is(await sample(m, 'fakeout_integrity_failed'), 0, 'before any run: not failed (no false alarm)');
  const base = { full: false, from: 1, to: 10, rows: 10, messages: 10, duplicates: 0, pending: 0 };
  recordIntegrityRun(m, { ...base, ok: false, problems: [{ kind: 'chain' }, { kind: 'missing' }] as never, at: 1_700_000_000_000 });
  assert.is(await sample(m, 'fakeout_integrity_failed'), 1);
  assert.is(await sample(m, 'fakeout_integrity_problems'), 2);
  assert.is(await sample(m, 'fakeout_integrity_last_run_timestamp_seconds'), 1_700_000_000);
  recordIntegrityRun(m, { ...base, ok: true, problems: [], at: 1_700_000_060_500 });
  assert.is(await sample(m, 'fakeout_integrity_failed'), 0);
  assert.is(await sample(m, 'fakeout_integrity_problems'), 0);
  assert.is(await sample(m, 'fakeout_integrity_runs_total{result="ok"}'), 1);
  assert.is(await sample(m, 'fakeout_integrity_runs_total{result="failed"}'), 1);
  assert.is(await sample(m, 'fakeout_integrity_last_run_timestamp_seconds'), 1_700_000_060.5);
});

s('a refused webhook request is counted by what was wrong, by its registry code', () => {
  const e = (code: string) => new FakeoutError(code as never, 'x');
  assert.is(webhookOutcomeOf(e('FAKEOUT_ERR_WEBHOOK_UNAUTHORIZED')), 'unauthorized');
  assert.is(webhookOutcomeOf(e('FAKEOUT_ERR_WEBHOOK_TOO_LARGE')), 'too_large');
  assert.is(webhookOutcomeOf(e('FAKEOUT_ERR_WEBHOOK_MEDIA_TYPE')), 'unsupported_media_type');
  assert.is(webhookOutcomeOf(e('FAKEOUT_ERR_INGEST_UNAVAILABLE')), 'unavailable');
  assert.is(webhookOutcomeOf(e('FAKEOUT_ERR_CONFIG_INVALID')), 'error', 'an unmapped 5xx');
});

s('POST /webhook/tradingview counts every request once, by outcome', async () => {
  const { app, metrics } = makeFixture({ respond: async () => ({ id: 'a', duplicate: false }) });
  const post = (payload: string, type = 'application/json') => app.inject({ method: 'POST', url: '/webhook/tradingview', headers: { 'content-type': type }, payload });
  assert.is((await post(JSON.stringify(alertBody()))).statusCode, 202);
  assert.is((await post(JSON.stringify(alertBody({ secret: 'wrong' })))).statusCode, 401);
  assert.is((await post('{not json')).statusCode, 400);
  assert.is((await post('x', 'application/xml')).statusCode, 415);
  assert.is(await sample(metrics, 'fakeout_webhook_requests_total{outcome="accepted"}'), 1);
  assert.is(await sample(metrics, 'fakeout_webhook_requests_total{outcome="unauthorized"}'), 1);
  assert.is(await sample(metrics, 'fakeout_webhook_requests_total{outcome="not_json"}'), 1);
  assert.is(await sample(metrics, 'fakeout_webhook_requests_total{outcome="unsupported_media_type"}'), 1);
  assert.is(await sample(metrics, 'fakeout_webhook_requests_total{outcome="duplicate"}'), 0);
  await app.close();
});

s('the clock offset is exported in seconds', async () => {
  const m = createMetrics();
  m.recordClockVerdict('warn', -1500);
  assert.is(await sample(m, 'fakeout_clock_offset_seconds'), -1.5);
});

s.run();
