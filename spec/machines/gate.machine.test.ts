/**
 * The execution gate (machines/gate.machine.ts): gated until enough approved fills, paused at
 * once when the breaker opens, re-gated (never live) when it closes, and restorable from a
 * persisted snapshot with its counts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, type Snapshot } from 'xstate';
import { isFakeoutError } from '../../actors/domain/errors.ts';
import type { GateThresholds } from '../../actors/risk/index.ts';
import { gateMachine, isPaused, mayAutoSend, needsApproval, type GateEvent, type GateNotice } from '../../machines/gate.machine.ts';

const s = suite('gate machine');

const T0 = Date.UTC(2024, 0, 2);

type Saved = Snapshot<unknown> & { value: unknown };

function start(thresholds?: Partial<GateThresholds>, snapshot?: Saved) {
  const notices: GateNotice[] = [];
  const machine = gateMachine.provide({ actions: { notify: (_, n) => void notices.push(n) } });
  const actor = createActor(machine, { input: { thresholds: thresholds ?? {} }, ...(snapshot ? { snapshot } : {}) }).start();
  const send = (...events: GateEvent[]) => events.forEach((e) => actor.send(e));
  return { actor, notices, send, state: () => actor.getSnapshot().value, ctx: () => actor.getSnapshot().context };
}
type Gate = ReturnType<typeof start>;

let orderSeq = 0;
const approvedFill = (orderId = `o${++orderSeq}`): GateEvent => ({ type: 'APPROVED_FILL', at: T0 + orderSeq, orderId, approvedBy: 'ann' });
const fills = (g: Gate, n: number) => {
  for (let i = 0; i < n; i++) g.send(approvedFill());
};
const opened = (at = T0 + 1000): GateEvent => ({ type: 'BREAKER_OPENED', at });
const closed = (at = T0 + 2000): GateEvent => ({ type: 'BREAKER_CLOSED', at });
const persist = (g: Gate): Saved => JSON.parse(JSON.stringify(g.actor.getPersistedSnapshot())) as Saved;

/** The three queries, as the wiring would ask them. */
const answers = (snap: { value: unknown }) => ({ auto: mayAutoSend(snap), approval: needsApproval(snap), paused: isPaused(snap) });

s('starts gated: every order needs an approval, none is sent automatically', () => {
  const g = start();
  assert.is(g.state(), 'gated');
  assert.equal(answers(g.actor.getSnapshot()), { auto: false, approval: true, paused: false });
  assert.equal({ n: g.ctx().approvedFills, required: g.ctx().required }, { n: 0, required: 10 });
});

s('goes live after exactly 10 approved fills, not 9', () => {
  const g = start();
  fills(g, 9);
  assert.is(g.state(), 'gated');
  assert.is(g.ctx().approvedFills, 9);
  g.send(approvedFill('tenth'));
  assert.is(g.state(), 'live');
  assert.equal(answers(g.actor.getSnapshot()), { auto: true, approval: false, paused: false });
  assert.equal(g.notices, [{ kind: 'live', at: T0 + orderSeq, approvedFills: 10, required: 10 }]);
});

s('a redelivered fill of the same order counts once', () => {
  const g = start({ gatedTrades: 2 });
  g.send(approvedFill('same'), approvedFill('same'));
  assert.is(g.state(), 'gated');
  assert.is(g.ctx().approvedFills, 1);
  g.send(approvedFill('other'));
  assert.is(g.state(), 'live');
});

s('a malformed approved fill is rejected naming the field and not counted', () => {
  const g = start();
  g.send({ type: 'APPROVED_FILL', at: T0, orderId: 'o', approvedBy: '' });
  assert.is(g.ctx().approvedFills, 0);
  assert.equal(g.notices, [{ kind: 'fillRejected', at: T0, problem: 'APPROVED_FILL.approvedBy: expected a non-empty string, got ""' }]);
});

s('pauses at once when the breaker opens, from gated and from live', () => {
  const gated = start();
  fills(gated, 4);
  gated.send(opened());
  assert.is(gated.state(), 'paused');
  assert.equal(answers(gated.actor.getSnapshot()), { auto: false, approval: false, paused: true });

  const live = start({ gatedTrades: 1 });
  fills(live, 1);
  assert.is(live.state(), 'live');
  live.send(opened(T0 + 5));
  assert.is(live.state(), 'paused');
  assert.equal(live.notices.at(-1), { kind: 'paused', at: T0 + 5, approvedFills: 1, required: 1 });
  assert.is(live.ctx().since, T0 + 5);
});

s('nothing counts while paused, and a repeated open changes nothing', () => {
  const g = start();
  g.send(opened(T0 + 5));
  const before = g.ctx();
  g.send(approvedFill(), opened(T0 + 9));
  assert.is(g.state(), 'paused');
  assert.is(g.ctx(), before);
  assert.is(g.notices.length, 1);
});

s('after having been live, a breaker close re-gates for the re-gate count, never straight to live', () => {
  const g = start();
  fills(g, 10);
  assert.is(g.state(), 'live');
  g.send(opened(), closed(T0 + 2000));
  assert.is(g.state(), 'gated');
  assert.equal(answers(g.actor.getSnapshot()), { auto: false, approval: true, paused: false });
  assert.equal({ n: g.ctx().approvedFills, required: g.ctx().required }, { n: 0, required: 3 });
  assert.equal(g.notices.at(-1), { kind: 'gated', at: T0 + 2000, approvedFills: 0, required: 3 });
  fills(g, 2);
  assert.is(g.state(), 'gated');
  fills(g, 1);
  assert.is(g.state(), 'live');
});

s('a gate that never went live needs the full gated count again after a breaker close', () => {
  const g = start({ gatedTrades: 5, regateTrades: 2 });
  fills(g, 4);
  g.send(opened(), closed());
  assert.equal({ state: g.state(), n: g.ctx().approvedFills, required: g.ctx().required }, { state: 'gated', n: 0, required: 5 });
  fills(g, 4);
  assert.is(g.state(), 'gated');
  fills(g, 1);
  assert.is(g.state(), 'live');
});

s('a breaker close while not paused changes nothing', () => {
  const g = start({ gatedTrades: 1 });
  fills(g, 1);
  g.send(closed());
  assert.is(g.state(), 'live');
});

s('persist → restore keeps the state and the counts', () => {
  const g = start();
  fills(g, 7);
  const b = start(undefined, persist(g));
  assert.is(b.state(), 'gated');
  assert.equal(b.ctx(), g.ctx());
  assert.is(b.ctx().approvedFills, 7);
  b.send(approvedFill(g.ctx().countedOrders[6])); // a redelivery across the restart: not counted
  fills(b, 2);
  assert.is(b.state(), 'gated');
  fills(b, 1);
  assert.is(b.state(), 'live');
});

s('persist → restore while paused stays paused and re-gates on close with the re-gate count', () => {
  const g = start({ gatedTrades: 2, regateTrades: 4 });
  fills(g, 2);
  g.send(opened());
  const saved = persist(g);
  assert.ok(isPaused(saved));
  const b = start(undefined, saved);
  assert.is(b.state(), 'paused');
  b.send(closed());
  assert.equal({ state: b.state(), required: b.ctx().required }, { state: 'gated', required: 4 });
});

s('bad thresholds are refused naming the field', () => {
  const g = createActor(gateMachine, { input: { thresholds: { gatedTrades: 0 } } });
  let reported: unknown;
  g.subscribe({ error: (err) => (reported = err) });
  g.start();
  const snap = g.getSnapshot();
  assert.is(snap.status, 'error');
  assert.is(snap.error, reported);
  assert.ok(isFakeoutError(reported, 'FAKEOUT_ERR_CONFIG_INVALID'));
  assert.is(reported.info.field, 'gate.gatedTrades');
  assert.is(reported.message, 'gate.gatedTrades: expected an integer 1..1000, got 0');
});

s('new thresholds on a restored gate: the count made stays, lowered to it goes live, and both are reported', () => {
  const g = start();
  fills(g, 2);
  const saved = persist(g);
  const r = start({}, saved);
  r.send({ type: 'THRESHOLDS', at: T0 + 5000, thresholds: { gatedTrades: 4, regateTrades: 3 } });
  assert.is(r.state(), 'gated');
  assert.equal({ n: r.ctx().approvedFills, required: r.ctx().required }, { n: 2, required: 4 });
  assert.equal(r.notices, [{ kind: 'thresholdsChanged', at: T0 + 5000, before: { gatedTrades: 10, regateTrades: 3 }, after: { gatedTrades: 4, regateTrades: 3 }, approvedFills: 2, required: 4 }]);
  r.send({ type: 'THRESHOLDS', at: T0 + 6000, thresholds: { gatedTrades: 2, regateTrades: 3 } });
  assert.is(r.state(), 'live');
  assert.equal(r.notices.map((n) => n.kind), ['thresholdsChanged', 'thresholdsChanged', 'live']);
});

s('new thresholds never take a paused gate out of paused; the re-gate after the breaker uses them', () => {
  const g = start();
  fills(g, 10);
  g.send(opened());
  const r = start({}, persist(g));
  r.send({ type: 'THRESHOLDS', at: T0 + 3000, thresholds: { gatedTrades: 1, regateTrades: 5 } });
  assert.is(r.state(), 'paused');
  r.send(closed(T0 + 4000));
  assert.is(r.state(), 'gated');
  assert.is(r.ctx().required, 5);
});

s.run();
