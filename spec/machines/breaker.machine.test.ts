/**
 * The breaker machine (machines/breaker.machine.ts), driven by events on a SimulatedClock:
 * it trips on every condition and on a monitor's TRIP, cools down only on the clock, closes only
 * on a verified approver's RESET, tells the wiring every audit-worthy step, and survives a
 * persist → restore with its state, counts and trip reason.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, SimulatedClock, type Snapshot } from 'xstate';
import type { BreakerThresholds, OrderOutcome } from '../../actors/risk/index.ts';
import { breakerMachine, tradingAllowed, type BreakerEvent, type BreakerNotice } from '../../machines/breaker.machine.ts';

const s = suite('breaker machine');

const JAN2 = Date.UTC(2024, 0, 2);
const COOLDOWN = 60_000;

function start(thresholds: Partial<BreakerThresholds> = {}, snapshot?: Snapshot<unknown>) {
  const clock = new SimulatedClock();
  const notices: BreakerNotice[] = [];
  const machine = breakerMachine.provide({ actions: { notify: (_, n) => void notices.push(n) } });
  const actor = createActor(machine, {
    clock,
    input: { thresholds: { cooldownMs: COOLDOWN, ...thresholds } },
    ...(snapshot ? { snapshot } : {}),
  }).start();
  const send = (...events: BreakerEvent[]) => events.forEach((e) => actor.send(e));
  return { actor, clock, notices, send, state: () => actor.getSnapshot().value, ctx: () => actor.getSnapshot().context };
}

const loss = (i: number, pnl = -10, equity = 10_000): BreakerEvent => ({ type: 'TRADE_CLOSED', id: `t${i}`, at: JAN2 + i, pnl, equity });
const order = (i: number, result: OrderOutcome): BreakerEvent => ({ type: 'ORDER_RESULT', id: `o${i}`, at: JAN2 + i, result });
const fill = (i: number, realisedBps: number): BreakerEvent => ({ type: 'FILL', id: `f${i}`, at: JAN2 + i, realisedBps, modelledBps: 10 });
const trip = (at = JAN2): BreakerEvent => ({ type: 'TRIP', at, reason: 'clock drift 900 ms', figures: { driftMs: 900 } });
/** A persisted snapshot as the gateway would store it: through JSON. */
type Saved = Snapshot<unknown> & { value: unknown };
const persist = (b: ReturnType<typeof start>): Saved => JSON.parse(JSON.stringify(b.actor.getPersistedSnapshot())) as Saved;
const reset = (role: string, verified = true, at = JAN2 + 2 * COOLDOWN): BreakerEvent => ({ type: 'RESET', at, user: 'ann', role, verified });

/** A breaker tripped by a monitor at JAN2 and cooled down. */
function halfOpen() {
  const b = start();
  b.send(trip());
  b.clock.increment(COOLDOWN);
  assert.is(b.state(), 'halfOpen');
  return b;
}

s('starts closed, with trading allowed', () => {
  const b = start();
  assert.is(b.state(), 'closed');
  assert.ok(tradingAllowed(b.actor.getSnapshot()));
});

s('trips on slippage: 20 fills at 1.51× the model', () => {
  const b = start();
  // 18 × 15 + 2 × 16 = 302 / 200 = 1.51 > 1.5; the 19th fill leaves it closed (window not full)
  for (let i = 0; i < 18; i++) b.send(fill(i, 15));
  b.send(fill(18, 16));
  assert.is(b.state(), 'closed');
  b.send(fill(19, 16));
  assert.is(b.state(), 'open');
  assert.not.ok(tradingAllowed(b.actor.getSnapshot()));
  assert.equal(b.ctx().trip, {
    at: JAN2 + 19,
    trips: [{ condition: 'slippage', reason: 'realised/modelled slippage 1.5100 > 1.5 over the last 20 fills', figures: { ratio: 1.51, realisedBps: 302, modelledBps: 200, fills: 20, threshold: 1.5 } }],
  });
  assert.equal(b.notices, [{ kind: 'tripped', at: JAN2 + 19, trips: b.ctx().trip!.trips }]);
});

s('trips on the 5th losing trade in a row, not the 4th', () => {
  const b = start();
  b.send(loss(0), loss(1), loss(2), loss(3));
  assert.is(b.state(), 'closed');
  b.send(loss(4));
  assert.is(b.state(), 'open');
  assert.equal(b.ctx().trip?.trips[0]?.figures, { consecutiveLosses: 5, streakPnl: -50, limit: 5 });
});

s('trips on daily drawdown over 3 %, not at 2.99 %', () => {
  const b = start();
  b.send({ type: 'EQUITY', at: JAN2, equity: 10_000 }, { type: 'EQUITY', at: JAN2 + 1, equity: 9_701 });
  assert.is(b.state(), 'closed');
  // (10000 − 9699) × 100 / 10000 = 3.01
  b.send({ type: 'EQUITY', at: JAN2 + 2, equity: 9_699 });
  assert.is(b.state(), 'open');
  assert.equal(b.ctx().trip?.trips[0]?.figures.drawdownPct, 3.01);
});

s('trips on an order error rate over 0.2 across 20 orders, not at 0.2', () => {
  const b = start();
  for (let i = 0; i < 16; i++) b.send(order(i, 'ok'));
  b.send(order(16, 'error'), order(17, 'rejected'), order(18, 'error'), order(19, 'error'));
  assert.is(b.state(), 'closed'); // 4 / 20 = 0.2
  b.send(order(20, 'rejected')); // window o1..o20: 5 / 20 = 0.25
  assert.is(b.state(), 'open');
  assert.equal(b.ctx().trip?.trips[0]?.figures, { rate: 0.25, errors: 3, rejected: 2, orders: 20, threshold: 0.2 });
});

s("trips on a monitor's TRIP with its reason and figures", () => {
  const b = start();
  b.send(trip(JAN2 + 7));
  assert.is(b.state(), 'open');
  assert.equal(b.ctx().trip, { at: JAN2 + 7, trips: [{ condition: 'monitor', reason: 'clock drift 900 ms', figures: { driftMs: 900 } }] });
  assert.equal(b.notices.map((n) => n.kind), ['tripped']);
});

s('reaches halfOpen only when the cooldown has elapsed on the clock', () => {
  const b = start();
  b.send(trip());
  b.clock.increment(COOLDOWN - 1);
  assert.is(b.state(), 'open');
  b.clock.increment(1);
  assert.is(b.state(), 'halfOpen');
  assert.not.ok(tradingAllowed(b.actor.getSnapshot()));
  assert.equal(b.notices[1], { kind: 'cooldownElapsed', at: JAN2 + COOLDOWN });
});

s('a new trip while open restarts the cooldown and is kept in the history', () => {
  const b = start();
  b.send(trip(JAN2));
  b.clock.increment(COOLDOWN / 2);
  b.send({ type: 'TRIP', at: JAN2 + COOLDOWN / 2, reason: 'stale data', figures: { ageMs: 120_000 } });
  b.clock.increment(COOLDOWN - 1);
  assert.is(b.state(), 'open');
  b.clock.increment(1);
  assert.is(b.state(), 'halfOpen');
  assert.equal(b.ctx().history.map((r) => r.trips[0]?.reason), ['clock drift 900 ms', 'stale data']);
  assert.is(b.ctx().trip?.trips[0]?.reason, 'stale data');
});

s('refuses a RESET while open, before the cooldown, and says so', () => {
  const b = start();
  b.send(trip(), reset('admin', true, JAN2 + 1));
  assert.is(b.state(), 'open');
  assert.equal(b.ctx().lastRefusal, { user: 'ann', role: 'admin', at: JAN2 + 1, refusal: 'cooldown' });
  assert.equal(b.notices[1], { kind: 'resetRefused', at: JAN2 + 1, user: 'ann', role: 'admin', refusal: 'cooldown' });
});

s('refuses a RESET from a non-approver role or without verification, staying halfOpen', () => {
  const b = halfOpen();
  b.send(reset('viewer'));
  assert.is(b.state(), 'halfOpen');
  assert.is(b.ctx().lastRefusal?.refusal, 'role');
  b.send(reset('admin', false));
  assert.is(b.state(), 'halfOpen');
  assert.is(b.ctx().lastRefusal?.refusal, 'unverified');
  b.send({ type: 'RESET', at: JAN2, user: '', role: 'admin', verified: true });
  assert.is(b.ctx().lastRefusal?.refusal, 'malformed');
  assert.equal(b.notices.slice(2).map((n) => (n.kind === 'resetRefused' ? n.refusal : n.kind)), ['role', 'unverified', 'malformed']);
  assert.is(b.ctx().lastReset, null);
});

s('closes on a verified RESET from an approver or an admin, with empty windows and the history kept', () => {
  for (const role of ['approver', 'admin']) {
    const b = halfOpen();
    b.send(loss(0), loss(1)); // facts still fold in while not closed
    assert.is(b.ctx().windows.lossStreak, 2);
    b.send(reset(role));
    assert.is(b.state(), 'closed');
    assert.ok(tradingAllowed(b.actor.getSnapshot()));
    assert.is(b.ctx().trip, null);
    assert.is(b.ctx().windows.lossStreak, 0);
    assert.is(b.ctx().history.length, 1);
    assert.equal(b.ctx().lastReset, { user: 'ann', role, at: JAN2 + 2 * COOLDOWN });
    assert.equal(b.notices.at(-1), { kind: 'reset', at: JAN2 + 2 * COOLDOWN, user: 'ann', role });
  }
});

s('a RESET while closed changes nothing and is reported as refused', () => {
  const b = start();
  b.send(reset('admin'));
  assert.is(b.state(), 'closed');
  assert.equal(b.notices, [{ kind: 'resetRefused', at: JAN2 + 2 * COOLDOWN, user: 'ann', role: 'admin', refusal: 'notOpen' }]);
});

s('a TRIP in halfOpen opens it again; only facts seen while closed can trip it', () => {
  const b = halfOpen();
  b.send(trip(JAN2 + COOLDOWN));
  assert.is(b.state(), 'open');
  const c = halfOpen();
  c.send(loss(0), loss(1), loss(2), loss(3), loss(4)); // 5 losses while halfOpen: folded, not judged
  assert.is(c.state(), 'halfOpen');
  assert.is(c.notices.length, 2);
});

s('a bad observation is rejected naming the field, and changes nothing', () => {
  const b = start();
  b.send(loss(0), loss(1));
  const before = b.ctx();
  b.send({ type: 'FILL', id: 'f', at: JAN2, realisedBps: 5, modelledBps: 0 });
  assert.is(b.ctx(), before);
  assert.equal(b.notices, [{ kind: 'observationRejected', at: JAN2, problem: 'FILL.modelledBps: expected a positive number, got 0' }]);
});

s('persist → restore keeps the open state, the trip reason, the history and the counts', () => {
  const a = start();
  a.send(loss(0), loss(1), trip(JAN2 + 10));
  const saved = persist(a);
  const b = start({}, saved);
  assert.is(b.state(), 'open');
  assert.equal(b.ctx(), a.ctx());
  assert.is(b.ctx().trip?.trips[0]?.reason, 'clock drift 900 ms');
  assert.is(b.ctx().windows.lossStreak, 2);
  assert.not.ok(tradingAllowed(saved));
  assert.equal(b.notices, []); // restoring replays nothing to the audit log
});

s('after a restore, RESTORED re-arms what is left of the cooldown (XState does not persist the timer)', () => {
  const a = start();
  a.send(trip(JAN2));
  const saved = persist(a);
  // Without RESTORED the restored breaker stays open (the safe side), however long it waits.
  const idle = start({}, saved);
  idle.clock.increment(10 * COOLDOWN);
  assert.is(idle.state(), 'open');
  // Restarted 40 s after the trip: 20 s of the 60 s cooldown are left.
  const b = start({}, saved);
  b.send({ type: 'RESTORED', at: JAN2 + 40_000 });
  b.clock.increment(19_999);
  assert.is(b.state(), 'open');
  b.clock.increment(1);
  assert.is(b.state(), 'halfOpen');
  assert.equal(b.notices, [{ kind: 'cooldownElapsed', at: JAN2 + COOLDOWN }]);
});

s('persist → restore while closed keeps counting: the 5th loss after the restart trips', () => {
  const a = start();
  a.send(loss(0), loss(1), loss(2), loss(3));
  const b = start({}, persist(a));
  b.send(loss(3)); // redelivered: counted once
  assert.is(b.state(), 'closed');
  b.send(loss(4));
  assert.is(b.state(), 'open');
  assert.is(b.ctx().trip?.trips[0]?.figures.consecutiveLosses, 5);
});

s('persist → restore in halfOpen still requires the verified approver', () => {
  const a = halfOpen();
  const b = start({}, persist(a));
  assert.is(b.state(), 'halfOpen');
  b.send(reset('viewer'));
  assert.is(b.state(), 'halfOpen');
  b.send(reset('approver'));
  assert.is(b.state(), 'closed');
});

s('new thresholds on a restored open breaker: it stays open and RESTORED re-arms the new cooldown', () => {
  const a = start();
  a.send(trip(JAN2));
  const b = start({}, persist(a));
  b.send({ type: 'THRESHOLDS', at: JAN2 + 10_000, thresholds: { cooldownMs: 30_000 } });
  b.send({ type: 'RESTORED', at: JAN2 + 10_000 });
  assert.is(b.state(), 'open');
  assert.is(b.ctx().thresholds.cooldownMs, 30_000);
  b.clock.increment(19_999);
  assert.is(b.state(), 'open');
  b.clock.increment(1);
  assert.is(b.state(), 'halfOpen');
  const changed = b.notices[0];
  assert.is(changed?.kind, 'thresholdsChanged');
  assert.is(changed?.kind === 'thresholdsChanged' && changed.before.cooldownMs, COOLDOWN);
  assert.is(changed?.kind === 'thresholdsChanged' && changed.after.cooldownMs, 30_000);
});

s.run();
