/**
 * The approval surface's early answer to a breaker reset (actors/auth/reset-readiness.ts), read
 * from a real breaker machine's persisted snapshot (through JSON, as the gateway stores it): a
 * closed breaker and an open one inside its cooldown are refused, naming when the cooldown ends;
 * an open one past its cooldown by the gateway clock and a half-open one are let through.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, SimulatedClock } from 'xstate';
import { breakerView, resetRefusal } from '../../actors/auth/reset-readiness.ts';
import { breakerMachine } from '../../machines/breaker.machine.ts';

const s = suite('breaker reset readiness');
const T = Date.UTC(2024, 0, 2, 14, 0);
const COOLDOWN = 600_000;

/** A breaker tripped by a monitor at T, persisted; `advance` ms of the actor's clock later. */
function persisted(advance: number | null): unknown {
  const clock = new SimulatedClock();
  const actor = createActor(breakerMachine.provide({ actions: { notify: () => undefined } }), { clock, input: { thresholds: { cooldownMs: COOLDOWN } } }).start();
  if (advance !== null) {
    actor.send({ type: 'TRIP', at: T, reason: 'test', figures: {} });
    clock.increment(advance);
  }
  return JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
}

s('a closed breaker (or none committed yet) has nothing to reset', () => {
  for (const snap of [persisted(null), null, undefined]) {
    const r = resetRefusal(breakerView(snap, T));
    assert.equal([r?.code, r?.details.state], ['FAKEOUT_ERR_BREAKER_NOT_OPEN', 'closed']);
  }
});

s('open inside its cooldown by the gateway clock: refused, naming when it ends (trip time + cooldown)', () => {
  const snap = persisted(0);
  const view = breakerView(snap, T + COOLDOWN - 1);
  assert.equal(view, { state: 'open', cooldownEndsAt: T + 600_000, clock: T + COOLDOWN - 1 });
  const r = resetRefusal(view);
  assert.is(r?.code, 'FAKEOUT_ERR_BREAKER_COOLDOWN');
  assert.equal([r?.details.cooldownEndsAt, r?.details.gatewayClock], [Date.UTC(2024, 0, 2, 14, 10), T + COOLDOWN - 1]);
  assert.match(r!.message, /until 2024-01-02T14:10:00\.000Z by the gateway clock/);
});

s('open with the cooldown over by the gateway clock (its timer fires at the next message) and half-open: let through', () => {
  assert.is(resetRefusal(breakerView(persisted(0), T + COOLDOWN)), undefined, 'exactly at the end');
  const half = persisted(COOLDOWN);
  assert.is(breakerView(half, T + COOLDOWN).state, 'halfOpen');
  assert.is(resetRefusal(breakerView(half, T + COOLDOWN)), undefined);
});

s.run();
