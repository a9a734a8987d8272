/**
 * The monitors' pure parts: the alert machine (strict threshold, an unjudged window changes
 * nothing, restore keeps the state) and the two watches, with figures worked by hand.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor } from 'xstate';
import { monitorMachine, type MonitorNotice } from '../../machines/monitor.machine.ts';
import { LiquidityWatch, SlippageWatch } from '../../actors/monitors/monitor-logic.ts';
import type { Score } from '../../actors/domain/messages.ts';

const s = suite('monitors: machine and watches');

function machine(threshold: number, snapshot?: unknown, clearAt?: number) {
  const notices: MonitorNotice[] = [];
  const m = monitorMachine.provide({ actions: { notify: (_, n: MonitorNotice) => void notices.push(n) } });
  const actor = createActor(m, { input: { name: 'slippage', threshold, ...(clearAt === undefined ? {} : { clearAt }) }, ...(snapshot ? { snapshot: snapshot as never } : {}) }).start();
  return { actor, notices, send: (value: number, judged = true, at = 1) => actor.send({ type: 'MEASURED', at, value, judged }) };
}

s('alerts strictly above the threshold: 1.51 alerts, 1.5 and 1.49 do not', () => {
  for (const [value, want] of [[1.49, 'normal'], [1.5, 'normal'], [1.51, 'alert']] as const) {
    const m = machine(1.5);
    m.send(value);
    assert.is(m.actor.getSnapshot().value, want, String(value));
  }
});

s('a window that is not full never changes the state, however high its figure', () => {
  const m = machine(1.5);
  m.send(9, false);
  assert.is(m.actor.getSnapshot().value, 'normal');
  assert.is(m.actor.getSnapshot().context.value, null, 'an unjudged figure is not recorded');
  m.send(1.6, true, 5);
  m.send(0.2, false);
  assert.is(m.actor.getSnapshot().value, 'alert', 'and it does not clear an alert either');
});

s('reports alert and cleared once each, with the figure and time; a restored snapshot keeps the state', () => {
  const m = machine(0.3);
  m.send(0.35, true, 100);
  m.send(0.4, true, 200);
  m.send(0.3, true, 300);
  assert.equal(m.notices.map((n) => [n.kind, n.at, n.value]), [['alert', 100, 0.35], ['cleared', 300, 0.3]]);
  m.send(0.31, true, 400);
  const persisted = JSON.parse(JSON.stringify(m.actor.getPersistedSnapshot()));
  const again = machine(0.3, persisted);
  assert.is(again.actor.getSnapshot().value, 'alert');
  assert.is(again.actor.getSnapshot().context.since, 400);
  again.send(0.1, true, 500);
  assert.equal(again.notices.map((n) => n.kind), ['cleared']);
});

s('an alert clears only at or below clearAt: a figure hovering at the threshold raises one alert', () => {
  const m = machine(0.3, undefined, 0.24);
  for (const v of [0.35, 0.3, 0.31, 0.25, 0.32]) m.send(v);
  assert.is(m.actor.getSnapshot().value, 'alert', 'still one alert');
  assert.equal(m.notices.map((n) => n.kind), ['alert']);
  m.send(0.24);
  assert.equal(m.notices.map((n) => n.kind), ['alert', 'cleared'], 'cleared at 0.24');
});

s('slippage watch: the ratio of sums over the last N fills, judged once full, a repeated fill counted once', () => {
  const w = new SlippageWatch(3);
  assert.equal(w.observe({ fillId: 'a', leg: 'entry', realisedBps: 3, modelledBps: 2 })?.judged, false);
  w.observe({ fillId: 'b', leg: 'entry', realisedBps: 1, modelledBps: 2 });
  assert.is(w.observe({ fillId: 'b', leg: 'entry', realisedBps: 100, modelledBps: 2 }), undefined, 'a redelivered fill');
  // (3 + 1 + 4) / (2 + 2 + 2) = 8 / 6
  const m = w.observe({ fillId: 'c', leg: 'entry', realisedBps: 4, modelledBps: 2 })!;
  assert.ok(m.judged);
  assert.ok(Math.abs(m.value - 8 / 6) < 1e-12, String(m.value));
  // the window rolls: (1 + 4 + 0.5) / (2 + 2 + 2) = 5.5 / 6
  assert.ok(Math.abs(w.observe({ fillId: 'd', leg: 'entry', realisedBps: 0.5, modelledBps: 2 })!.value - 5.5 / 6) < 1e-12);
  assert.is(w.observe({ fillId: 'e', leg: 'entry', realisedBps: null, modelledBps: 2 }), undefined, 'no decision price: not measured');
  const restored = new SlippageWatch(3, JSON.parse(JSON.stringify(w.snapshot())));
  assert.is(restored.observe({ fillId: 'd', leg: 'entry', realisedBps: 9, modelledBps: 1 }), undefined, 'the restored watch knows d');
});

s('slippage watch: only entry fills are measured (an exit realises its modelled cost and would pull the ratio to 1)', () => {
  const w = new SlippageWatch(2);
  w.observe({ fillId: 'e1', leg: 'entry', realisedBps: 15, modelledBps: 10 });
  assert.is(w.observe({ fillId: 'x1', leg: 'exit', realisedBps: 10, modelledBps: 10 }), undefined, 'an exit is not measured');
  // two entries fill the window of 2: (15 + 16) / (10 + 10) = 1.55, not (15 + 10) / 20 = 1.25
  const m = w.observe({ fillId: 'e2', leg: 'entry', realisedBps: 16, modelledBps: 10 })!;
  assert.ok(m.judged);
  assert.ok(Math.abs(m.value - 1.55) < 1e-12, String(m.value));
  assert.is(m.figures['fills'], 2);
});

const WEEKDAY_NOON = Date.parse('2022-01-04T12:00:00Z'); // a Tuesday: London open
const OPEN = { sessions: ['london'] as const, overlaps: [] } as never;
const CLOSED = { sessions: [], overlaps: [] } as never;

function score(i: number, volume: number, isSignal = false): Score {
  return {
    id: `X:1m:${WEEKDAY_NOON + i * 60_000}`, symbol: 'X', timeframe: '1m', openTime: WEEKDAY_NOON + i * 60_000,
    score: isSignal ? 90 : 10, direction: isSignal ? 'long' : null, components: {},
    features: { volume } as Score['features'],
  };
}

s('liquidity watch: a signal is thin below the trailing nearest-rank percentile of the bars before it, or off session', () => {
  const w = new LiquidityWatch({ liquidity: { window: 10, percentile: 20, minSamples: 5 }, signalWindow: 4 });
  // volumes 1..10 fill the window; the 20th percentile of 1..10 is the value at rank ceil(0.2 * 10) = 2: 2
  for (let i = 1; i <= 10; i++) assert.is(w.observe(score(i, i), false, OPEN), undefined, 'not a signal: no tag');
  const thin = w.observe(score(11, 1.5, true), true, OPEN)!;
  assert.equal([thin.tag.low, thin.tag.reasons, thin.tag.threshold], [true, ['thin_volume'], 2]);
  // the window is now 2..10 and 1.5 → sorted [1.5, 2, 3, ...]; rank 2 → 2: a volume of exactly 2 is not below it
  const edge = w.observe(score(12, 2, true), true, OPEN)!;
  assert.equal([edge.tag.low, edge.tag.threshold], [false, 2]);
  const offSession = w.observe(score(13, 50, true), true, CLOSED)!;
  assert.equal([offSession.tag.low, offSession.tag.reasons], [true, ['off_session']]);
  assert.equal([offSession.measure.value, offSession.measure.judged], [2 / 3, false], 'two of three signals, window of four not full');
  const fourth = w.observe(score(14, 50, true), true, OPEN)!;
  assert.equal([fourth.measure.value, fourth.measure.judged], [0.5, true]);
});

s('liquidity watch: a bar is judged against the bars before it, never against itself (no lookahead)', () => {
  const w = new LiquidityWatch({ liquidity: { window: 10, percentile: 10, minSamples: 5 }, signalWindow: 4 });
  for (let i = 1; i <= 10; i++) w.observe(score(i, 5), false, OPEN);
  // the 10th percentile of ten 5s is the smallest: 5, and 4 < 5; with itself in the window it would be 4, and 4 < 4 is false
  const seen = w.observe(score(11, 4, true), true, OPEN)!;
  assert.equal([seen.tag.low, seen.tag.threshold], [true, 5]);
});

s.run();
