/**
 * One config proposal (machines/config.machine.ts): an admin in desk hours applies alone; out of
 * hours a second, different approver is needed; the proposer and the first approver can never be
 * the second; reject and expiry are final; a persisted snapshot restores the same state.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor } from 'xstate';
import { configMachine, type ConfigEvent } from '../../machines/config.machine.ts';

const s = suite('config proposal machine');
const T0 = Date.UTC(2026, 11, 2, 10);
const TTL = 3_600_000;

function start(proposer = 'ada', proposerRole = 'admin') {
  return createActor(configMachine, { input: { id: 'cfg-1', proposer, proposerRole, expiresAt: T0 + TTL } }).start();
}
const approve = (by: string, role: string, inHours: boolean, at = T0 + 1): ConfigEvent => ({ type: 'APPROVE', by, role, at, inHours });

s('an admin in desk hours applies alone', () => {
  const a = start();
  a.send(approve('ada', 'admin', true));
  assert.is(a.getSnapshot().value, 'applied');
  assert.is(a.getSnapshot().status, 'done');
  assert.equal(a.getSnapshot().context.approvals.map((x) => x.by), ['ada']);
});

s('out of hours the admin\'s own approval only starts the wait; approving again is refused as self-approval', () => {
  const a = start();
  a.send(approve('ada', 'admin', false));
  assert.is(a.getSnapshot().value, 'pendingSecondApproval');
  a.send(approve('ada', 'admin', false, T0 + 2));
  assert.is(a.getSnapshot().value, 'pendingSecondApproval');
  assert.is(a.getSnapshot().context.lastRefusal, 'self-approval');
  a.send(approve('ann', 'approver', false, T0 + 3));
  assert.is(a.getSnapshot().value, 'applied');
  assert.equal(a.getSnapshot().context.approvals.map((x) => x.by), ['ada', 'ann']);
  assert.is(a.getSnapshot().context.decidedBy, 'ann');
});

s('a trader\'s proposal needs two approvals from two other people, even in hours unless the first is an admin', () => {
  const a = start('tom', 'trader');
  a.send(approve('tom', 'trader', true));
  assert.is(a.getSnapshot().value, 'proposed', 'a trader cannot approve');
  assert.is(a.getSnapshot().context.lastRefusal, 'role');
  a.send(approve('ann', 'approver', true));
  assert.is(a.getSnapshot().value, 'pendingSecondApproval');
  a.send(approve('tom', 'admin', true, T0 + 2));
  assert.is(a.getSnapshot().value, 'pendingSecondApproval', 'the proposer is never the second, whatever role they claim');
  a.send(approve('bob', 'admin', false, T0 + 3));
  assert.is(a.getSnapshot().value, 'applied');
});

s('reject and expiry are final; any event at or after expiresAt expires it', () => {
  const r = start();
  r.send({ type: 'REJECT', by: 'ann', at: T0 + 1, reason: 'no' });
  assert.is(r.getSnapshot().value, 'rejected');
  r.send(approve('bob', 'admin', true, T0 + 2));
  assert.is(r.getSnapshot().value, 'rejected');

  const e = start();
  e.send({ type: 'EXPIRE', at: T0 + TTL - 1 });
  assert.is(e.getSnapshot().value, 'proposed', 'not yet');
  e.send(approve('ada', 'admin', true, T0 + TTL));
  assert.is(e.getSnapshot().value, 'expired', 'an approval at expiresAt does not apply');
  assert.is(e.getSnapshot().context.decidedAt, T0 + TTL);
});

s('a persisted snapshot restores the pending state, approvals and all', () => {
  const a = start();
  a.send(approve('ada', 'admin', false));
  const saved = JSON.parse(JSON.stringify(a.getPersistedSnapshot()));
  const b = createActor(configMachine, { snapshot: saved, input: { id: 'cfg-1', proposer: 'x', proposerRole: '', expiresAt: 0 } }).start();
  assert.is(b.getSnapshot().value, 'pendingSecondApproval');
  b.send(approve('ada', 'admin', false, T0 + 2));
  assert.is(b.getSnapshot().value, 'pendingSecondApproval');
  b.send(approve('bob', 'admin', false, T0 + 3));
  assert.is(b.getSnapshot().value, 'applied');
});

s.run();
