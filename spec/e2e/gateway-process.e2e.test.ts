/**
 * Kill the whole gateway process (SIGKILL: no drain, no nak, no goodbye) in the middle of an
 * approved order's batch, and again with the breaker open; start it again each time. Two real
 * processes, as production runs them: FAKEOUT_ROLE=pipeline (replay, bars, features, scoring)
 * and FAKEOUT_ROLE=gateway (order-intake, execution-gateway (with the paper broker), the approval surface),
 * one nats-server of their own with the project's nats.conf, one Postgres database.
 *
 * Where the kill lands is not left to luck: the test holds the row lock on the execution-gateway's
 * checkpoint while a person approves order B, so the gateway's batch runs its effect (B placed at
 * the paper broker and filled there by the catch-up, `orders.sent` published) and then waits on
 * the lock inside its commit. The test sees that wait in pg_stat_activity, then kills the process:
 * the window between "the broker has the order" and "the gateway remembers sending it". After
 * the restart the gateway re-applies the approval from its checkpoint and places B again; the
 * broker must answer duplicate and nothing may count twice.
 *
 * A and B are the same signal replayed under two symbols (BTC-PERP and BTC/USDT), so both wait
 * for a person at once. Their fills are worked by hand from the bars and the cost model, B's from
 * the gateway clock of the checkpoint the restarted process resumed from.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { failedMsgId, failedSubject } from '../../actors/execution/order-messages.ts';
import type { GatewayState } from '../../actors/gateway/gateway-state.ts';
import { loadCheckpoint } from '../../adapters/db/index.ts';
import { jetstream, streamMessages } from '../../adapters/nats/index.ts';
import { referenceCode, stepOf } from '../auth/reference-totp.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { gatewayMachines } from '../helpers/machines.ts';
import { natsPasswordEnv, startTestNats } from '../helpers/nats-server.ts';
import { freePort, type Running } from '../helpers/process.ts';
import { A_SYM, approveOver, enrolApprovers, killAll, startCli, twoSymbolSlices } from './gateway-rig.ts';

const s = suite('gateway process killed mid-flow');
const ROWS = 340;
let SEEDS: Record<string, Buffer> = {};
const lastStep: Record<string, number> = {};

/** A TOTP code of `user` nobody has used yet (a code is good once per user and step). */
async function freshCode(user: string): Promise<string> {
  for (;;) {
    const now = stepOf(Date.now());
    const step = Math.max((lastStep[user] ?? -Infinity) + 1, now);
    if (step <= now + 1) {
      lastStep[user] = step;
      return referenceCode(SEEDS[user]!, step);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function until(what: string, ms: number, check: () => Promise<boolean> | boolean, proc?: Running): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) throw new Error(`process ended while waiting for ${what}:\n${proc.stderr().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${proc ? `:\n${proc.stderr().slice(-3000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const machines = gatewayMachines;

/** The persisted snapshots in the gateway's checkpoint, as a restarted process will read them. */
interface Persisted {
  lastSeq: number;
  state: GatewayState;
  gate: { value: string; context: { approvedFills: number; countedOrders: string[] } };
  breaker: { value: string; context: { trip: unknown } };
}

s('SIGKILL of the gateway process between the broker call and the commit, and with the breaker open: nothing twice, counts and states kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-gwkill-'));
  const nats = await startTestNats();
  const t = await createTestDatabase('postgres');
  const db = t.database.db;
  const procs: Running[] = [];
  let locker: pg.Client | undefined;
  try {
    // one slice, two symbols: `btc-perp_1m.csv` is BTC-PERP, freqtrade's `BTC_USDT-1m.csv` is BTC/USDT
    const { rows, signals, files, A, B } = twoSymbolSlices(dir, ROWS);
    const lastSignalBar = (signals[signals.length - 1]!.openTime - rows[0]!.ts) / 60_000;
    assert.ok(ROWS - lastSignalBar > 20 + 5, 'bars enough after the last signal for the fill and the 20-bar time stop');
    const first = signals[0]!;
    SEEDS = await enrolApprovers(db, dir);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const common = {
      NATS_URL: nats.url, ...natsPasswordEnv(nats.users), DATABASE_URL: t.url!, LOG_LEVEL: 'warn', FAKEOUT_WEBHOOK_SECRET: 'gateway-kill-test',
      // noise and the low-liquidity multiplier off, so the fills are worked by hand below; ages and TTL of a day: the replay's clock runs hours in seconds
      FAKEOUT_TIMEFRAMES: '1m', FAKEOUT_NOISE_BPS: '0', FAKEOUT_LOW_LIQ_MULTIPLIER: '1', FAKEOUT_SIGNAL_MAX_AGE: '86400', FAKEOUT_APPROVAL_TTL: '86400', FAKEOUT_CLOCK_TICK: '3600',
      FAKEOUT_GATED_TRADES: '2',
      // one failed order result trips the breaker (the second kill's state); sent results never do
      FAKEOUT_BREAKER_ERROR_WINDOW: '1', FAKEOUT_BREAKER_ERROR_RATE: '0.5',
    };
    const gatewayEnv = { ...common, FAKEOUT_ROLE: 'gateway', FAKEOUT_DATA_DIR: join(dir, 'gateway'), FAKEOUT_REPLAY: 'none', PORT: String(port) };
    const start = (env: Record<string, string>) => startCli(procs, env);
    const checkpoint = async (): Promise<Persisted> => {
      const cp = (await loadCheckpoint<GatewayState>(db, 'execution-gateway'))!;
      return { lastSeq: cp.lastSeq, state: cp.state, gate: cp.state.gate as Persisted['gate'], breaker: cp.state.breaker as Persisted['breaker'] };
    };
    const statusOf = async (coid: string) => (await db.selectFrom('orders').select('status').where('client_order_id', '=', coid).executeTakeFirst())?.status;
    const approve = async (user: string, coid: string) => approveOver(url, user, coid, await freshCode(user));
    const nc = await nats.connect('admin');
    const orders = async () => streamMessages(jetstream(nc), 'ORDERS');

    // ── the two processes; the pipeline replays both files once and stays up ──
    const g1 = start(gatewayEnv);
    await until('the gateway process', 60_000, async () => (await machines(url)) !== undefined, g1);
    const pipeline = start({ ...common, FAKEOUT_ROLE: 'pipeline', FAKEOUT_DATA_DIR: join(dir, 'pipeline'), FAKEOUT_REPLAY: files.join(','), PORT: String(await freePort()) });
    const skippedCount = async () => (await db.selectFrom('audit_log').select('seq').where('action', '=', 'intent.skipped').execute()).length;
    await until('every intent decided: A and B pending, the later signals skipped', 90_000, async () => (await skippedCount()) === 2 * (signals.length - 1) && (await statusOf(A)) === 'pending_approval' && (await statusOf(B)) === 'pending_approval', pipeline);

    // ── A: approved and filled with nothing in the way ──
    const clockBeforeA = (await checkpoint()).state.clock;
    assert.is(await approve('ann', A), 202);
    await until('A filled and counted', 30_000, async () => (await checkpoint()).gate.context.approvedFills === 1, g1);
    assert.equal(await machines(url), { gate: 'gated', breaker: 'closed' }, 'one approved fill of two');

    // ── B: approved while the test holds the gateway checkpoint's row lock; kill inside the commit ──
    locker = new pg.Client({ connectionString: t.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`SELECT last_seq FROM stage_checkpoints WHERE stage = 'execution-gateway' FOR UPDATE`);
    assert.is(await approve('ben', B), 202, 'the approval is on ORDERS');
    const approvedAt = Date.now();
    // a backend blocked by the test's lock: the gateway's commit, its effect already done
    const blocked = async () => (await locker!.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pg_backend_pid() = ANY (pg_blocking_pids(pid))`,
    )).rows.map((r) => r.pid as number);
    let orphan = 0;
    await until('the gateway to place B and wait inside its commit', 30_000, async () => {
      const pids = await blocked();
      orphan = pids[0] ?? 0;
      return pids.length === 1;
    }, g1);
    g1.child.kill('SIGKILL');
    assert.is((await g1.exited).signal, 'SIGKILL');

    // where it landed, read from what survived the process
    const atKill = await checkpoint();
    const onStream = await orders();
    const approvalMsg = onStream.find((m) => m.subject.startsWith('orders.approved.') && (m.value as { clientOrderId: string }).clientOrderId === B)!;
    const sentMsg = onStream.find((m) => m.subject.startsWith('orders.sent.') && (m.value as { clientOrderId: string }).clientOrderId === B);
    const brokerB = await db.selectFrom('broker_orders').selectAll().where('client_order_id', '=', B).executeTakeFirst();
    assert.ok(approvalMsg.seq > atKill.lastSeq, `B's approval (seq ${approvalMsg.seq}) is past the gateway's checkpoint (seq ${atKill.lastSeq})`);
    assert.is(atKill.state.orders[B]?.status, 'pending_approval', 'the checkpoint still has B waiting for a person');
    assert.is(await statusOf(B), 'pending_approval', 'and so has the orders table');
    assert.is(brokerB?.status, 'filled', 'but the broker has B, filled by the catch-up');
    assert.ok(sentMsg !== undefined && sentMsg.seq > approvalMsg.seq, 'and orders.sent for B is on ORDERS');
    assert.is(atKill.gate.context.approvedFills, 1, 'the count at the kill');
    assert.equal([atKill.gate.value, atKill.breaker.value], ['gated', 'closed']);
    await locker.query('ROLLBACK');
    await locker.end();
    locker = undefined;
    // the killed process's backend takes the lock, finds its client gone and rolls back: its commit never happens
    await until('the orphaned backend to end', 15_000, async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ${orphan}`.execute(db)).rows[0]!.n === 0);
    assert.is((await checkpoint()).lastSeq, atKill.lastSeq, 'the half-done commit rolled back');

    // ── restart: the approval comes back (after ack_wait), B is placed again and refused as a duplicate ──
    const g2 = start(gatewayEnv);
    await until('the restarted gateway', 60_000, async () => (await machines(url)) !== undefined, g2);
    const restoredNow = await machines(url);
    // Before the consumer's ack wait (10 s from the delivery to the killed process) nothing new can
    // have been applied: what GET /actors shows is the restored checkpoint. (A slower start sees B applied.)
    if (Date.now() - approvedAt < 9_000) assert.equal(restoredNow, { gate: atKill.gate.value, breaker: atKill.breaker.value }, 'restored as persisted');
    const settled = async () => {
      const rowsNow = await db.selectFrom('orders').select(['client_order_id', 'status']).where('leg', '=', 'entry').execute();
      return rowsNow.length === 2 && rowsNow.every((r) => r.status === 'closed');
    };
    await until('B applied, both trades closed', 45_000, settled, g2);
    const afterRestart = await checkpoint();
    assert.ok(afterRestart.gate.context.approvedFills >= atKill.gate.context.approvedFills, 'the count never goes back');
    assert.equal([afterRestart.gate.value, afterRestart.breaker.value], ['live', 'closed'], 'two approved fills: live');
    assert.equal(await machines(url), { gate: 'live', breaker: 'closed' });

    // the count, independently: entry fills of orders a person approved (the surface's audit entries)
    const approvedByPeople = (await db.selectFrom('audit_log').select('subject').where('action', '=', 'order.approved').where('actor', '<>', 'execution-gateway').execute()).map((r) => r.subject);
    const entryFills = await db.selectFrom('fills').select(['client_order_id']).where('leg', '=', 'entry').execute();
    const approvedAndFilled = entryFills.filter((f) => approvedByPeople.includes(`order:${f.client_order_id}`)).length;
    assert.is(approvedAndFilled, 2);
    assert.equal([...afterRestart.gate.context.countedOrders].sort(), [A, B].sort(), 'each approved order counted once');

    // ── nothing twice: at the broker, in fills, on ORDERS ──
    const book = await db.selectFrom('broker_orders').selectAll().orderBy('client_order_id').execute();
    const exitA = A.replace(/:entry$/, ':exit');
    const exitB = B.replace(/:entry$/, ':exit');
    assert.equal(book.map((o) => [o.client_order_id, o.status]), [[A, 'filled'], [exitA, 'filled'], [B, 'filled'], [exitB, 'filled']].sort(), 'one entry and one exit per order at the broker');
    assert.is(new Set(book.map((o) => o.fill_seq)).size, 4, 'four fills at the broker, one per order');
    const fills = await db.selectFrom('fills').selectAll().orderBy('fill_id').execute();
    assert.equal(fills.map((f) => f.fill_id), [A, exitA, B, exitB].map((id) => `${id}:fill`).sort(), 'each fill stored once');
    for (const f of fills) {
      const at = (book.find((o) => o.client_order_id === f.client_order_id)!.fill as { price: number; qty: number; time: number });
      assert.equal([f.price, f.qty, Number(f.filled_at)], [at.price, at.qty, at.time], `${f.fill_id} is the broker's fill`);
    }
    const stream = await orders();
    const per = (prefix: string, key: (v: any) => string) => stream.filter((m) => m.subject.startsWith(prefix)).map((m) => key(m.value));
    assert.equal(per('orders.sent.', (v) => v.clientOrderId).sort(), [A, B].sort(), 'orders.sent once per order');
    assert.equal(per('orders.failed.', (v) => v.clientOrderId), [], "the re-placement of B was answered duplicate: sent, not failed");
    assert.equal(per('fills.', (v) => v.fillId).sort(), fills.map((f) => f.fill_id), 'fills once per fill on ORDERS');
    assert.equal(per('orders.approved.', (v) => v.clientOrderId).sort(), [A, B].sort());

    // ── the fills by hand (docs/execution.md, the cost model): B's as if nothing had happened ──
    // Each entry was placed at the gateway clock when its approval was applied (for B: the clock in
    // the checkpoint the restarted process resumed from, so the re-placement could not move it) and
    // fills at the open of the first bar at or after it: crypto half spread 1 bps + impact
    // 0.5 · σ · sqrt(min(qty / V, 1)) · 10⁴, no noise, no low-liquidity multiplier; fees 10 bps.
    const fillOf = (id: string) => fills.find((f) => f.fill_id === `${id}:fill`)!;
    const placedAt = (id: string) => Number(book.find((o) => o.client_order_id === id)!.placed_at);
    assert.is(placedAt(A), clockBeforeA, 'A placed at the clock its approval found');
    assert.is(placedAt(B), atKill.state.clock, 'B placed at the clock of the checkpoint it was re-applied from');
    // sized on the price risk plus the crypto defaults both ways (half spread 1 bps + fee 10 bps),
    // capped at 4 × equity of notional (docs/execution.md, sizing)
    const sizedOn = Math.abs(first.entry - first.stop) + (2 * first.entry * (1 + 10)) / 1e4;
    const qty = Math.floor(Math.min((100_000 * 0.005) / sizedOn, (4 * 100_000) / first.entry) / 0.0001 + 1e-9) * 0.0001;
    const sign = first.direction === 'long' ? 1 : -1;
    for (const id of [A, B]) {
      const bar = rows.find((r) => r.ts >= placedAt(id))!;
      const bps = 1 + 0.5 * (first.features.atr / first.entry) * Math.sqrt(Math.min(qty / bar.volume, 1)) * 1e4;
      const price = bar.open * (1 + (sign * bps) / 1e4);
      const f = fillOf(id);
      assert.ok(Math.abs(f.qty - qty) < 1e-9, `${id} qty ${f.qty} ≈ ${qty}`);
      assert.is(Number(f.filled_at), bar.ts, `${id} fills at the next open`);
      assert.ok(Math.abs(f.price - price) < 1e-6, `${id} price ${f.price} ≈ ${price}`);
      assert.ok(Math.abs(f.fees - price * qty * 10 / 1e4) < 1e-6, `${id} fees`);
    }
    const positions = await db.selectFrom('positions').select(['id', 'status', 'pnl']).orderBy('id').execute();
    assert.equal(positions.map((p) => p.status), ['closed', 'closed']);
    for (const p of positions) {
      const entry = fillOf(`${p.id}:entry`);
      const exit = fillOf(`${p.id}:exit`);
      const want = sign * (exit.price - entry.price) * qty - entry.fees - exit.fees;
      assert.ok(Math.abs(p.pnl! - want) < 1e-6, `${p.id} pnl ${p.pnl} ≈ ${want}`);
    }
    const pnl = positions.reduce((x, p) => x + p.pnl!, 0);
    assert.ok(Math.abs(afterRestart.state.realisedPnl - pnl) < 1e-6 && afterRestart.state.trades === 2, 'the gateway counted each trade once');
    assert.ok(Math.abs(afterRestart.state.equity - (100_000 + pnl)) < 1e-6);

    // ── the breaker trips (a failed order result), the process is killed, it comes back open ──
    const gw = jetstream(await nats.connect('gateway'));
    const failed = 'forced-failure:entry';
    await gw.publish(failedSubject(A_SYM), JSON.stringify({ clientOrderId: failed, symbol: A_SYM, at: afterRestart.state.clock, reason: 'venue_error', message: 'the venue refused the order' }), { msgID: failedMsgId(failed) });
    await until('the breaker open', 20_000, async () => (await checkpoint()).breaker.value === 'open', g2);
    const tripped = await checkpoint();
    assert.equal([tripped.gate.value, tripped.breaker.value], ['paused', 'open']);
    assert.equal(await machines(url), { gate: 'paused', breaker: 'open' });
    g2.child.kill('SIGKILL');
    await g2.exited;
    const g3 = start(gatewayEnv);
    await until('the gateway after the second kill', 60_000, async () => (await machines(url)) !== undefined, g3);
    assert.equal(await machines(url), { gate: tripped.gate.value, breaker: tripped.breaker.value }, 'a restart never re-opens trading');
    const restored = await checkpoint();
    assert.equal(restored.breaker.context.trip, tripped.breaker.context.trip, 'the same trip');
    assert.equal(restored.gate.context, tripped.gate.context, 'the same gate count');
    assert.is((await db.selectFrom('broker_orders').select('client_order_id').execute()).length, 4, 'still nothing new at the broker');

    for (const p of [pipeline, g3]) p.child.kill('SIGTERM');
    for (const p of [pipeline, g3]) assert.is((await p.exited).code, 0, 'SIGTERM drains and exits 0');
  } finally {
    await locker?.end().catch(() => undefined);
    await killAll(procs);
    await nats.cleanup();
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
