/**
 * Figures (e) and (f): the execution side as it is deployed on its own, `FAKEOUT_ROLE=gateway`
 * (order-intake, execution-gateway with the gate, the breaker and the paper broker, slippage-monitor,
 * gateway-clock) with its embedded nats-server and a fresh Postgres database. The benchmark plays
 * the pipeline process beside it: it stores bars in Postgres as the bar-builder does (the paper
 * broker reads them there) and publishes bars, scores (with their signals) and signals as the
 * `pipeline` NATS user; order intake reads the scores.
 *
 * The gate is made live the way it becomes live in production, with FAKEOUT_GATED_TRADES=1:
 * one signal waits for approval, the approval contract message is published as the `gateway`
 * user (what the approval surface publishes once a person's TOTP code is verified), it fills,
 * and the gate goes live. Nothing is bypassed after that.
 *
 *   (e) flood: N signals at once over the four instruments, each followed by the bar that fills
 *       it. Every signal is one decision of the gateway (sent, or skipped by the one position per
 *       symbol policy); decisions/s = N ÷ (first publish → every stage idle, every fill applied).
 *   (f) closed loop: the four instruments in lockstep, as four bars closing in the same minute;
 *       each round publishes four signals, waits for their `orders.sent.*`, publishes their fill
 *       bars and waits for the positions to close. Latency per order: the signal stored on
 *       SIGNALS → its `orders.sent.*` stored on ORDERS (the server's timestamps).
 */
import { sql } from 'kysely';
import { findNode, startApp, type App } from '../../actors/app/app.ts';
import { topologyFor } from '../../actors/app/roles.ts';
import { loadConfig } from '../../actors/domain/config.ts';
import type { Signal } from '../../actors/domain/messages.ts';
import { approvedMsgId, approvedSubject } from '../../actors/execution/order-messages.ts';
import { insertBars } from '../../adapters/db/index.ts';
import { createLogger } from '../../adapters/log/index.ts';
import { applyTopology, connectNats, jetstream, jetstreamManager, publishMany, type NatsConnection, type NatsUser } from '../../adapters/nats/index.ts';
import { startObserver, storedTime } from './bench-observer.ts';
import { stageTimes, type PipelineBenchResult } from './bench-pipeline.ts';
import { benchDatabase, benchTempDir, type CleanupStack } from './bench-resources.ts';
import { barItem, GATEWAY_BENCH_T0, LANES, scoreItem, signalItem, TRADE_SPAN_MS, tradeOf, type Trade } from './gateway-bench-data.ts';

export interface GatewayBenchResult {
  batchSize: number;
  flood: {
    signals: number;
    sent: number;
    skipped: Record<string, number>;
    fills: number;
    seconds: number;
    decisionsPerSecond: number;
    stages: PipelineBenchResult['stages'];
  };
  loop: {
    lanes: number;
    rounds: number;
    orders: number;
    seconds: number;
    ordersPerSecond: number;
    /** per order: signal stored on SIGNALS → `orders.sent.*` stored on ORDERS, ms */
    latenciesMs: number[];
  };
  /** the machines' states at the end (both must be live / closed, or the figures mean nothing) */
  gate: string;
  breaker: string;
  /** a signal as published, for the baselines' message size */
  sampleSignal: Signal;
}

const IDLE_POLL_MS = 100;
const WAIT_MS = 60_000;

/** The breaker's audited transitions, newest last, for an error message: why the machines are not where the figures need them. */
async function breakerAudit(store: App['database']['db']): Promise<string> {
  const rows = await store.selectFrom('audit_log').select(['action', 'details']).where('action', 'like', 'breaker%').orderBy('seq').execute();
  const trips = rows.length === 0 ? 'none' : rows.map((r) => `${r.action} ${JSON.stringify(r.details)}`).join('; ');
  const positions = await store.selectFrom('positions').select(['id', 'symbol', 'direction', 'status', 'opened_at', 'closed_at', 'r']).orderBy('opened_at').execute();
  const losers = positions.filter((p) => (p.r ?? 0) < 0).slice(0, 5);
  const failed = await store.selectFrom('audit_log').select(['subject', 'details']).where('action', '=', 'order.failed').orderBy('seq').execute();
  const refusals = failed.length === 0 ? 'none' : `${failed.length}, first ${JSON.stringify(failed.slice(0, 5))}`;
  return `${trips}; broker refusals ${refusals}; positions ${positions.length}, losing ${positions.filter((p) => (p.r ?? 0) < 0).length}, first losers ${JSON.stringify(losers)}`;
}

/** Runs (e) with `signals` signals and (f) with `orders` orders (rounded up to whole rounds of the four lanes). */
export async function benchGateway(cleanup: CleanupStack, opts: { signals: number; orders: number }): Promise<GatewayBenchResult> {
  const db = await benchDatabase(cleanup);
  const dataDir = await benchTempDir(cleanup);
  const env: NodeJS.ProcessEnv = {
    ...process.env, DATABASE_URL: db.url, FAKEOUT_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', FAKEOUT_ROLE: 'gateway', FAKEOUT_GATED_TRADES: '1',
  };
  // POLICY: the benchmark measures the embedded deployment; an ambient NATS_URL must not redirect it.
  delete env.NATS_URL;
  const config = loadConfig(env);
  const app = await startApp({ config, log: createLogger(config.logLevel, process.stderr) });
  cleanup.push('stop the gateway app', () => app.stop());
  const connect = async (user: NatsUser): Promise<NatsConnection> => {
    const c = app.messaging.embedded!.credentials(user);
    const nc = await connectNats({ servers: app.messaging.embedded!.url, user: c.user, pass: c.pass, name: `fakeout-bench-${user}` });
    cleanup.push(`close the bench ${user} connection`, () => nc.close());
    return nc;
  };
  const pipeline = jetstream(await connect('pipeline'));
  const gateway = jetstream(await connect('gateway'));
  // creates and removes the bench's observer consumer on ORDERS, and reads stored SIGNALS by sequence
  const adminNc = await connect('admin');
  const admin = await jetstreamManager(adminNc);
  // This app runs the gateway role only; in a deployment the pipeline process creates the streams
  // the bench publishes to as the pipeline (BARS, SIGNALS), so the bench does that here, as admin.
  await applyTopology(adminNc, { streams: topologyFor('pipeline').streams, consumers: [] });
  const store = app.database.db;

  // the data: every lane trades on the same two-minute slots, one after the other
  const next = new Map(LANES.map((l) => [l.symbol, 0]));
  const slotTime = (slot: number) => GATEWAY_BENCH_T0 + slot * TRADE_SPAN_MS;
  const trade = (laneIndex: number, slot: number, outcome: Trade['outcome']): Trade => {
    const lane = LANES[laneIndex]!;
    const k = next.get(lane.symbol)!;
    next.set(lane.symbol, k + 1);
    return tradeOf(lane, k, slotTime(slot), outcome);
  };
  // Outcomes: which flood signals are sent depends on timing, so every flood trade wins (a run of
  // losses could trip the breaker); in each round of the loop one lane (in turn) loses, so at most
  // two losses come in a row and equity rises (after costs a win is about +1.4R, a loss −1.5R to −2.3R).
  const warm = trade(2, 0, 'target');
  const flood = Array.from({ length: opts.signals }, (_, i) => trade(i % LANES.length, 1 + Math.floor(i / LANES.length), 'target'));
  const rounds = Math.ceil(opts.orders / LANES.length);
  const firstLoopSlot = 2 + Math.ceil(opts.signals / LANES.length);
  const loop = Array.from({ length: rounds }, (_, r) => LANES.map((_, li) => trade(li, firstLoopSlot + r, li === r % LANES.length ? 'stop' : 'target')));
  // The bars the gateway moves the paper broker through, stored up front (as the bar-builder's
  // batches commit them), so that none of the timed work is the pipeline's.
  await insertBars(store, [warm, ...flood, ...loop.flat()].flatMap((t) => [t.signalBar, t.fillBar]));

  // the gate goes live: one approved fill (FAKEOUT_GATED_TRADES=1)
  await publishMany(pipeline, [barItem(warm.signalBar), scoreItem(warm.signalBar, warm.signal), signalItem(warm.signal)]);
  await untilStatus(app, warm.clientOrderId, 'pending_approval');
  const approvedAt = Date.now();
  await publishMany(gateway, [{
    subject: approvedSubject(warm.lane.symbol), id: approvedMsgId(warm.clientOrderId, 'bench', approvedAt),
    value: { clientOrderId: warm.clientOrderId, symbol: warm.lane.symbol, user: 'bench', role: 'approver', at: approvedAt },
  }]);
  await untilStatus(app, warm.clientOrderId, 'sent');
  await publishMany(pipeline, [barItem(warm.fillBar), scoreItem(warm.fillBar)]);
  await app.waitForIdle({ pollMs: IDLE_POLL_MS, timeoutMs: WAIT_MS });
  const machines = () => ({ gate: String(findNode(app.tree(), 'gate')?.state), breaker: String(findNode(app.tree(), 'breaker')?.state) });
  if (machines().gate !== 'live') throw new Error(`the gate is ${machines().gate} after the approved fill, not live`);

  // (e) the flood
  const before = await decisionCounts(app);
  const metricsBefore = await stageTimes(app);
  const floodStarted = performance.now();
  // in time order, slot by slot (see the loop below): the four signal bars, then the four fill bars
  const slots = Array.from({ length: Math.ceil(flood.length / LANES.length) }, (_, k) => flood.slice(k * LANES.length, (k + 1) * LANES.length));
  await publishMany(pipeline, slots.flatMap((slot) => [
    ...slot.flatMap((t) => [barItem(t.signalBar), scoreItem(t.signalBar, t.signal), signalItem(t.signal)]),
    ...slot.flatMap((t) => [barItem(t.fillBar), scoreItem(t.fillBar)]),
  ]));
  await app.waitForIdle({ pollMs: IDLE_POLL_MS, timeoutMs: 600_000 });
  const floodSeconds = (performance.now() - floodStarted) / 1000;
  const after = await decisionCounts(app);
  const stages = (await stageTimes(app)).map((s) => {
    const b = metricsBefore.find((x) => x.name === s.name);
    return { name: s.name, batches: s.batches - (b?.batches ?? 0), seconds: s.seconds - (b?.seconds ?? 0) };
  });
  const sent = after.sent - before.sent;
  const skipped: Record<string, number> = {};
  for (const [reason, n] of Object.entries(after.skipped)) if (n > (before.skipped[reason] ?? 0)) skipped[reason] = n - (before.skipped[reason] ?? 0);
  const decided = sent + Object.values(skipped).reduce((a, n) => a + n, 0);
  if (decided !== opts.signals) throw new Error(`the gateway decided ${decided} of ${opts.signals} signals (sent ${sent}, skipped ${JSON.stringify(skipped)})`);
  if (machines().gate !== 'live' || machines().breaker !== 'closed') throw new Error(`after the flood: ${JSON.stringify(machines())}; breaker audit: ${await breakerAudit(store)}`);

  // (f) the closed loop
  const observer = await startObserver({
    manager: admin, js: gateway, stream: 'ORDERS', name: 'bench-observer',
    keyOf: (subject, b) => {
      const body = b as { clientOrderId?: string; signalId?: string; status?: string };
      if (subject.startsWith('orders.sent.')) return `sent:${body.clientOrderId}`;
      if (subject.startsWith('positions.') && body.status === 'closed') return `closed:${body.signalId}`;
      return undefined;
    },
  });
  cleanup.push('delete the observer consumer', () => observer.stop());
  const done: { signalSeq: number; sentAt: number }[] = [];
  const loopStarted = performance.now();
  // A round in time order, as the pipeline publishes it: every lane's signal bar (and signal), then
  // every lane's fill bar once all four orders are sent. The gateway has one clock for the account
  // (the newest bar it saw), so a fill bar published before another lane's order was decided
  // would move that order to the bar after it.
  for (const round of loop) {
    await Promise.all(round.map(async (t) => {
      const [, , ack] = await publishMany(pipeline, [barItem(t.signalBar), scoreItem(t.signalBar, t.signal), signalItem(t.signal)]);
      done.push({ signalSeq: ack!.seq, sentAt: await observer.storedAt(`sent:${t.clientOrderId}`, WAIT_MS) });
    }));
    await publishMany(pipeline, round.flatMap((t) => [barItem(t.fillBar), scoreItem(t.fillBar)]));
    await Promise.all(round.map((t) => observer.storedAt(`closed:${t.signal.id}`, WAIT_MS)));
  }
  const loopSeconds = (performance.now() - loopStarted) / 1000;
  await observer.stop();
  // the signals' stored times are read afterwards, so that the lookups do not slow the loop
  const latenciesMs: number[] = [];
  for (const d of done) latenciesMs.push(d.sentAt - (await storedTime(admin, 'SIGNALS', d.signalSeq)));
  await app.waitForIdle({ pollMs: IDLE_POLL_MS, timeoutMs: WAIT_MS });
  const end = machines();
  if (end.gate !== 'live' || end.breaker !== 'closed') {
    const trips = await app.database.db.selectFrom('audit_log').select('details').where('action', '=', 'breaker.tripped').execute();
    throw new Error(`after the loop: ${JSON.stringify(end)}; trips ${JSON.stringify(trips.map((t) => t.details))}`);
  }

  return {
    batchSize: config.batchSize,
    flood: { signals: opts.signals, sent, skipped, fills: after.fills - before.fills, seconds: floodSeconds, decisionsPerSecond: opts.signals / floodSeconds, stages },
    loop: { lanes: LANES.length, rounds, orders: done.length, seconds: loopSeconds, ordersPerSecond: done.length / loopSeconds, latenciesMs },
    ...end,
    sampleSignal: flood[0]?.signal ?? warm.signal,
  };
}

/** Entry orders the gateway wrote (every sent intent is one), intents it skipped by reason, fills it applied. */
async function decisionCounts(app: App): Promise<{ sent: number; skipped: Record<string, number>; fills: number }> {
  const db = app.database.db;
  const sent = await db.selectFrom('orders').select(sql<number>`count(*)::int`.as('n')).where('leg', '=', 'entry').executeTakeFirstOrThrow();
  const fills = await db.selectFrom('fills').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('audit_log')
    .select([sql<string>`details->>'reason'`.as('reason'), sql<number>`count(*)::int`.as('n')])
    .where('action', '=', 'intent.skipped')
    .groupBy(sql`details->>'reason'`)
    .execute();
  return { sent: sent.n, fills: fills.n, skipped: Object.fromEntries(rows.map((r) => [r.reason, r.n])) };
}

async function untilStatus(app: App, clientOrderId: string, status: string): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    const row = await app.database.db.selectFrom('orders').select('status').where('client_order_id', '=', clientOrderId).executeTakeFirst();
    if (row?.status === status) return;
    if (performance.now() > deadline) throw new Error(`${clientOrderId} is ${row?.status ?? 'not an order'} after ${WAIT_MS} ms, not ${status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
